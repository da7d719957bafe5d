// npm run bench: the governor alone, on a simulated clock, against a simulated rate-limited API:
// how close the adaptive pace (no rate-limit) gets to the API's real limit, free of this machine's
// load (bench/rate-limit.mjs runs the real thing, but on a busy machine starting node processes
// can be slower than the API, and then the machine sets the pace).
//
//   node bench/governor-sim.mjs [--files 60] [--requests 5] [--rate 20] [--workers 16]
//                               [--startup-ms 1500-3000] [--seeds 5] [--baseline COMMIT]
//
// The API is a token bucket (`rate` requests/s, burst `rate`, 429 with a whole-second Retry-After
// beyond). A file spends a random start-up time (a node process on a loaded machine), then makes
// its `requests` requests 20 ms apart, stopping at the first 429 (its assertion fails there); a
// throttled file is tried again when the governor lets it, as execute.ts does. Both governors
// (this checkout's src/run/governor.ts and the one at COMMIT, default the merge base with main) are
// bundled with esbuild and run on the same seeds. Reported: makespan over the ideal (total
// requests / rate), requests that got 429, the rate learned.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { die, flag, mulberry32, parseFlags } from './common.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseFlags({ files: 60, requests: 5, rate: 20, workers: 16, startupMs: '1500-3000', seeds: 5, baseline: '' }, {
  '--files': flag.whole('files', 1),
  '--requests': flag.whole('requests', 1),
  '--rate': flag.whole('rate', 1),
  '--workers': flag.whole('workers', 1),
  '--startup-ms': flag.text('startupMs', 'MIN-MAX'),
  '--seeds': flag.whole('seeds', 1),
  '--baseline': flag.text('baseline', 'COMMIT'),
});
const [startMin, startMax] = opts.startupMs.split('-').map(Number);
if (!(startMin >= 0 && startMax >= startMin)) die(`--startup-ms needs MIN-MAX, got ${opts.startupMs}`);
const git = (...args) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();
/** The merge base with main; without a main branch (a CI checkout), HEAD: the two rows then agree. */
const defaultBaseline = () => {
  try {
    return git('merge-base', 'HEAD', 'main');
  } catch {
    return git('rev-parse', 'HEAD');
  }
};
const baseline = opts.baseline || defaultBaseline();

const work = mkdtempSync(path.join(os.tmpdir(), 'rerecord-governor-sim-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** Bundles a governor.ts (and what it imports) into one module and loads it. */
async function load(label, entry) {
  const outfile = path.join(work, `${label}.mjs`);
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'warning' });
  return import(pathToFileURL(outfile).href);
}
const current = await load('current', path.join(repo, 'src', 'run', 'governor.ts'));
const baseDir = path.join(work, 'base');
mkdirSync(baseDir);
for (const name of git('ls-tree', '--name-only', `${baseline}:src/run`).split('\n').filter((file) => file.endsWith('.ts'))) {
  writeFileSync(path.join(baseDir, name), git('show', `${baseline}:src/run/${name}`));
}
const base = await load('base', path.join(baseDir, 'governor.ts'));

/** One run of the suite under a governor, on a simulated clock. */
async function simulate(Governor, seed) {
  const random = mulberry32(seed);
  let now = 0;
  const timers = [];
  const wait = (ms) => new Promise((resolve) => timers.push({ at: now + ms, resolve }));
  const governor = new Governor({ workers: opts.workers, signal: new globalThis.AbortController().signal, now: () => now, wait, random, backoffBaseMs: 1000, maxPauseMs: 600_000 });
  let tokens = opts.rate;
  let refilledAt = 0;
  let throttled = 0;
  const ask = () => {
    tokens = Math.min(opts.rate, tokens + ((now - refilledAt) / 1000) * opts.rate);
    refilledAt = now;
    if (tokens < 1) {
      throttled++;
      return { ok: false, retryAfterMs: Math.max(1, Math.ceil((1 - tokens) / opts.rate)) * 1000 };
    }
    tokens -= 1;
    return { ok: true };
  };
  const runFile = async (file) => {
    for (;;) {
      const ticket = await governor.acquire(file);
      await wait(startMin + random() * (startMax - startMin));
      let made = 0;
      let denied;
      for (let i = 0; i < opts.requests && !denied; i++) {
        if (i > 0) await wait(20);
        const answer = ask();
        made++;
        if (!answer.ok) denied = answer;
      }
      governor.release(ticket, {
        requests: made,
        passed: !denied,
        ...(denied ? { rateLimited: { retryAfterMs: denied.retryAfterMs, answers: 1 } } : {}),
        hosts: { 'api.test': { requests: made, answers: denied ? 1 : 0, ...(denied ? { retryAfterMs: denied.retryAfterMs } : {}) } },
      });
      if (!denied) return;
    }
  };
  let done = false;
  const all = Promise.all(Array.from({ length: opts.files }, (_, i) => runFile(`f${i}`))).then(() => (done = true));
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  while (!done) {
    await flush();
    if (done) break;
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift();
    if (!next) die('the simulation stalled: no file runs and nothing is waited for');
    now = Math.max(now, next.at);
    next.resolve();
  }
  await all;
  const report = governor.report();
  return { ms: now, throttled, learned: report.learnedRate };
}

const idealMs = ((opts.files * opts.requests) / opts.rate) * 1000;
console.log(`governor simulation: ${opts.files} files x ${opts.requests} requests, token bucket ${opts.rate}/s (burst ${opts.rate}), ${opts.workers} workers, start-up ${opts.startupMs} ms, ${opts.seeds} seeds; baseline ${baseline.slice(0, 10)}`);
console.log(`ideal = ${(idealMs / 1000).toFixed(2)} s`);
const rows = [];
for (const [label, module] of [['this checkout', current], [`baseline ${baseline.slice(0, 10)}`, base]]) {
  const runs = [];
  for (let seed = 1; seed <= opts.seeds; seed++) runs.push(await simulate(module.Governor, seed));
  rows.push({ label, runs });
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
console.log(`${'governor'.padEnd(24)}${'makespan / ideal (median, each seed)'.padEnd(48)}${'429s (median)'.padStart(14)}${'learned req/s (median)'.padStart(24)}`);
for (const { label, runs } of rows) {
  const ratios = runs.map((run) => run.ms / idealMs);
  console.log(`${label.padEnd(24)}${`${median(ratios).toFixed(2)}  (${ratios.map((r) => r.toFixed(2)).join(' ')})`.padEnd(48)}${String(median(runs.map((run) => run.throttled))).padStart(14)}${String(median(runs.map((run) => run.learned ?? 0))).padStart(24)}`);
}
console.log(`this checkout over the baseline (median makespans): ${(median(rows[0].runs.map((run) => run.ms)) / median(rows[1].runs.map((run) => run.ms))).toFixed(2)}`);
console.log(`BENCH_JSON ${JSON.stringify({ ...opts, baseline, idealMs, rows: rows.map(({ label, runs }) => ({ label, runs })) })}`);
