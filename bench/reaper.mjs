// node bench/reaper.mjs [--children 200] [--workers 1] [--rounds 3]
//
// What reaping costs per test process: N `true` children through the plain spawn rerecord used
// before (own process group, wait for 'close', SIGKILL the group) against runChild as it is now
// (marker in the environment, /proc scan of the tree after each exit, one reaper process per run).
// Both in this process, interleaved over rounds; the ratio is what matters, not the milliseconds.
// The scan reads every process's /proc entries, so its cost grows with the machine's process count.
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { flag, parseFlags, pool, timed } from './common.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opts = parseFlags({ children: 200, workers: 1, rounds: 3 }, {
  '--children': flag.whole('children', 1),
  '--workers': flag.whole('workers', 1),
  '--rounds': flag.whole('rounds', 1),
});

// runChild as shipped: bundled with its reaper beside it, as in dist/.
const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-reaper-'));
const bundle = path.join(work, 'child.mjs');
await build({ entryPoints: [path.join(repo, 'src/run/child.ts')], bundle: true, platform: 'node', format: 'esm', outfile: bundle, logLevel: 'warning' });
await copyFile(path.join(repo, 'src/run/reaper-process.cjs'), path.join(work, 'reaper-process.cjs'));
const { runChild } = await import(bundle);

const TRUE = '/bin/true';
const signal = new globalThis.AbortController().signal;

/** The runner before reaping: a process group of its own, 'close', then SIGKILL to the group. */
function plainChild() {
  return new Promise((resolve) => {
    const child = spawn(TRUE, [], { cwd: work, env: process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', () => {});
    child.stderr.on('data', () => {});
    child.on('close', (exitCode) => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is empty
      }
      resolve(exitCode);
    });
  });
}

const reaped = () => runChild({ command: TRUE, args: [], cwd: work, env: process.env, timeoutMs: 60_000, signal });

async function batch(start) {
  const items = Array.from({ length: opts.children }, (_, i) => i);
  const { ms } = await timed(() => pool(items, opts.workers, start));
  return ms;
}

const processes = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).length;
console.log(`reaper bench: ${opts.children} \`true\` children x ${opts.rounds} rounds, workers ${opts.workers}, ${os.cpus().length} CPU(s), ${processes} processes on the machine, node ${process.version}, load avg ${os.loadavg()[0].toFixed(2)}`);
await batch(plainChild); // warm-up; also starts nothing
await batch(reaped); // warm-up; starts the reaper
const plain = [];
const withReaper = [];
for (let round = 0; round < opts.rounds; round++) {
  plain.push(await batch(plainChild));
  withReaper.push(await batch(reaped));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const perChild = (ms) => (ms / opts.children).toFixed(2);
console.log(`plain spawn (before):   ${perChild(median(plain))} ms per child (median of ${opts.rounds} rounds)`);
console.log(`runChild with reaping:  ${perChild(median(withReaper))} ms per child`);
console.log(`ratio reaping / plain:  ${(median(withReaper) / median(plain)).toFixed(2)}x (a real test file runs for seconds: the added ~${(median(withReaper) / opts.children - median(plain) / opts.children).toFixed(1)} ms per file is what counts)`);
await rm(work, { recursive: true, force: true });
