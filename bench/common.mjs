// What both benchmark suites need: flags, a seeded PRNG, child processes, timing and a small pool.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

export function die(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(1);
}

export function wholeNumber(flag, text, min) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) die(`${flag} needs a whole number >= ${min}, got ${text}`);
  return n;
}

/** Kinds of flag for parseFlags: a whole number of at least `min`, any number, free text, or a switch. */
export const flag = {
  whole: (key, min) => ({ key, shown: 'N', read: (name, text) => wholeNumber(name, text, min) }),
  number: (key) => ({ key, shown: 'X', read: (_name, text) => Number(text) }),
  text: (key, shown) => ({ key, shown, read: (_name, text) => text }),
  on: (key) => ({ key }),
};

/**
 * `--name VALUE` and `--name=VALUE` from the command line into a copy of `defaults`, by the
 * `flags` table (`{ '--tests': flag.whole('tests', 1), '--keep': flag.on('keep') }`). An unknown
 * flag is fatal and lists the known ones.
 */
export function parseFlags(defaults, flags, argv = process.argv.slice(2)) {
  const options = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split('=', 2);
    const spec = flags[name];
    if (!spec) die(`unknown option ${argv[i]} (known: ${Object.entries(flags).map(([known, { shown }]) => (shown ? `${known} ${shown}` : known)).join(', ')})`);
    options[spec.key] = spec.read ? spec.read(name, inline ?? argv[++i]) : true;
  }
  return options;
}

/** A small, fast, seedable PRNG: the same seed gives the same suite on every machine. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs a command (no shell); resolves with exit code (or signal), stdout, stderr. */
export function run(command, args, { cwd, env, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? signal, stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
  });
}

export async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A pool of `size` workers over `items`, each calling `task` on the next item in order. */
export async function pool(items, size, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
