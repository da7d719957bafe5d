// npm run bench: wall-clock makespan of rerecord's scheduler against the old batch scheme and
// plain `xargs -P`, on one synthetic suite of sleeping test files (same files, same workers).
//
//   node bench/run.mjs [--files 340] [--seed 20240601] [--scale 1] [--workers 8] [--batch-delay-ms 500] [--keep]
//
// Durations are sleeps (bench/fake-test.mjs), so 8 workers are fine on 2 cores. Every test file
// is a real `node fake-test.mjs FILE` child process in every scheme. Needs dist/ (npm run bundle).
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { die, flag, mulberry32, parseFlags, pool, run, timed } from './common.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');
const cli = path.join(repo, 'dist', 'cli.js');
const fakeTest = path.join(benchDir, 'fake-test.mjs');

// ---- options -------------------------------------------------------------------------------
const opts = parseFlags({ files: 340, seed: 20240601, scale: 1, workers: 8, keep: false, batchDelayMs: 500 }, {
  '--files': flag.whole('files', 1),
  '--seed': flag.whole('seed', 0),
  '--scale': flag.number('scale'),
  '--workers': flag.whole('workers', 1),
  '--batch-delay-ms': flag.whole('batchDelayMs', 0),
  '--keep': flag.on('keep'),
});
if (!(opts.scale > 0)) die('--scale must be a positive number');

const BATCH_SIZE = 20;
const BATCH_DELAY_MS = opts.batchDelayMs;
// Log-normal durations: median 150 ms, sigma 1.1 (p90 ~ 600 ms, max of 340 ~ 3-4 s), clamped to
// [5 ms, 5 s], then multiplied by --scale.
const MEDIAN_MS = 150;
const SIGMA = 1.1;
const MIN_MS = 5;
const MAX_MS = 5000;

// ---- synthetic suite -----------------------------------------------------------------------
function durations(count, seed, scale) {
  const random = mulberry32(seed);
  const normal = () => {
    const u = 1 - random(); // (0, 1]
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  return Array.from({ length: count }, () => {
    const ms = Math.min(MAX_MS, Math.max(MIN_MS, MEDIAN_MS * Math.exp(SIGMA * normal())));
    return Math.round(ms * scale);
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// ---- child processes -----------------------------------------------------------------------
async function runFakeTest(file) {
  const { code, stderr } = await run(process.execPath, [fakeTest, file]);
  if (code !== 0) throw new Error(`fake-test ${file} exited ${code}: ${stderr.trim()}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the schemes ---------------------------------------------------------------------------
async function ours(workDir, label, count) {
  const nodeWord = /\s/.test(process.execPath) ? `"${process.execPath}"` : process.execPath;
  const fakeWord = /\s/.test(fakeTest) ? `"${fakeTest}"` : fakeTest;
  const args = [
    cli, 'run', '--framework', 'custom', '--working-directory', workDir, '--test-dir', 'tests', '--test-pattern', '*.job',
    '--command', `${nodeWord} ${fakeWord} {file}`, '--workers', String(opts.workers), '--batch-size', String(BATCH_SIZE),
    '--batch-delay', `${BATCH_DELAY_MS}ms`, '--retries', '0', '--timeout', '10m', '--json',
  ];
  const { ms, value } = await timed(() => run(process.execPath, args, { cwd: workDir }));
  const fail = (why) => {
    process.stderr.write(`--- rerecord stderr (last 3000 chars) ---\n${value.stderr.slice(-3000)}\n--- stdout ---\n${value.stdout.slice(0, 3000)}\n`);
    die(`rerecord (${label}) ${why}: refusing to benchmark a broken run`);
  };
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    fail(`printed no JSON document (exit ${value.code})`);
  }
  if (value.code !== 0) fail(`exited ${value.code}`);
  if (doc.error) fail(`reported errors: ${JSON.stringify(doc.error)}`);
  if (doc.failed !== 0 || (doc.failedFiles ?? []).length > 0) fail(`reported ${doc.failed} failed file(s): ${JSON.stringify(doc.failedFiles).slice(0, 500)}`);
  if (doc.selected !== count || doc.succeeded !== count) fail(`ran ${doc.succeeded}/${doc.selected} files, expected ${count}/${count}`);
  const manifestPath = path.join(workDir, '.rerecord', 'manifest.json');
  if (!existsSync(manifestPath)) fail('wrote no .rerecord/manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  const timedEntries = Object.values(manifest.files ?? {}).filter((e) => typeof e.durationMs === 'number').length;
  if (timedEntries !== count) fail(`manifest holds durations for ${timedEntries} files, expected ${count}`);
  return { ms, internalMs: Date.parse(doc.finishedAt) - Date.parse(doc.startedAt) };
}

/** The old scheme: name order, batches of 20, a pool of `workers` within each batch, wait for the
 *  whole batch, sleep the delay, next batch (no sleep after the last batch). */
async function oldScheme(files) {
  return (
    await timed(async () => {
      for (let b = 0; b < files.length; b += BATCH_SIZE) {
        if (b > 0) await sleep(BATCH_DELAY_MS);
        await pool(files.slice(b, b + BATCH_SIZE), opts.workers, runFakeTest);
      }
    })
  ).ms;
}

async function xargs(files) {
  const { ms, value } = await timed(() =>
    run('xargs', ['-P', String(opts.workers), '-n', '1', process.execPath, fakeTest], { input: `${files.join('\n')}\n` }),
  );
  if (value.code !== 0) die(`xargs exited ${value.code}: ${value.stderr.trim().slice(-1000)}`);
  return ms;
}

// ---- main ----------------------------------------------------------------------------------
if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-'));
// die() exits at once: clean the temp dir on any exit, unless --keep.
process.on('exit', () => {
  if (opts.keep) process.stderr.write(`bench: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});
{
  const suiteDir = path.join(work, 'suite');
  const testDir = path.join(suiteDir, 'tests');
  await mkdir(testDir, { recursive: true });
  const ms = durations(opts.files, opts.seed, opts.scale);
  const width = String(opts.files).length;
  const files = ms.map((_, i) => path.join(testDir, `test-${String(i + 1).padStart(width, '0')}.job`));
  await Promise.all(files.map((file, i) => writeFile(file, `${JSON.stringify({ ms: ms[i] })}\n`)));
  files.sort(); // name order: what the old scheme and xargs use, and ours without a manifest

  const sorted = [...ms].sort((a, b) => a - b);
  const totalMs = ms.reduce((a, b) => a + b, 0);
  const dist = { totalMs, medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90), maxMs: sorted.at(-1) };
  const lowerBoundMs = Math.max(dist.maxMs, totalMs / opts.workers);
  const batches = Math.ceil(opts.files / BATCH_SIZE);
  const delayFloorMs = (batches - 1) * BATCH_DELAY_MS;

  // Node child start-up, measured on a 0 ms file, sequentially on an idle machine.
  const zero = path.join(work, 'zero.job');
  await writeFile(zero, '{"ms": 0}\n');
  const startups = [];
  for (let i = 0; i < 7; i++) startups.push((await timed(() => runFakeTest(zero))).ms);
  const startupMs = startups.sort((a, b) => a - b)[3];

  const s = (x) => (x / 1000).toFixed(2);
  console.log(`rerecord bench: ${opts.files} files, seed ${opts.seed}, workers ${opts.workers}, ${os.cpus().length} CPU(s), node ${process.version}, load avg ${os.loadavg()[0].toFixed(2)}`);
  console.log(`durations: log-normal (median ${MEDIAN_MS} ms, sigma ${SIGMA}, clamped ${MIN_MS}-${MAX_MS} ms) x scale ${opts.scale}`);
  console.log(`  total ${s(totalMs)} s, median ${dist.medianMs} ms, p90 ${dist.p90Ms} ms, max ${dist.maxMs} ms`);
  console.log(`lower bound max(longest, total/${opts.workers}) = ${s(lowerBoundMs)} s; batch-delay floor for batched schemes (${batches - 1} x ${BATCH_DELAY_MS} ms) = ${s(delayFloorMs)} s`);
  console.log(`node child start-up ~${Math.round(startupMs)} ms each (sequential, median of 7): real, paid per file by every scheme alike`);
  console.log(`  (~${s((opts.files * startupMs) / Math.min(opts.workers, os.cpus().length))} s of start-up CPU over ${opts.files} files on ${Math.min(opts.workers, os.cpus().length)} core(s); it is in every makespan below, not in the lower bound)`);
  console.log('');

  process.stderr.write('bench: ours (cold, no manifest)...\n');
  const cold = await ours(suiteDir, 'cold', opts.files);
  process.stderr.write('bench: ours (warm, manifest from the cold run)...\n');
  const warm = await ours(suiteDir, 'warm', opts.files);
  process.stderr.write('bench: old batch scheme...\n');
  const oldMs = await oldScheme(files);
  process.stderr.write('bench: xargs -P...\n');
  const xargsMs = await xargs(files);

  const rows = [
    ['rerecord, cold (name order)', cold.ms],
    ['rerecord, warm (longest first)', warm.ms],
    ['old: batches of 20, wait all + 0.5 s', oldMs],
    [`xargs -P ${opts.workers} -n 1 (no delays)`, xargsMs],
  ];
  const pad = (text, n) => String(text).padEnd(n);
  const lpad = (text, n) => String(text).padStart(n);
  console.log(`${pad('scheme', 38)}${lpad('makespan s', 11)}${lpad('/ bound', 9)}${lpad('/ warm', 8)}`);
  for (const [name, value] of rows) {
    console.log(`${pad(name, 38)}${lpad(s(value), 11)}${lpad((value / lowerBoundMs).toFixed(2), 9)}${lpad((value / warm.ms).toFixed(2), 8)}`);
  }
  console.log(`${pad('lower bound', 38)}${lpad(s(lowerBoundMs), 11)}${lpad('1.00', 9)}${lpad((lowerBoundMs / warm.ms).toFixed(2), 8)}`);
  console.log('');
  console.log(`speedup of ours over old (old / ours): warm ${(oldMs / warm.ms).toFixed(2)}x, cold ${(oldMs / cold.ms).toFixed(2)}x`);
  console.log(`ours is timed as the whole CLI process (start-up, discovery, manifest write); its own startedAt->finishedAt: cold ${s(cold.internalMs)} s, warm ${s(warm.internalMs)} s`);
  console.log(`ratios measured in one run are what matter; absolute seconds vary with the machine (load avg now ${os.loadavg()[0].toFixed(2)}).`);

  const round = (x) => Math.round(x);
  const figures = {
    files: opts.files, seed: opts.seed, scale: opts.scale, workers: opts.workers, cpus: os.cpus().length, node: process.version, loadAvg1m: +os.loadavg()[0].toFixed(2),
    batchSize: BATCH_SIZE, batchDelayMs: BATCH_DELAY_MS,
    distribution: { kind: 'lognormal', medianParamMs: MEDIAN_MS, sigma: SIGMA, clampMs: [MIN_MS, MAX_MS], ...dist },
    lowerBoundMs: round(lowerBoundMs), delayFloorMs, childStartupMs: round(startupMs),
    makespanMs: { oursCold: round(cold.ms), oursWarm: round(warm.ms), old: round(oldMs), xargs: round(xargsMs) },
    oursInternalMs: { cold: round(cold.internalMs), warm: round(warm.internalMs) },
    ratioToLowerBound: Object.fromEntries(
      [['oursCold', cold.ms], ['oursWarm', warm.ms], ['old', oldMs], ['xargs', xargsMs]].map(([k, v]) => [k, +(v / lowerBoundMs).toFixed(3)]),
    ),
    ratioToOursWarm: { oursCold: +(cold.ms / warm.ms).toFixed(3), old: +(oldMs / warm.ms).toFixed(3), xargs: +(xargsMs / warm.ms).toFixed(3) },
    speedupOverOld: { oursWarm: +(oldMs / warm.ms).toFixed(3), oursCold: +(oldMs / cold.ms).toFixed(3) },
  };
  console.log(`BENCH_JSON ${JSON.stringify(figures)}`);
}
