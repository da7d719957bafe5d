// npm run bench: what the durable transactions cost. The same suite (test files that each rewrite
// three cassettes of ~20 KB) re-recorded by this build and by the runner before durable
// transactions (the release whose vault lived in a temp folder: its dist/cli.js from git history),
// alternating, several rounds; the figure is the ratio of median makespans.
//
//   node bench/transactions.mjs [--files 120] [--rounds 3] [--baseline-rev bd03910]
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { die, flag, parseFlags, run, timed } from './common.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseFlags({ files: 120, rounds: 3, baselineRev: 'bd03910' }, {
  '--files': flag.whole('files', 1),
  '--rounds': flag.whole('rounds', 1),
  '--baseline-rev': flag.text('baselineRev', 'REV'),
});

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-txn-'));
try {
  const baselineCli = path.join(work, 'baseline-cli.mjs');
  try {
    await writeFile(baselineCli, execFileSync('git', ['show', `${opts.baselineRev}:dist/cli.js`], { cwd: repo, maxBuffer: 64 * 1024 * 1024 }));
  } catch {
    die(`cannot read dist/cli.js at ${opts.baselineRev} from git history (a shallow clone?): fetch it or pass --baseline-rev`);
  }
  const cassette = (name, round) => `---\nhttp_interactions:\n- request:\n    method: get\n    uri: http://127.0.0.1:4567/${name}\n    body:\n      encoding: UTF-8\n      string: ''\n    headers: {}\n  response:\n    status:\n      code: 200\n      message: OK\n    headers: {}\n    body:\n      encoding: UTF-8\n      string: '${`${round}-${name}-`.repeat(1000)}'\n    http_version:\n  recorded_at: Mon, 23 Nov 2026 20:58:14 GMT\nrecorded_with: VCR 6.0.0\n`;
  const testScript = path.join(work, 'writer.mjs');
  await writeFile(
    testScript,
    `import { readFileSync, writeFileSync } from 'node:fs';\nconst names = readFileSync(process.argv[2], 'utf8').split('\\n').filter(Boolean).map((l) => l.match(/use_cassette\\("(.+)"\\)/)[1]);\nconst body = (n) => ${JSON.stringify(cassette('NAME', 'ROUND'))}.replaceAll('NAME', n).replaceAll('ROUND', String(Date.now()));\nfor (const n of names) writeFileSync('fixtures/' + n + '.yml', body(n));\n`,
  );

  const makeProject = async (label) => {
    const dir = path.join(work, label);
    await mkdir(path.join(dir, 'tests'), { recursive: true });
    await mkdir(path.join(dir, 'fixtures'), { recursive: true });
    for (let i = 0; i < opts.files; i++) {
      const names = [0, 1, 2].map((k) => `c${i}_${k}`);
      await writeFile(path.join(dir, 'tests', `t${i}.txt`), names.map((n) => `use_cassette("${n}")`).join('\n'));
      for (const n of names) await writeFile(path.join(dir, 'fixtures', `${n}.yml`), cassette(n, 'old'));
    }
    return dir;
  };
  const flags = ['run', '--framework', 'custom', '--test-dir', 'tests', '--test-pattern', '*.txt', '--cassette-dir', 'fixtures', '--cassette-functions', 'use_cassette', '--cassette-path', '{name}.yml', '--command', `${process.execPath} ${testScript} {file}`, '--workers', '8', '--batch-delay', '0', '--retries', '0'];
  const measure = async (cli, label) => {
    const dir = await makeProject(label);
    const { ms, value } = await timed(() => run(process.execPath, [cli, ...flags], { cwd: dir }));
    if (value.code !== 0) die(`${label}: exit ${value.code}\n${value.stderr.slice(-2000)}`);
    await rm(dir, { recursive: true, force: true });
    return ms;
  };

  const times = { baseline: [], durable: [] };
  for (let round = 0; round < opts.rounds; round++) {
    times.baseline.push(await measure(baselineCli, `baseline-${round}`));
    times.durable.push(await measure(path.join(repo, 'dist', 'cli.js'), `durable-${round}`));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(times.baseline);
  const durable = median(times.durable);
  console.log(`\nDurable transactions: ${opts.files} files x 3 cassettes (~20 KB each), 8 workers, ${opts.rounds} rounds each, alternating`);
  console.log(`  runner before (vault in a temp folder, ${opts.baselineRev}): median ${(base / 1000).toFixed(2)} s`);
  console.log(`  durable (.rerecord/txn, baseline, scans, re-hash):   median ${(durable / 1000).toFixed(2)} s`);
  console.log(`  ratio durable / before: ${(durable / base).toFixed(3)}x`);
} finally {
  await rm(work, { recursive: true, force: true });
}
