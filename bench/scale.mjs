// npm run bench: is rerecord's own cost linear in the suite's size? Plan and run a small suite and
// one ten times larger, each beside five times as many cassettes as test files, and compare the
// large one's overhead with ten times the small one's.
//
//   node bench/scale.mjs [--files 1000,10000] [--cassettes-per-file 5] [--workers 2] [--keep]
//
// Every test file is a tiny shell script (`sh {file}`) that writes its own one-interaction cassette:
// the spawn is cheap, so what is measured is rerecord, not the tests. For each size, side by side:
//   xargs     `xargs -P W -n 1 sh` over the same files: what running them costs at all
//   plan      `rerecord plan --json`: discovery and mapping
//   run       `rerecord run` (custom preset, verify none): its overhead is run - xargs
// and rerecord's peak memory (maximum resident set, from /usr/bin/time when the machine has it).
// Needs dist/ (npm run bundle).
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { die, flag, parseFlags, pool, run, timed } from './common.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(benchDir, '..', 'dist', 'cli.js');
const TIME = '/usr/bin/time';
const opts = parseFlags({ files: '1000,10000', cassettesPerFile: 5, workers: 2, keep: false }, {
  '--files': flag.text('files', 'N,N'),
  '--cassettes-per-file': flag.whole('cassettesPerFile', 1),
  '--workers': flag.whole('workers', 1),
  '--keep': flag.on('keep'),
});
if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);
const sizes = opts.files.split(',').map(Number);
if (sizes.length !== 2 || sizes.some((n) => !Number.isInteger(n) || n < 1)) die(`--files needs two whole numbers (small,large), got ${opts.files}`);

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-scale-'));
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
    headers: {}
    body:
      encoding: UTF-8
      string: '{"id":"${name}"}'
  recorded_at: Mon, 30 Nov 2026 00:00:00 GMT
recorded_with: VCR 6.0.0
`;

const nameOf = (i) => `f${String(i + 1).padStart(5, '0')}`;
/** Test files and cassettes in folders of 500, as real suites spread them. */
const groupOf = (i) => `g${Math.floor(i / 500)}`;

async function suite(label, files) {
  const dir = path.join(work, label);
  await rm(dir, { recursive: true, force: true });
  const others = files * (opts.cassettesPerFile - 1);
  const writes = [];
  for (let i = 0; i < files; i++) {
    const name = nameOf(i);
    const test = `# use_cassette('${name}')\ncat > fixtures/${groupOf(i)}/${name}.yml <<'EOF'\n${cassette(name)}EOF\n`;
    writes.push([path.join(dir, 'tests', groupOf(i), `${name}.sh`), test], [path.join(dir, 'fixtures', groupOf(i), `${name}.yml`), cassette(`${name}-old`)]);
  }
  for (let i = 0; i < others; i++) writes.push([path.join(dir, 'fixtures', `other-${groupOf(i)}`, `o${i}.yml`), cassette(`o${i}`)]);
  for (const folder of new Set(writes.map(([file]) => path.dirname(file)))) await mkdir(folder, { recursive: true });
  await pool(writes, 16, ([file, text]) => writeFile(file, text));
  return dir;
}

async function xargs(files) {
  const dir = await suite('xargs', files);
  const input = `${Array.from({ length: files }, (_, i) => path.join('tests', groupOf(i), `${nameOf(i)}.sh`)).join('\n')}\n`;
  const { ms, value } = await timed(() => run('xargs', ['-P', String(opts.workers), '-n', '1', 'sh'], { cwd: dir, input }));
  if (value.code !== 0) die(`xargs exited ${value.code}: ${value.stderr.slice(-1000)}`);
  return ms;
}

const COMMON = ['--framework', 'custom', '--test-dir', 'tests', '--test-pattern', '**/*.sh', '--cassette-dir', 'fixtures', '--cassette-functions', 'use_cassette', '--cassette-path', '{name}.yml', '--command', 'sh {file}', '--json'];

/** Runs the CLI under /usr/bin/time when there is one: its peak memory in MB, else undefined. */
async function rerecord(dir, args) {
  const measured = existsSync(TIME);
  const memoryFile = path.join(work, 'memory.txt');
  const [command, words] = measured ? [TIME, ['-f', '%M', '-o', memoryFile, process.execPath, cli, ...args]] : [process.execPath, [cli, ...args]];
  const { ms, value } = await timed(() => run(command, words, { cwd: dir }));
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    die(`rerecord ${args[0]} printed no JSON document (exit ${value.code}): ${value.stderr.slice(-2000)}`);
  }
  const memoryMb = measured ? Number((await readFile(memoryFile, 'utf8')).trim().split('\n').pop()) / 1024 : undefined;
  return { ms, doc, memoryMb };
}

async function measure(files) {
  process.stderr.write(`bench: ${files} files: xargs...\n`);
  const bare = await xargs(files);
  const dir = await suite('ours', files);
  process.stderr.write(`bench: ${files} files: plan...\n`);
  const plan = await rerecord(dir, ['plan', ...COMMON]);
  const mapped = plan.doc.files?.filter((file) => file.cassettes.length === 1).length;
  if (mapped !== files) die(`plan mapped ${mapped}/${files} files to their cassette`);
  process.stderr.write(`bench: ${files} files: run...\n`);
  const ran = await rerecord(dir, ['run', ...COMMON, '--workers', String(opts.workers), '--retries', '0', '--timeout', '5m', '--verify', 'none']);
  if (ran.doc.succeeded !== files) die(`rerecord passed ${ran.doc.succeeded}/${files} files: ${JSON.stringify(ran.doc.failedFiles ?? ran.doc.error).slice(0, 1000)}`);
  return { files, cassettes: files * opts.cassettesPerFile, xargsMs: bare, planMs: plan.ms, runMs: ran.ms, overheadMs: ran.ms - bare, planMemoryMb: plan.memoryMb, runMemoryMb: ran.memoryMb };
}

console.log(`rerecord scale bench: ${sizes.join(' and ')} test files, ${opts.cassettesPerFile} cassettes per file, ${opts.workers} worker(s), ${os.cpus().length} CPU(s), node ${process.version}, load avg ${os.loadavg()[0].toFixed(2)}`);
const [small, large] = [await measure(sizes[0]), await measure(sizes[1])];
const factor = large.files / small.files;
const mb = (value) => (value === undefined ? '-' : value.toFixed(0));
console.log('files   cassettes  xargs s  plan s  run s  overhead s  ms/file over  plan MB  run MB');
for (const row of [small, large]) {
  console.log(
    `${String(row.files).padEnd(8)}${String(row.cassettes).padEnd(11)}${(row.xargsMs / 1000).toFixed(1).padStart(7)}${(row.planMs / 1000).toFixed(1).padStart(8)}` +
      `${(row.runMs / 1000).toFixed(1).padStart(7)}${(row.overheadMs / 1000).toFixed(1).padStart(12)}${((row.overheadMs * opts.workers) / row.files).toFixed(1).padStart(14)}${mb(row.planMemoryMb).padStart(9)}${mb(row.runMemoryMb).padStart(8)}`,
  );
}
console.log(`linearity (1.0 = linear; the goal is at most 2.0): plan ${(large.planMs / (factor * small.planMs)).toFixed(2)}, run overhead ${(large.overheadMs / (factor * small.overheadMs)).toFixed(2)}; memory ${large.runMemoryMb && small.runMemoryMb ? `${(large.runMemoryMb / small.runMemoryMb).toFixed(2)}x for ${factor}x the files` : 'not measured (no /usr/bin/time)'}`);
console.log(`BENCH_JSON ${JSON.stringify({ workers: opts.workers, small, large })}`);
