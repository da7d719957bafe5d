// npm run bench: what warm workers (--warm, src/frameworks/WORKERS.md) buy on real runtimes, in one
// run, with `workers` workers (default 2, the cores of the machine this was written on):
//
//   node bench/warm.mjs [--only r,pytest,rspec] [--files 60] [--overhead-files 20] [--workers 2]
//                       [--batch-delay-ms 500] [--no-check] [--keep]
//
// Three generated suites (bench/warm-suites.mjs), `files` test files of one recorded request each,
// against the stand-in API (test/support/standin-api.mjs) on 127.0.0.1, every scheme re-recording
// from the same starting state (a fresh copy of the generated project, no cassettes yet):
//   R        testthat + vcr 2.1.0 + httr2 from the private R library (RERECORD_TEST_R_LIBS_VCR2,
//            else the folder scripts/test-all.sh builds from test/vendor/r-stack):
//              a  rerecord --warm on  --verify none      goal <= 0.8 x d
//              b  rerecord --warm on  --verify replay    goal <= 1.2 x d
//              c  rerecord --warm off --verify none      (a fresh Rscript per file)
//              d  the old script, in R: batches of 20, per batch a PSOCK cluster of `workers` R
//                 processes loading testthat, vcr and the package once, test_file() per file,
//                 0.5 s between batches: the baseline
//   pytest   pytest-recording (test/vendor/py-stack) on /usr/bin/python3: --warm on vs --warm off
//            (both --verify none), goal: warm at least 3x faster
//   rspec    RSpec + VCR + webmock: --warm on vs --warm off (--verify none), goal: warm at least 3x faster
// and, per runtime, the per-child overhead of a warm run (goal <= 0.1 s), on a suite of
// `overhead-files` files (the method is explained at perChildOverhead below).
//
// Every rerecord run must keep every file (its --json document is checked, and the cassettes it
// wrote are counted); a broken run is a bench failure whatever --no-check says. --no-check only
// stops a missed goal from failing the bench. Figures are ratios measured in the same run: absolute
// seconds vary with the machine. Needs dist/ (npm run bundle).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { startStandinApi } from '../test/support/standin-api.mjs';
import { die, flag, parseFlags, run, timed } from './common.mjs';
import {
  KEY_ENV, PY_IN_PROCESS, R_IN_PROCESS, R_OLD_SCHEME, RB_IN_PROCESS, URL_ENV, writePytestProject, writeRProject, writeRspecProject,
} from './warm-suites.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist', 'cli.js');

const PARTS = ['r', 'pytest', 'rspec'];
const opts = parseFlags({ only: PARTS.join(','), files: 60, overheadFiles: 20, workers: 2, batchDelayMs: 500, noCheck: false, keep: false }, {
  '--only': flag.text('only', 'r,pytest,rspec'),
  '--files': flag.whole('files', 1),
  '--overhead-files': flag.whole('overheadFiles', 2),
  '--workers': flag.whole('workers', 1),
  '--batch-delay-ms': flag.whole('batchDelayMs', 0),
  '--no-check': flag.on('noCheck'),
  '--keep': flag.on('keep'),
});
const only = new Set(opts.only.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean));
for (const part of only) if (!PARTS.includes(part)) die(`--only takes a comma-separated list of ${PARTS.join(', ')}; got ${part}`);
if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);

const BATCH_SIZE = 20; // the old script's
const OVERHEAD_GOAL_MS = 100;
const KEY = 'warm-bench-key-5f1c9e-secret';
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const PY_STACK = path.join(repo, 'test', 'vendor', 'py-stack');

// ---- the environment ---------------------------------------------------------------------------
/** vcr 2 + httr2: RERECORD_TEST_R_LIBS_VCR2, else the folder scripts/test-all.sh builds (the same hash of install.sh and the source tarballs). */
function rLibrary() {
  if (process.env.RERECORD_TEST_R_LIBS_VCR2) return process.env.RERECORD_TEST_R_LIBS_VCR2;
  const stack = path.join(repo, 'test', 'vendor', 'r-stack');
  if (!existsSync(path.join(stack, 'install.sh'))) return undefined;
  // scripts/test-all.sh: (cat install.sh; cd stack && ls -- *.tar.gz) | sha256sum | cut -c1-16
  const tarballs = readdirSync(stack).filter((name) => name.endsWith('.tar.gz')).sort();
  const id = createHash('sha256').update(Buffer.concat([readFileSync(path.join(stack, 'install.sh')), Buffer.from(tarballs.map((name) => `${name}\n`).join(''))])).digest('hex').slice(0, 16);
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'rerecord', `r-stack-${id}`);
}

const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-warm-'));
process.on('exit', () => {
  if (opts.keep) process.stderr.write(`bench: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const api = await startStandinApi({ key: KEY, generation: 'g1' });
// What a test process would see on a laptop: ours minus anything GitHub-ish or rerecord's own.
const baseEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|RUNNER_|NODE_OPTIONS$|RERECORD_(?!TEST_))/.test(name))),
  [URL_ENV]: api.url,
  [KEY_ENV]: KEY,
};

// ---- the runtimes --------------------------------------------------------------------------------
/**
 * Each runtime: how to write its project, where its cassettes go, its environment, the check that
 * its stack loads (which also warms the page cache before anything is timed), and how to run the
 * in-process loop of perChildOverhead.
 */
async function runtimes() {
  const all = {};
  if (only.has('r')) {
    const libs = rLibrary();
    if (!libs || !existsSync(libs)) die(`the private R library (vcr 2 + httr2) was not found${libs ? ` at ${libs}` : ''}: run 'npm run test:all' once (it builds it) or set RERECORD_TEST_R_LIBS_VCR2; --only pytest,rspec leaves R out`);
    all.r = {
      title: 'R (testthat + vcr 2 + httr2)', framework: 'testthat', write: writeRProject, libs,
      env: { ...baseEnv, R_LIBS: libs },
      cassettes: (dir) => listFiles(path.join(dir, 'tests', 'testthat', '_vcr'), /\.yml$/),
      check: ['Rscript', ['--vanilla', '-e', 'suppressPackageStartupMessages({library(testthat); library(vcr); invisible(loadNamespace("httr2")); invisible(loadNamespace("pkgload"))}); cat("vcr", as.character(packageVersion("vcr")), "httr2", as.character(packageVersion("httr2")), "testthat", as.character(packageVersion("testthat")))']],
      expect: /^vcr 2\./,
      inProcess: ['Rscript', ['--vanilla', path.join(work, 'in-process.R')]],
    };
    await writeFile(path.join(work, 'in-process.R'), R_IN_PROCESS);
    await writeFile(path.join(work, 'old-scheme.R'), R_OLD_SCHEME);
  }
  if (only.has('pytest')) {
    if (!existsSync(path.join(PY_STACK, 'pytest_recording'))) die(`${PY_STACK}/pytest_recording not found (see test/vendor/py-stack/README.md)`);
    // As test/integration/pytest-recording.test.ts: `python3` on PATH is the Python that has pytest.
    const bin = path.join(work, 'python-bin');
    await mkdir(bin);
    await symlink(PYTHON, path.join(bin, 'python3'));
    all.pytest = {
      title: 'pytest (pytest-recording + vcrpy)', framework: 'pytest', write: writePytestProject,
      env: { ...baseEnv, PYTHONPATH: PY_STACK, PATH: `${bin}${path.delimiter}${baseEnv.PATH ?? ''}` },
      cassettes: (dir) => listFiles(path.join(dir, 'tests', 'cassettes'), /\.yaml$/),
      check: ['python3', ['-c', 'import pytest, vcr, pytest_recording.plugin; print("pytest", pytest.__version__, "vcrpy", vcr.__version__)']],
      expect: /^pytest \d/,
      inProcess: ['python3', [path.join(work, 'in-process.py')]],
    };
    await writeFile(path.join(work, 'in-process.py'), PY_IN_PROCESS);
  }
  if (only.has('rspec')) {
    all.rspec = {
      title: 'RSpec (VCR + webmock)', framework: 'rspec', write: writeRspecProject,
      env: { ...baseEnv },
      cassettes: (dir) => listFiles(path.join(dir, 'spec', 'cassettes'), /\.yml$/),
      check: ['ruby', ['-e', "require 'rspec/core'; require 'vcr'; require 'webmock'; print 'rspec ', RSpec::Core::Version::STRING, ' vcr ', VCR.version, ' webmock ', WebMock::VERSION"]],
      expect: /^rspec \d/,
      inProcess: ['ruby', [path.join(work, 'in-process.rb')]],
    };
    await writeFile(path.join(work, 'in-process.rb'), RB_IN_PROCESS);
  }
  return all;
}

async function listFiles(dir, pattern) {
  if (!existsSync(dir)) return [];
  return (await readdir(dir, { recursive: true })).filter((name) => pattern.test(name));
}

function git(cwd, ...args) {
  execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd, stdio: 'ignore' });
}

/**
 * The generated project of `files` test files, once, as a git repository; every scheme re-records
 * a copy of it (`copy(label)`; `copy.files` says how many files it holds).
 */
async function template(key, runtime, files) {
  const dir = path.join(work, `${key}-${files}-template`);
  await runtime.write(dir, files);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'generated suite');
  let copies = 0;
  const copy = async (label) => {
    const target = path.join(work, `${key}-${files}-${++copies}-${label.replace(/[^\w-]+/g, '_')}`);
    await cp(dir, target, { recursive: true });
    return target;
  };
  return Object.assign(copy, { files });
}

// ---- one measured run -------------------------------------------------------------------------
const broken = [];

/** Something went wrong in a run: said now, and the bench fails at the end. */
function brokenRun(label, why, detail = '') {
  broken.push(`${label}: ${why}`);
  process.stderr.write(`bench: BROKEN ${label}: ${why}\n${detail ? `${detail.trimEnd()}\n` : ''}`);
  return undefined;
}

/** The cassettes a run must leave, and the requests it must have made. */
async function checkRecorded(runtime, dir, files, requestsBefore) {
  const cassettes = await runtime.cassettes(dir);
  if (cassettes.length !== files) return `left ${cassettes.length} cassettes, expected ${files}`;
  const made = api.state.requests.length - requestsBefore;
  if (made < files) return `made ${made} requests to the API, expected at least ${files}`;
  return undefined;
}

/** `rerecord run` on a fresh copy; undefined (and the bench failed) unless every file was kept. */
async function rerecord(label, runtime, copy, args) {
  const dir = await copy(label);
  const { files: count } = copy;
  const requestsBefore = api.state.requests.length;
  const argv = [cli, 'run', '--framework', runtime.framework, '--retries', '0', '--timeout', '5m', '--api-key-env', KEY_ENV, '--json', ...args];
  const { ms, value } = await timed(() => run(process.execPath, argv, { cwd: dir, env: runtime.env }));
  // With --keep, each run's document and log lie beside its project copy.
  await writeFile(`${dir}.json`, value.stdout);
  await writeFile(`${dir}.log`, value.stderr);
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    return brokenRun(label, `printed no JSON document (exit ${value.code})`, `${value.stderr.slice(-3000)}\n${value.stdout.slice(0, 2000)}`);
  }
  const files = doc.files ?? [];
  const failing = files.filter((file) => file.status !== 'succeeded');
  if (value.code !== 0 || doc.failed !== 0 || failing.length > 0 || doc.selected !== count || doc.succeeded !== count) {
    const reasons = failing.slice(0, 3).map((file) => `  ${file.file}: ${file.status}: ${String(file.reason).slice(0, 600)}`).join('\n');
    return brokenRun(label, `exit ${value.code}, kept ${doc.succeeded}/${doc.selected} files (expected ${count}/${count})${doc.error ? `: ${JSON.stringify(doc.error)}` : ''}`,
      `${reasons}\n--- rerecord stderr (last 1500 chars) ---\n${value.stderr.slice(-1500)}`);
  }
  if (args.includes('replay')) {
    const unverified = files.filter((file) => file.verified !== true);
    if (unverified.length > 0) return brokenRun(label, `${unverified.length} file(s) not verified by replay: ${JSON.stringify(unverified.slice(0, 3).map(({ file, verified }) => ({ file, verified })))}`);
  }
  const warm = args[args.indexOf('--warm') + 1];
  if (warm === 'on' && !/^forked from/.test(doc.processes ?? '')) return brokenRun(label, `--warm on, yet the processes were: ${doc.processes}`);
  if (warm === 'off' && !/fresh process/.test(doc.processes ?? 'fresh process')) return brokenRun(label, `--warm off, yet the processes were: ${doc.processes}`);
  const wrong = await checkRecorded(runtime, dir, count, requestsBefore);
  if (wrong) return brokenRun(label, wrong);
  return { ms, doc, dir };
}

/** The old scheme, written in R (bench/warm-suites.mjs R_OLD_SCHEME). */
async function oldScheme(label, runtime, copy) {
  const dir = await copy(label);
  const requestsBefore = api.state.requests.length;
  const args = ['--vanilla', path.join(work, 'old-scheme.R'), String(opts.workers), String(BATCH_SIZE), String(opts.batchDelayMs / 1000)];
  const { ms, value } = await timed(() => run('Rscript', args, { cwd: dir, env: runtime.env }));
  const [, count, failed] = /OLD files=(\d+) failed=(\d+)/.exec(value.stdout) ?? [];
  if (value.code !== 0 || Number(count) !== copy.files || Number(failed) !== 0) {
    return brokenRun(label, `exit ${value.code}, ${value.stdout.trim().split('\n').slice(-6).join(' | ')}`, value.stderr.slice(-2000));
  }
  const wrong = await checkRecorded(runtime, dir, copy.files, requestsBefore);
  if (wrong) return brokenRun(label, wrong);
  return { ms };
}

/**
 * Per-child overhead: what a warm run spends per file beyond the test file's own work.
 *
 * Method: the per-file wall time of a 1-worker `--warm on --verify none` run (rerecord's per-file
 * `durationMs`, from the start of the attempt to its end: the journal and backup folder, the fork,
 * the child's start-up and whatever it loads lazily, the test, its exit, the end markers, and
 * rerecord's reading of the journal, the leak/poison scan and drift check) minus the test's own
 * time: the same file run by the framework's own API (testthat::test_file, pytest.main,
 * RSpec::Core::Runner.run) in ONE process that loaded the same things a worker loads and has run
 * files before, i.e. what a file costs when forking, isolation and rerecord's bookkeeping are free.
 * Both means leave out their first file: it pays one-time costs (the loop's first test_file /
 * pytest.main / Runner.run loads and compiles what later ones reuse; rerecord's first attempt
 * warms its own code paths and caches) that a run pays once, not per child. What every forked
 * child pays again because the worker did not load it (the lazy loading of the framework's run
 * path) stays in: that is per-child overhead. One worker, so the two sides share the machine the
 * same way; `--warm on` starts the worker before the first file, so no file's time holds the
 * worker's loading. Both sides record their cassettes from the same API. The difference of means
 * is the overhead; it is conservative (the hook's journal and rerecord's checks count against warm).
 */
async function perChildOverhead(label, runtime, copy) {
  const warm = await rerecord(`${label}: 1 worker, --warm on`, runtime, copy, ['--workers', '1', '--warm', 'on', '--verify', 'none']);
  const dir = await copy(`${label}-in-process`);
  const requestsBefore = api.state.requests.length;
  const [command, args] = runtime.inProcess;
  const value = await run(command, args, { cwd: dir, env: runtime.env });
  const times = [...value.stdout.matchAll(/^TIME (\S+) ([\d.]+) (TRUE|FALSE)\s*$/gm)].map(([, file, ms, ok]) => ({ file, ms: Number(ms), ok: ok === 'TRUE' }));
  if (value.code !== 0 || times.length !== copy.files || times.some((time) => !time.ok)) {
    const bad = times.filter((time) => !time.ok).map((time) => time.file).slice(0, 3);
    return brokenRun(`${label}: in-process loop`, `exit ${value.code}, ${times.length}/${copy.files} files timed${bad.length ? `, failing: ${bad.join(', ')}` : ''}`, `${value.stdout.slice(-1500)}\n${value.stderr.slice(-1500)}`);
  }
  const wrong = await checkRecorded(runtime, dir, copy.files, requestsBefore);
  if (wrong) return brokenRun(`${label}: in-process loop`, wrong);
  if (!warm) return undefined;
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  // One worker: files[] is in the order the files ran.
  const warmMs = mean(warm.doc.files.slice(1).map((file) => file.durationMs));
  const ownMs = mean(times.slice(1).map((time) => time.ms));
  return { warmMs, ownMs, overheadMs: warmMs - ownMs, makespanMs: warm.ms };
}

// ---- main ----------------------------------------------------------------------------------------
const all = await runtimes();
const s = (ms) => (ms / 1000).toFixed(2);
const load = () => os.loadavg()[0].toFixed(2);
// ---- the machine ------------------------------------------------------------------------------
// A forked child pays a page fault for every page it writes that it shares with its worker (copy
// on write), and a fresh process one for every page it fills: what a fault costs decides what
// forking buys. Measured here with a small Python probe (64 MiB, one write per 4 KiB page), so the
// ratios below can be read against other machines (typical hardware: 1-2 us a fault).
const FAULT_PROBE = `
import os, time, mmap
N = 64 * 1024 * 1024
buf = bytearray(N)
for i in range(0, N, 4096): buf[i] = 1
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    t = time.perf_counter()
    for i in range(0, N, 4096): buf[i] = 2
    os.write(w, str(time.perf_counter() - t).encode()); os._exit(0)
os.waitpid(pid, 0)
cow = float(os.read(r, 64))
m = mmap.mmap(-1, N)
t = time.perf_counter()
for i in range(0, N, 4096): m[i] = 1
fill = time.perf_counter() - t
t = time.perf_counter()
for i in range(0, N, 4096): m[i] = 2
plain = time.perf_counter() - t
pages = N // 4096
print(round((cow - plain) / pages * 1e6, 2), round((fill - plain) / pages * 1e6, 2))
`;

/** Microseconds per copy-on-write fault and per zero-fill fault, or undefined without python3. */
function pageFaultCost() {
  try {
    const [cowUs, fillUs] = execFileSync(PYTHON, ['-c', FAULT_PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(' ').map(Number);
    return Number.isFinite(cowUs) && Number.isFinite(fillUs) ? { cowUs, fillUs } : undefined;
  } catch {
    return undefined;
  }
}

const faults = pageFaultCost();
console.log(`rerecord warm-worker bench: ${opts.files} files per suite (${opts.overheadFiles} for the per-child overhead), workers ${opts.workers}, ${os.cpus().length} CPU(s), node ${process.version}, load avg ${load()}`);
console.log(faults ? `  a page fault here: ${faults.cowUs} us copy-on-write, ${faults.fillUs} us zero-fill (4 KiB pages; 1-2 us is typical of hardware)` : '  a page fault here: not measured (no python3)');
if (os.loadavg()[0] > os.cpus().length) console.log(`  note: the machine is already busy (load avg ${load()} on ${os.cpus().length} CPUs): every scheme is slowed, the fixed costs most; the ratios are noisier than usual`);

/** Rows of the final table: scheme, ms, ratio to its baseline, goal text, verdict. */
const rows = [];
const figures = {};
const goal = (ok) => (ok ? 'PASS' : 'FAIL');

for (const [key, runtime] of Object.entries(all)) {
  const checked = await run(runtime.check[0], runtime.check[1], { cwd: work, env: runtime.env });
  if (checked.code !== 0 || !runtime.expect.test(checked.stdout.trim())) {
    brokenRun(runtime.title, `the stack does not load: ${(checked.stdout + checked.stderr).trim().slice(-800)}`);
    continue;
  }
  console.log(`${runtime.title}: ${checked.stdout.trim()}${runtime.libs ? ` (R_LIBS=${runtime.libs})` : ''}; load avg ${load()}`);
  const copy = await template(key, runtime, opts.files);
  const w = ['--workers', String(opts.workers)];
  const results = {};
  const measure = async (name, fn) => {
    process.stderr.write(`bench: ${key}: ${name}...\n`);
    results[name] = await fn(name);
    if (results[name]?.ms) process.stderr.write(`bench: ${key}: ${name}: ${s(results[name].ms)} s\n`);
  };
  if (key === 'r') {
    await measure('d', (name) => oldScheme(`R ${name}`, runtime, copy));
    await measure('a', (name) => rerecord(`R ${name}`, runtime, copy, [...w, '--warm', 'on', '--verify', 'none']));
    await measure('b', (name) => rerecord(`R ${name}`, runtime, copy, [...w, '--warm', 'on', '--verify', 'replay']));
    await measure('c', (name) => rerecord(`R ${name}`, runtime, copy, [...w, '--warm', 'off', '--verify', 'none']));
    const base = results.d?.ms;
    const ratio = (r) => (r && base ? r.ms / base : undefined);
    rows.push(
      { scheme: 'R a: rerecord --warm on --verify none', ms: results.a?.ms, ratio: ratio(results.a), goal: '<= 0.80x d', pass: ratio(results.a) !== undefined ? ratio(results.a) <= 0.8 : undefined },
      { scheme: 'R b: rerecord --warm on --verify replay', ms: results.b?.ms, ratio: ratio(results.b), goal: '<= 1.20x d', pass: ratio(results.b) !== undefined ? ratio(results.b) <= 1.2 : undefined },
      { scheme: 'R c: rerecord --warm off --verify none', ms: results.c?.ms, ratio: ratio(results.c), goal: '', pass: undefined },
      { scheme: `R d: old PSOCK batches of ${BATCH_SIZE} + ${opts.batchDelayMs / 1000} s (baseline)`, ms: base, ratio: base ? 1 : undefined, goal: 'baseline', pass: undefined },
    );
  } else {
    await measure('fresh', (name) => rerecord(`${key} ${name}`, runtime, copy, [...w, '--warm', 'off', '--verify', 'none']));
    await measure('warm', (name) => rerecord(`${key} ${name}`, runtime, copy, [...w, '--warm', 'on', '--verify', 'none']));
    const base = results.fresh?.ms;
    const ratio = results.warm && base ? results.warm.ms / base : undefined;
    rows.push(
      { scheme: `${key}: rerecord --warm on --verify none`, ms: results.warm?.ms, ratio, goal: '<= 0.33x fresh (3x faster)', pass: ratio !== undefined ? base / results.warm.ms >= 3 : undefined },
      { scheme: `${key}: rerecord --warm off --verify none (baseline)`, ms: base, ratio: base ? 1 : undefined, goal: 'baseline', pass: undefined },
    );
  }
  process.stderr.write(`bench: ${key}: per-child overhead (1 worker warm run, in-process loop)...\n`);
  const overhead = await perChildOverhead(`${key} overhead`, runtime, await template(key, runtime, opts.overheadFiles));
  if (overhead) {
    console.log(`  ${key} per file (${opts.overheadFiles} files): warm child ${overhead.warmMs.toFixed(0)} ms (1 worker, rerecord's durationMs) - in one loaded process ${overhead.ownMs.toFixed(0)} ms (means, first file of each left out) = ${overhead.overheadMs.toFixed(0)} ms per child`);
  }
  rows.push({ scheme: `${key}: per-child overhead (warm - in-process)`, ms: overhead?.overheadMs, ratio: undefined, goal: `<= ${OVERHEAD_GOAL_MS} ms`, pass: overhead ? overhead.overheadMs <= OVERHEAD_GOAL_MS : undefined, perFile: true });
  figures[key] = {
    loadAvg1m: +load(),
    ...Object.fromEntries(Object.entries(results).map(([name, r]) => [name, r ? Math.round(r.ms) : null])),
    overhead: overhead ? { warmMeanMs: Math.round(overhead.warmMs), inProcessMeanMs: Math.round(overhead.ownMs), overheadMs: Math.round(overhead.overheadMs) } : null,
    processes: results.a?.doc.processes ?? results.warm?.doc.processes ?? null,
  };
}
await api.close();

// ---- the table -----------------------------------------------------------------------------------
const pad = (text, n) => String(text).padEnd(n);
const lpad = (text, n) => String(text).padStart(n);
console.log('');
console.log(`${pad('scheme', 54)}${lpad('seconds', 9)}${lpad('ratio', 8)}  ${pad('goal', 28)}result`);
let missed = 0;
for (const row of rows) {
  const seconds = row.ms === undefined ? 'BROKEN' : row.perFile ? `${(row.ms / 1000).toFixed(3)}` : s(row.ms);
  const verdict = row.ms === undefined ? (row.goal && row.goal !== 'baseline' ? 'BROKEN' : '') : row.pass === undefined ? (row.goal === 'baseline' || !row.goal ? '' : 'n/a (baseline broken)') : goal(row.pass);
  if (row.pass === false) missed++;
  console.log(`${pad(row.scheme, 54)}${lpad(seconds, 9)}${lpad(row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`, 8)}  ${pad(row.goal, 28)}${verdict}`);
}
console.log('');
console.log(`per-child overhead rows are seconds per file; ratios are to the baseline of the same suite, measured in this run (load avg now ${load()}).`);
console.log(`run parts: node bench/warm.mjs --only r|pytest|rspec (comma-separated) --files N --overhead-files N --workers N --no-check (report, never fail on a goal) --keep (keep ${os.tmpdir()}/rerecord-bench-warm-*)`);
console.log(`BENCH_JSON ${JSON.stringify({ files: opts.files, overheadFiles: opts.overheadFiles, workers: opts.workers, cpus: os.cpus().length, loadAvg1m: +os.loadavg()[0].toFixed(2), pageFaultUs: faults ?? null, figures, rows: rows.map(({ scheme, ms, ratio, goal: text, pass }) => ({ scheme, ms: ms === undefined ? null : Math.round(ms), ratio: ratio === undefined ? null : +ratio.toFixed(3), goal: text, pass: pass ?? null })) })}`);

if (broken.length > 0) {
  process.stderr.write(`bench: ${broken.length} run(s) broken (a bench failure):\n${broken.map((line) => `  ${line}`).join('\n')}\n`);
  process.exit(1);
}
if (missed > 0 && !opts.noCheck) {
  process.stderr.write(`bench: ${missed} goal(s) missed (--no-check reports without failing)\n`);
  process.exit(1);
}
