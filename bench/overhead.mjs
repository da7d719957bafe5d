// npm run bench: rerecord's own cost per test file, against a bare `xargs -P` spawn of the same files.
//
//   node bench/overhead.mjs [--files 240] [--cassettes 2000] [--workers 1,8] [--baseline DIR] [--keep]
//
// A suite of `files` trivial custom-preset test files (`node tests/fNNN.mjs`), each writing its own
// one-interaction cassette, in a cassette folder that also holds `cassettes` other cassettes no
// test touches (what a real suite's folder holds). For each worker count, in one run, side by side:
//   xargs     `xargs -P W -n 1 node` over the same files: what spawning them costs at all
//   rerecord  this checkout's dist/ (npm run bundle)
//   baseline  with --baseline DIR: another commit's bundle (its cli.js), for a ratio between the two
// Reported: makespan, per-file overhead over xargs ((makespan - xargs) x W / files), and the ratios.
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { die, flag, parseFlags, run, timed } from './common.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(benchDir, '..', 'dist', 'cli.js');
const opts = parseFlags({ files: 240, cassettes: 2000, workers: '1,8', baseline: '', keep: false }, {
  '--files': flag.whole('files', 1),
  '--cassettes': flag.whole('cassettes', 0),
  '--workers': flag.text('workers', 'N,N'),
  '--baseline': flag.text('baseline', 'DIR'),
  '--keep': flag.on('keep'),
});
if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);
const baselineCli = opts.baseline ? path.resolve(opts.baseline, 'cli.js') : undefined;
if (baselineCli && !existsSync(baselineCli)) die(`${baselineCli} not found`);
const workerCounts = opts.workers.split(',').map((text) => Number(text));
if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) die(`--workers needs whole numbers >= 1, got ${opts.workers}`);

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-overhead-'));
process.on('exit', () => {
  if (opts.keep) process.stderr.write(`bench: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});

const cassette = (name) => `---
http_interactions:
- request:
    method: get
    uri: https://api.example.test/items/${name}
    body:
      encoding: UTF-8
      string: ''
    headers: {}
  response:
    status:
      code: 200
      message: OK
    headers:
      content-type:
      - application/json
    body:
      encoding: UTF-8
      string: '{"id":"${name}"}'
  recorded_at: Mon, 30 Nov 2026 00:00:00 GMT
recorded_with: VCR 6.0.0
`;

const names = Array.from({ length: opts.files }, (_, i) => `f${String(i + 1).padStart(4, '0')}`);

/** A fresh suite: every scheme starts from the same bytes. */
async function suite(label) {
  const dir = path.join(work, label);
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  for (let group = 0; group * 500 < Math.max(opts.cassettes, 1); group++) await mkdir(path.join(dir, 'fixtures', `other${group}`), { recursive: true });
  for (let i = 0; i < opts.cassettes; i++) await writeFile(path.join(dir, 'fixtures', `other${Math.floor(i / 500)}`, `o${i}.yml`), cassette(`o${i}`));
  for (const name of names) {
    await writeFile(path.join(dir, 'fixtures', `${name}.yml`), cassette(`${name}-old`));
    await writeFile(
      path.join(dir, 'tests', `${name}.mjs`),
      `import { writeFileSync } from 'node:fs';\nconst use_cassette = (name) => name;\nwriteFileSync('fixtures/' + use_cassette('${name}') + '.yml', ${JSON.stringify(cassette(name))});\n`,
    );
  }
  return dir;
}

async function xargs(workers) {
  const dir = await suite('xargs');
  const input = `${names.map((name) => path.join('tests', `${name}.mjs`)).join('\n')}\n`;
  const { ms, value } = await timed(() => run('xargs', ['-P', String(workers), '-n', '1', process.execPath], { cwd: dir, input }));
  if (value.code !== 0) die(`xargs exited ${value.code}: ${value.stderr.slice(-1000)}`);
  return ms;
}

async function rerecord(bundle, label, workers) {
  const dir = await suite(label);
  const node = /\s/.test(process.execPath) ? `"${process.execPath}"` : process.execPath;
  const args = [
    bundle, 'run', '--framework', 'custom', '--test-dir', 'tests', '--test-pattern', '*.mjs', '--cassette-dir', 'fixtures',
    '--cassette-functions', 'use_cassette', '--cassette-path', '{name}.yml', '--command', `${node} {file}`,
    '--workers', String(workers), '--retries', '0', '--timeout', '5m', '--verify', 'none', '--json',
  ];
  const { ms, value } = await timed(() => run(process.execPath, args, { cwd: dir }));
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    die(`rerecord (${label}) printed no JSON document (exit ${value.code}): ${value.stderr.slice(-2000)}`);
  }
  if (doc.succeeded !== opts.files) die(`rerecord (${label}) passed ${doc.succeeded}/${opts.files} files: ${JSON.stringify(doc.failedFiles ?? doc.error).slice(0, 1000)}`);
  return ms;
}

console.log(`rerecord overhead bench: ${opts.files} trivial files (each writes one cassette) beside ${opts.cassettes} other cassettes, ${os.cpus().length} CPU(s), node ${process.version}, load avg ${os.loadavg()[0].toFixed(2)}`);
const figures = [];
for (const workers of workerCounts) {
  process.stderr.write(`bench: ${workers} worker(s): xargs...\n`);
  const bare = await xargs(workers);
  process.stderr.write(`bench: ${workers} worker(s): rerecord...\n`);
  const ours = await rerecord(cli, 'ours', workers);
  let base;
  if (baselineCli) {
    process.stderr.write(`bench: ${workers} worker(s): baseline bundle...\n`);
    base = await rerecord(baselineCli, 'base', workers);
  }
  const perFile = (ms) => ((ms - bare) * workers) / opts.files;
  figures.push({ workers, xargsMs: Math.round(bare), oursMs: Math.round(ours), baseMs: base === undefined ? null : Math.round(base), oursPerFileMs: +perFile(ours).toFixed(1), basePerFileMs: base === undefined ? null : +perFile(base).toFixed(1) });
}
const pad = (text, n) => String(text).padEnd(n);
const lpad = (text, n) => String(text).padStart(n);
console.log(`${pad('workers', 9)}${lpad('xargs s', 9)}${lpad('rerecord s', 12)}${lpad('/ xargs', 9)}${lpad('ms/file over', 14)}${lpad('baseline s', 12)}${lpad('/ xargs', 9)}${lpad('ms/file over', 14)}${lpad('this / baseline', 17)}`);
for (const f of figures) {
  const s = (ms) => (ms === null ? '-' : (ms / 1000).toFixed(2));
  console.log(
    `${pad(f.workers, 9)}${lpad(s(f.xargsMs), 9)}${lpad(s(f.oursMs), 12)}${lpad((f.oursMs / f.xargsMs).toFixed(2), 9)}${lpad(f.oursPerFileMs, 14)}${lpad(s(f.baseMs), 12)}${lpad(f.baseMs === null ? '-' : (f.baseMs / f.xargsMs).toFixed(2), 9)}${lpad(f.basePerFileMs ?? '-', 14)}${lpad(f.baseMs === null ? '-' : (f.oursMs / f.baseMs).toFixed(2), 17)}`,
  );
}
console.log(`ms/file over = (makespan - xargs makespan) x workers / files: rerecord's own cost per file. Load avg now ${os.loadavg()[0].toFixed(2)}; ratios measured in one run are what matter.`);
console.log(`BENCH_JSON ${JSON.stringify({ files: opts.files, cassettes: opts.cassettes, figures })}`);
