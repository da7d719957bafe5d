// npm run bench: what the replay check (input `verify: replay`) costs. The same suite re-recorded
// with `--verify replay` and with `--verify none`, alternating, several rounds; the figure is the
// ratio of median makespans, on two suites:
// - synthetic: `custom` files that each sleep (log-normal, median 150 ms) and write a cassette; the
//   replay command sleeps as long and reads it (a replay spends the test's own time again);
// - node-nock: the real node --test + nock back project (test/projects/node-nock, its passing files)
//   against the stand-in API.
//
//   node bench/replay.mjs [--files 120] [--rounds 3] [--workers 8]
// Needs dist/ (npm run bundle).
import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startStandinApi } from '../test/support/standin-api.mjs';
import { die, flag, mulberry32, parseFlags, run, timed } from './common.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist', 'cli.js');
const opts = parseFlags({ files: 120, rounds: 3, workers: 8 }, {
  '--files': flag.whole('files', 1),
  '--rounds': flag.whole('rounds', 1),
  '--workers': flag.whole('workers', 1),
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const nodeWord = JSON.stringify(process.execPath);

/** One rerecord run; refuses to time a run that did not keep every file it selected. */
async function measure(label, dir, args, env, expected) {
  const { ms, value } = await timed(() => run(process.execPath, [cli, 'run', '--json', ...args], { cwd: dir, env }));
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    die(`${label}: printed no JSON document (exit ${value.code})\n${value.stderr.slice(-2000)}`);
  }
  if (value.code !== 0 || doc.failed !== 0 || doc.selected !== expected) die(`${label}: exit ${value.code}, ${doc.succeeded}/${doc.selected} kept (expected ${expected}): ${JSON.stringify(doc.failedFiles).slice(0, 500)}`);
  // A file whose recordings only changed in noise is put back and not replayed (the old bytes replayed before).
  const unverified = doc.files.filter((file) => file.verified !== true && !(typeof file.verified === 'string' && file.verified.startsWith('skipped: only noise')));
  if (args.includes('replay') && unverified.length > 0) die(`${label}: not verified: ${JSON.stringify(unverified.map(({ file, verified }) => ({ file, verified })))}`);
  return ms;
}

async function compare(name, makeProject, args, env, expected) {
  const times = { replay: [], none: [] };
  for (let round = 0; round < opts.rounds; round++) {
    for (const verify of round % 2 === 0 ? ['none', 'replay'] : ['replay', 'none']) {
      const dir = await makeProject(`${name}-${verify}-${round}`);
      times[verify].push(await measure(`${name} (verify ${verify})`, dir, [...args, '--verify', verify], env, expected));
      await rm(dir, { recursive: true, force: true });
    }
  }
  const none = median(times.none);
  const replay = median(times.replay);
  console.log(`  ${name}: verify none median ${(none / 1000).toFixed(2)} s, verify replay median ${(replay / 1000).toFixed(2)} s, ratio replay / none: ${(replay / none).toFixed(3)}x`);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-replay-'));
try {
  // ---- synthetic ------------------------------------------------------------------------------
  const random = mulberry32(20261130);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const durations = Array.from({ length: opts.files }, () => Math.round(Math.min(3000, Math.max(5, 150 * Math.exp(1.1 * normal())))));
  const recorder = path.join(work, 'record.mjs');
  const replayer = path.join(work, 'replay.mjs');
  // A test file holds `<ms> <cassette name>`: the recorder sleeps, then writes the cassette; the
  // replayer sleeps, then fails unless the cassette holds what the recorder wrote.
  await writeFile(
    recorder,
    `import { readFileSync, writeFileSync } from 'node:fs';\nconst [ms, name] = readFileSync(process.argv[2], 'utf8').split('\\n')[0].split(' ');\nsetTimeout(() => writeFileSync('fixtures/' + name + '.json', JSON.stringify({ name, at: 'recorded' }) + '\\n'), Number(ms));\n`,
  );
  await writeFile(
    replayer,
    `import { readFileSync } from 'node:fs';\nconst [ms, name] = readFileSync(process.argv[2], 'utf8').split('\\n')[0].split(' ');\nsetTimeout(() => process.exit(JSON.parse(readFileSync('fixtures/' + name + '.json', 'utf8')).name === name ? 0 : 1), Number(ms));\n`,
  );
  const synthetic = async (label) => {
    const dir = path.join(work, label);
    await mkdir(path.join(dir, 'tests'), { recursive: true });
    await mkdir(path.join(dir, 'fixtures'), { recursive: true });
    for (const [i, ms] of durations.entries()) {
      await writeFile(path.join(dir, 'tests', `t${i}.job`), `${ms} c${i}\nuse_cassette("c${i}")\n`);
      await writeFile(path.join(dir, 'fixtures', `c${i}.json`), JSON.stringify({ name: `c${i}`, at: 'old' }) + '\n');
    }
    return dir;
  };
  console.log(`\nReplay check: the same suite with --verify replay and --verify none, ${opts.rounds} rounds each, alternating, ${opts.workers} workers`);
  await compare(
    `synthetic (${opts.files} custom files, sleeps median 150 ms)`,
    synthetic,
    [
      '--framework', 'custom', '--test-dir', 'tests', '--test-pattern', '*.job', '--cassette-dir', 'fixtures', '--cassette-functions', 'use_cassette', '--cassette-path', '{name}.json',
      '--command', `${nodeWord} ${JSON.stringify(recorder)} {file}`, '--replay-command', `${nodeWord} ${JSON.stringify(replayer)} {file}`,
      '--workers', String(opts.workers), '--batch-delay', '0', '--retries', '0', '--timeout', '5m',
    ],
    process.env,
    opts.files,
  );

  // ---- node-nock ------------------------------------------------------------------------------
  const key = 'bench-replay-key';
  const api = await startStandinApi({ key, generation: 'g2' });
  try {
    const env = { ...process.env, STANDIN_API_URL: api.url, STANDIN_API_KEY: key };
    delete env.NODE_OPTIONS;
    const nodeNock = async (label) => {
      const dir = path.join(work, label);
      await cp(path.join(repo, 'test/projects/node-nock'), dir, { recursive: true });
      // The project resolves nock through the repository's own node_modules.
      await symlink(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      return dir;
    };
    await compare(
      'node-nock (5 passing files of test/projects/node-nock, real nock back)',
      nodeNock,
      ['--framework', 'node', '--cassette-functions', 'withFixture', '--mode', 'priority', '--priority-patterns', 'items,users,dynamic,shared-a,shared-b', '--workers', String(opts.workers), '--batch-delay', '0', '--retries', '0', '--timeout', '5m', '--api-key-env', 'STANDIN_API_KEY'],
      env,
      5,
    );
  } finally {
    await api.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
