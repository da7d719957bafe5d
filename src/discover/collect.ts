// Asking the framework which cassettes each test file names (its collection: `rspec --dry-run`),
// without running a test. The answer is cached by the content of the test files, the support files
// the collector names and the command; the process has a time limit and is killed as a whole
// process group past it; any failure falls back to static analysis, and the plan says why.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Collector, FileCassettes, InheritedEnvironment } from '../frameworks/preset.js';
import type { ProjectFiles } from '../frameworks/shared/project-files.js';
import type { TestSource } from '../plan/map.js';
import { projectKey } from '../state/vault-location.js';

/** Long enough for a big suite's helpers to load; a collection past it is killed. */
export const COLLECT_TIMEOUT_MS = 120_000;
/** What of the process's output a failure quotes. */
const OUTPUT_TAIL_BYTES = 16_384;

export interface CollectRequest {
  workingDirectory: string;
  collector: Collector;
  command: readonly string[];
  testFiles: readonly TestSource[];
  project: ProjectFiles | undefined;
  testDir: string;
  /** The configured cassette folder, for collectors that name cassettes by name only (Polly). */
  cassetteDir: string;
  hookDirectory: string;
  /** The collection process's environment: the tests' own, without the key (nothing is requested). */
  environment: InheritedEnvironment;
  /** Where answers are cached between runs (a user cache folder, never the project). */
  cacheFolder: string;
  timeoutMs?: number;
}

export interface Collection {
  /** Per test file, what the framework said; undefined when it was not asked or did not answer. */
  byFile: ReadonlyMap<string, FileCassettes> | undefined;
  /** One line for the plan: how the cassettes were mapped. */
  note: string;
}

/** `${XDG_CACHE_HOME:-~/.cache}/rerecord/collect`: answers outlive a run, never inside the project. */
export function collectCacheFolder(env: InheritedEnvironment): string {
  const home = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(home, 'rerecord', 'collect');
}

export async function collectCassettes(request: CollectRequest): Promise<Collection> {
  const { collector } = request;
  if (request.testFiles.length === 0) return { byFile: undefined, note: `${collector.what} not asked: no test files` };
  const key = await cacheKey(request);
  const cacheFile = path.join(request.cacheFolder, `${projectKey(request.workingDirectory)}.json`);
  const cached = await readCache(cacheFile, key);
  if (cached) return { byFile: cached, note: `cassettes named by ${collector.what} (cached: no test or support file changed since it was asked)` };
  const asked = await ask(request);
  if ('failure' in asked) return { byFile: undefined, note: `mapped statically: ${collector.what} ${asked.failure}` };
  await writeCache(cacheFile, key, asked.byFile).catch(() => undefined);
  return { byFile: asked.byFile, note: `cassettes named by ${collector.what}` };
}

async function ask(request: CollectRequest): Promise<{ byFile: Map<string, FileCassettes> } | { failure: string }> {
  const files = request.testFiles.map((test) => path.resolve(request.workingDirectory, test.file));
  const scratch = path.join(os.tmpdir(), `rerecord-collect-${randomBytes(6).toString('hex')}`);
  await mkdir(scratch, { recursive: true });
  const output = path.join(scratch, 'collected.jsonl');
  try {
    const launch = request.collector.launch(files, request.command, output, request.hookDirectory, request.environment);
    if ('unavailable' in launch) return { failure: `not asked: ${launch.unavailable}` };
    const ended = await runBounded(launch.command, launch.args, { cwd: request.workingDirectory, env: { ...request.environment, ...launch.env } }, request.timeoutMs ?? COLLECT_TIMEOUT_MS, request.collector.explain);
    if (ended.failure) return { failure: ended.failure };
    const text = await readFile(output, 'utf8').catch(() => undefined);
    if (text === undefined) return { failure: `wrote nothing (exit ${ended.exitCode}): ${lastLines(ended.output)}` };
    return { byFile: answered(request, request.collector.read(text, { workingDirectory: request.workingDirectory, cassetteDir: request.cassetteDir })) };
  } catch (error) {
    return { failure: `could not be asked: ${(error as Error).message}` };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every file asked about: its answer, none (it names nothing collectable), or left to static analysis when the framework failed on it. */
function answered(request: CollectRequest, read: Map<string, FileCassettes | { failure: string }>): Map<string, FileCassettes> {
  const byFile = new Map<string, FileCassettes>();
  for (const { file } of request.testFiles) {
    const entry = read.get(file);
    if (entry === undefined) byFile.set(file, { cassettes: [], unresolved: [] });
    else if (!('failure' in entry)) byFile.set(file, entry);
  }
  return byFile;
}

interface Ended {
  exitCode: number | null;
  output: string;
  failure?: string;
}

/** Runs the process in a group of its own; past `timeoutMs` the whole group is killed. */
function runBounded(command: string, args: readonly string[], options: { cwd: string; env: InheritedEnvironment }, timeoutMs: number, explain?: (output: string) => string | undefined): Promise<Ended> {
  return new Promise((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES));
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ exitCode: null, output, failure: `could not start (${error.message})` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      // Whatever it left running in its group (a helper's server) goes with it.
      killGroup();
      if (timedOut) resolve({ exitCode: code, output, failure: `took longer than ${Math.round(timeoutMs / 1000)} s and was stopped` });
      else if (code !== 0) resolve({ exitCode: code, output, failure: `failed (exit ${code}): ${explain?.(output) ?? lastLines(output)}` });
      else resolve({ exitCode: code, output });
    });
  });
}

/** The last lines of the process's output that say something, in its own words. */
function lastLines(output: string): string {
  const lines = output.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.length === 0 ? '(no output)' : lines.slice(-3).join(' | ').slice(0, 600);
}

async function cacheKey(request: CollectRequest): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify([request.collector.what, request.command, request.cassetteDir]));
  for (const test of request.testFiles) hash.update(`\0${test.file}\0`).update(test.source);
  for (const file of request.project ? request.collector.supportFiles(request.project, request.testDir).sort() : []) {
    hash.update(`\0${file}\0`).update(request.project?.readText(file) ?? '\0absent');
  }
  return hash.digest('hex');
}

async function readCache(file: string, key: string): Promise<Map<string, FileCassettes> | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as { key?: unknown; byFile?: Record<string, FileCassettes> };
    if (data.key !== key || typeof data.byFile !== 'object' || data.byFile === null) return undefined;
    const byFile = new Map<string, FileCassettes>();
    for (const [test, entry] of Object.entries(data.byFile)) {
      if (!Array.isArray(entry?.cassettes) || !entry.cassettes.every((cassette) => typeof cassette === 'string')) return undefined;
      const possible = Array.isArray(entry.possible) ? entry.possible.filter((cassette): cassette is string => typeof cassette === 'string') : [];
      byFile.set(test, { cassettes: entry.cassettes, unresolved: [], ...(possible.length > 0 ? { possible } : {}) });
    }
    return byFile;
  } catch {
    return undefined;
  }
}

/** Through a temporary sibling and a rename: two runs at once never leave half a cache. */
async function writeCache(file: string, key: string, byFile: ReadonlyMap<string, FileCassettes>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const entries = Object.fromEntries([...byFile].map(([test, { cassettes, possible }]) => [test, { cassettes, ...(possible ? { possible } : {}) }]));
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ key, byFile: entries })}\n`);
  await rename(temporary, file).catch(async (error: Error) => {
    await rm(temporary, { force: true });
    throw error;
  });
}
