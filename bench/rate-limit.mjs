// npm run bench: re-recording a suite against a rate-limited API, three ways in one run.
//
//   node bench/rate-limit.mjs [--files 60] [--requests 5] [--rate 20] [--workers 16] [--keep]
//                             [--baseline DIR] [--quick]
//
// The API is the token-bucket stand-in (test/support/standin-ratelimited-api.mjs: `rate`
// requests/s, burst `rate`, 429 with Retry-After beyond). Each scheme gets a fresh suite of
// `files` node test files of `requests` calls each (every one a real child process that fails on
// a non-200 answer and writes its cassette, as VCR does on eject), and a fresh API (a full bucket):
//   old       the script users come from: batches of 20, 8 workers, wait for the batch, 0.5 s
//             pause, one retry after a second; it keeps whatever a file recorded
//   adaptive  rerecord, `workers` workers, no rate-limit: it learns the pace from the 429s
//   budget    rerecord, `workers` workers, rate-limit at the bucket's rate (cold: no manifest
//             yet; and again warm, with the request counts the cold run learned)
//   floor     rerecord, `workers` workers, against the same API with no limit: what this machine
//             can do at all (on a loaded machine, starting node processes can be slower than the API)
//   baseline  with --baseline DIR (a dist/ bundled from another commit): adaptive and budget (cold)
//             with that bundle too, in the same run, for a ratio between the two
// --quick leaves out the old scheme and the warm budget run.
// For each: files that ended failed, kept cassettes holding a 429, makespan (the whole process),
// makespan over the ideal (total requests / rate), and over max(ideal, floor). Needs dist/ (npm run bundle).
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startRateLimitedApi, rateLimitedSuiteFlags, writeRateLimitedSuite } from '../test/support/standin-ratelimited-api.mjs';
import { die, flag, parseFlags, pool, run, timed } from './common.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(benchDir, '..', 'dist', 'cli.js');

const opts = parseFlags({ files: 60, requests: 5, rate: 20, workers: 16, keep: false, baseline: '', quick: false }, {
  '--files': flag.whole('files', 1),
  '--requests': flag.whole('requests', 1),
  '--rate': flag.whole('rate', 1),
  '--workers': flag.whole('workers', 1),
  '--keep': flag.on('keep'),
  '--baseline': flag.text('baseline', 'DIR'),
  '--quick': flag.on('quick'),
});
if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);
const baselineCli = opts.baseline ? path.resolve(opts.baseline, 'cli.js') : undefined;
if (baselineCli && !existsSync(baselineCli)) die(`${baselineCli} not found`);

const OLD = { batchSize: 20, workers: 8, pauseMs: 500, retries: 1, retryAfterMs: 1000 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-ratelimit-'));
process.on('exit', () => {
  if (opts.keep) process.stderr.write(`bench: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});

/** A fresh suite and a fresh API (full bucket) for one scheme. */
async function setUp(label, rate = opts.rate) {
  const dir = path.join(work, label);
  const names = await writeRateLimitedSuite(dir, { files: opts.files, requests: opts.requests });
  const api = await startRateLimitedApi({ rate, burst: rate });
  return { dir, names, api, env: { ...process.env, RATE_LIMITED_API_URL: api.url } };
}

async function kept429(dir) {
  let holding = 0;
  for (const name of await readdir(path.join(dir, 'fixtures'))) {
    if (/^\s+code: 429$/m.test(await readFile(path.join(dir, 'fixtures', name), 'utf8'))) holding++;
  }
  return holding;
}

async function oldScheme() {
  const { dir, names, api, env } = await setUp('old');
  const failed = new Set();
  const runFile = async (name) => {
    for (let attempt = 0; attempt <= OLD.retries; attempt++) {
      if (attempt > 0) await sleep(OLD.retryAfterMs);
      const { code } = await run(process.execPath, [path.join('tests', `${name}.test.mjs`)], { cwd: dir, env });
      if (code === 0) return failed.delete(name);
      failed.add(name);
    }
  };
  const { ms } = await timed(async () => {
    for (let b = 0; b < names.length; b += OLD.batchSize) {
      if (b > 0) await sleep(OLD.pauseMs);
      await pool(names.slice(b, b + OLD.batchSize), OLD.workers, runFile);
    }
  });
  await api.close();
  return { ms, failed: failed.size, kept: await kept429(dir), throttled: api.state.throttled, detail: '' };
}

async function rerecord(label, extra, dir = undefined, rate = opts.rate, bundle = cli) {
  const setup = dir ? undefined : await setUp(label, rate);
  const cwd = dir ?? setup.dir;
  const api = setup?.api ?? (await startRateLimitedApi({ rate: opts.rate, burst: opts.rate }));
  const env = { ...process.env, RATE_LIMITED_API_URL: api.url };
  const args = [bundle, 'run', ...rateLimitedSuiteFlags(process.execPath), '--workers', String(opts.workers), '--retries', '1', '--timeout', '5m', '--json', ...extra];
  const { ms, value } = await timed(() => run(process.execPath, args, { cwd, env }));
  await api.close();
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    die(`rerecord (${label}) printed no JSON document (exit ${value.code}): ${value.stderr.slice(-2000)}`);
  }
  const pace = doc.pace;
  const detail = `${pace.requests} req at ${pace.requestsPerSecond}/s, learned ${pace.learnedRate ?? '-'}/s, ${pace.rateLimitedAnswers} 429s absorbed ${pace.absorbed}, waited ${(pace.waitedMs / 1000).toFixed(1)} s, concurrency lowest ${pace.concurrency.lowest}`;
  return { ms, failed: doc.failed, kept: await kept429(cwd), throttled: api.state.throttled, detail, dir: cwd };
}

const idealMs = ((opts.files * opts.requests) / opts.rate) * 1000;
console.log(`rerecord rate-limit bench: ${opts.files} files x ${opts.requests} requests against a token bucket of ${opts.rate}/s (burst ${opts.rate}), rerecord workers ${opts.workers}, ${os.cpus().length} CPU(s), load avg ${os.loadavg()[0].toFixed(2)}`);
console.log(`ideal = total requests / rate = ${opts.files * opts.requests} / ${opts.rate} = ${(idealMs / 1000).toFixed(2)} s`);
console.log('');

const skipped = { ms: NaN, failed: NaN, kept: NaN, throttled: NaN, detail: 'not run (--quick)' };
process.stderr.write('bench: old scheme...\n');
const old = opts.quick ? skipped : await oldScheme();
process.stderr.write('bench: rerecord adaptive only...\n');
const adaptive = await rerecord('adaptive', []);
const baseAdaptive = baselineCli ? await rerecord('base-adaptive', [], undefined, opts.rate, baselineCli) : undefined;
process.stderr.write('bench: rerecord with rate-limit (cold)...\n');
const budget = await rerecord('budget', ['--rate-limit', `${opts.rate}/s`]);
const baseBudget = baselineCli ? await rerecord('base-budget', ['--rate-limit', `${opts.rate}/s`], undefined, opts.rate, baselineCli) : undefined;
await sleep(1500); // a full bucket again
process.stderr.write('bench: rerecord with rate-limit (warm manifest)...\n');
const warm = opts.quick ? skipped : await rerecord('budget-warm', ['--rate-limit', `${opts.rate}/s`], budget.dir);
process.stderr.write('bench: rerecord against the API without a limit (the machine floor)...\n');
const floor = await rerecord('floor', [], undefined, 1_000_000);
const boundMs = Math.max(idealMs, floor.ms);

const rows = [
  [`old: batches of ${OLD.batchSize}, ${OLD.workers} workers, ${OLD.pauseMs / 1000} s pause, 1 retry`, old, undefined],
  ['rerecord, adaptive only', adaptive, 1.6],
  ...(baseAdaptive ? [['baseline bundle, adaptive only', baseAdaptive, undefined]] : []),
  ['rerecord, rate-limit (cold manifest)', budget, 1.25],
  ...(baseBudget ? [['baseline bundle, rate-limit (cold manifest)', baseBudget, undefined]] : []),
  ['rerecord, rate-limit (learned manifest)', warm, 1.25],
  ['floor: rerecord, API without a limit', floor, undefined],
];
const pad = (text, n) => String(text).padEnd(n);
const lpad = (text, n) => String(text).padStart(n);
console.log(`${pad('scheme', 48)}${lpad('failed', 7)}${lpad('429s kept', 10)}${lpad('makespan s', 11)}${lpad('/ ideal', 9)}${lpad('target', 9)}${lpad('/ bound', 9)}  API 429s  rerecord's own figures`);
for (const [name, r, target] of rows) {
  const ratio = r.ms / idealMs;
  const mark = target === undefined ? '' : `${ratio <= target && r.failed === 0 && r.kept === 0 ? '<=' : 'MISS '}${target}`;
  console.log(`${pad(name, 48)}${lpad(r.failed, 7)}${lpad(r.kept, 10)}${lpad((r.ms / 1000).toFixed(2), 11)}${lpad(ratio.toFixed(2), 9)}${lpad(mark, 9)}${lpad((r.ms / boundMs).toFixed(2), 9)}  ${lpad(r.throttled, 8)}  ${r.detail}`);
}
if (baseAdaptive) console.log(`this bundle over the baseline bundle, same run: adaptive ${(adaptive.ms / baseAdaptive.ms).toFixed(2)}, rate-limit (cold) ${(budget.ms / baseBudget.ms).toFixed(2)}`);
console.log(`bound = max(ideal ${(idealMs / 1000).toFixed(2)} s, this machine's floor ${(floor.ms / 1000).toFixed(2)} s): when the floor is above the ideal, the machine, not the API, sets the pace.`);
console.log('');
console.log(`makespans are whole processes (rerecord: start-up, discovery, reports); ratios to the ideal are what matter: load avg now ${os.loadavg()[0].toFixed(2)}.`);
const figures = Object.fromEntries(rows.map(([name, r]) => [name, { failed: r.failed, kept429: r.kept, makespanMs: Math.round(r.ms), overIdeal: +(r.ms / idealMs).toFixed(3), overBound: +(r.ms / boundMs).toFixed(3), apiThrottled: r.throttled }]));
console.log(`BENCH_JSON ${JSON.stringify({ files: opts.files, requests: opts.requests, rate: opts.rate, workers: opts.workers, idealMs, floorMs: Math.round(floor.ms), schemes: figures })}`);
