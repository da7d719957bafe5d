// Nothing rerecord starts outlives it. Each test process gets a marker in its environment; after
// the test, its whole tree (marker, process group, session, children) is killed; and one reaper
// process per rerecord process kills every marked process when rerecord dies, by any signal.
// The /proc reading lives in reaper-process.cjs, which is also the reaper's program.
// Linux only: elsewhere the scan finds nothing, no reaper starts, and only process groups are
// signalled (a SIGKILLed rerecord on macOS or Windows can leave test processes behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { processStartOf, type ProcessIdentity } from '../state/process-identity.js';
import { sleep } from './sleep.js';

/** The environment variable that marks every process of one test (and, by prefix, of one run). */
export const PROCESS_TAG = 'RERECORD_PROCESS_TAG';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  group: number;
  session: number;
  command: string;
}

/** A process that was still running after its test's leader exited, and was killed. */
export interface StrayProcess {
  pid: number;
  command: string;
}

export interface TreeSelector {
  /** `RERECORD_PROCESS_TAG=<run>/<child>`. */
  marker: string;
  prefix?: boolean;
  /** Process group and session ids (the leader's pid: it was started in a session of its own). */
  groups?: readonly number[];
  /** When the tree's oldest member (the leader) was forked, in clock ticks after boot: older processes are skipped. */
  since?: number;
  /** Processes that belong to the tree by pid (a child a warm worker forked). */
  roots?: readonly number[];
  /** A second marker, matched exactly: the warm worker's, which a forked child keeps without exec'ing. */
  inherited?: string;
  /** Never part of the tree, whatever they carry (the warm worker itself). */
  spared?: readonly number[];
}

interface ProcessTable {
  listProcesses(since?: number): ProcessEntry[];
  startTicks(pid: number): number;
  isRunning(pid: number): boolean;
  findTree(selector: TreeSelector): ProcessEntry[];
  descriptorTargets(pid: number, fds: readonly number[]): string[];
  findHolders(targets: readonly string[], since?: number): ProcessEntry[];
  signalAll(processes: readonly ProcessEntry[], signal: NodeJS.Signals): ProcessEntry[];
}

/** Beside this module: src/run in the source tree, dist/ in the bundle. */
export const REAPER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'reaper-process.cjs');
const SUPPORTED = process.platform === 'linux';

let table: ProcessTable | undefined;
function processTable(): ProcessTable {
  if (!table) {
    if (!existsSync(REAPER_SCRIPT)) throw new Error(`internal error: ${REAPER_SCRIPT} is missing (the bundle must ship it beside the code)`);
    table = createRequire(import.meta.url)(REAPER_SCRIPT) as ProcessTable;
  }
  return table;
}

/** This process's run id and its reaper (held here for as long as we live: its pipe is the signal). */
let run: { id: string; children: number; reaper: ChildProcess | undefined } | undefined;

/** The marker for the next test process; starts this process's reaper on first use. */
export function nextProcessTag(): { name: typeof PROCESS_TAG; value: string; marker: string } {
  const current = thisRun();
  const value = `${current.id}/${++current.children}`;
  return { name: PROCESS_TAG, value, marker: `${PROCESS_TAG}=${value}` };
}

/**
 * Tells the reaper (starting it if need be) about a run folder: once rerecord died and every test
 * process is gone, it writes the time into it (see reaper-process.cjs). Returns the reaper, for the
 * run's record; undefined where there is none.
 */
export function watchRunFolder(folder: string): ProcessIdentity | undefined {
  const reaper = thisRun().reaper;
  if (!reaper?.pid || !reaper.stdin) return undefined;
  reaper.stdin.write(`${JSON.stringify({ runFolder: folder })}\n`);
  return { pid: reaper.pid, host: os.hostname(), processStart: processStartOf(reaper.pid) };
}

function thisRun(): NonNullable<typeof run> {
  if (!run) {
    const id = `${process.pid}-${randomBytes(6).toString('hex')}`;
    run = { id, children: 0, reaper: SUPPORTED ? startReaper(`${PROCESS_TAG}=${id}/`) : undefined };
  }
  return run;
}

let reaperEnvironment: NodeJS.ProcessEnv = {};

/**
 * What the reaper is started with, set by the run before its first process: the one variable node
 * itself may need to start (LD_LIBRARY_PATH) from the environment rerecord was started in.
 */
export function useReaperEnvironment(inherited: Readonly<Record<string, string | undefined>>): void {
  reaperEnvironment = inherited.LD_LIBRARY_PATH ? { LD_LIBRARY_PATH: inherited.LD_LIBRARY_PATH } : {};
}

function startReaper(runMarker: string): ChildProcess {
  processTable(); // fail loudly on a broken bundle before any test starts
  // An environment of its own: no marker (an outer rerecord running this one as a test would kill
  // the reaper before it could do its job), no key, no NODE_OPTIONS preloading the user's tooling.
  const env = reaperEnvironment;
  // cwd '/': a reaper outliving a run for a moment must not hold the project folder busy.
  const reaper = spawn(process.execPath, [REAPER_SCRIPT, runMarker], { cwd: '/', detached: true, stdio: ['pipe', 'ignore', 'ignore'], env });
  // It cannot fail to start unless the machine is out of processes; tests would not start either.
  reaper.on('error', () => {});
  // A reaper gone before us (killed by someone) must not take rerecord down with a broken pipe.
  reaper.stdin?.on('error', () => {});
  // Neither the reaper nor its pipe keeps rerecord alive: our exit closes the pipe, which is the point.
  reaper.unref();
  (reaper.stdin as unknown as { unref(): void } | null)?.unref();
  return reaper;
}

/** When `pid` was forked (clock ticks after boot; 0 when unknown, which makes a scan look at every process). */
export function processStartTicks(pid: number): number {
  return SUPPORTED ? processTable().startTicks(pid) : 0;
}

/** The processes of a tree right now (empty on systems without /proc). */
export function findTree(selector: TreeSelector): ProcessEntry[] {
  return SUPPORTED ? processTable().findTree(selector) : [];
}

/** Sends `signal` to the tree's process groups and to every process of the tree. */
export function signalTree(selector: TreeSelector, signal: NodeJS.Signals): void {
  signalGroups(selector.groups, signal);
  if (SUPPORTED) processTable().signalAll(findTree(selector), signal);
}

function signalGroups(groups: readonly number[] | undefined, signal: NodeJS.Signals): void {
  for (const group of groups ?? []) {
    try {
      process.kill(-group, signal);
    } catch {
      // The group is empty: nothing to signal.
    }
  }
}

/** What the leader's stdout and stderr are (read right after it starts), to find who holds them later. */
export function outputTargets(pid: number): string[] {
  return SUPPORTED ? processTable().descriptorTargets(pid, [1, 2]) : [];
}

/** SIGKILLs every process forked at or after `since` that holds one of `targets`, and waits until they are gone. */
export async function killHolders(targets: readonly string[], since: number, limitMs = 5000): Promise<{ killed: StrayProcess[]; survivors: StrayProcess[] }> {
  if (!SUPPORTED || targets.length === 0) return { killed: [], survivors: [] };
  const table = processTable();
  const killed = table.signalAll(table.findHolders(targets, since), 'SIGKILL').map(stray);
  return { killed, survivors: await untilGone(killed, performance.now() + limitMs) };
}

/** Waits until none of `processes` runs any more (a killed process closes its files before it is gone); returns those still running at `deadline`. */
async function untilGone(processes: readonly StrayProcess[], deadline: number): Promise<StrayProcess[]> {
  const table = processTable();
  for (;;) {
    const running = processes.filter(({ pid }) => table.isRunning(pid));
    if (running.length === 0 || performance.now() > deadline) return running;
    await sleep(5);
  }
}

/**
 * SIGKILLs the tree until a scan finds nothing (or `limitMs` passes: a process stuck in the kernel
 * cannot be killed). Returns what was killed and what, if anything, survived.
 */
export async function reapTree(selector: TreeSelector, limitMs = 5000): Promise<{ killed: StrayProcess[]; survivors: StrayProcess[] }> {
  const killed = new Map<number, StrayProcess>();
  const deadline = performance.now() + limitMs;
  // A killed process can linger a moment before it is gone: scan again until a scan is empty,
  // twice in a row once something was killed (it may have forked as it died).
  for (let quietScans = 0; ; await sleep(10)) {
    const found = findTree(selector);
    // Without /proc this is all there is; with it, the scan also finds what left the group.
    signalGroups(selector.groups, 'SIGKILL');
    if (found.length === 0) {
      if (++quietScans >= (killed.size > 0 ? 2 : 1)) return { killed: [...killed.values()], survivors: await untilGone([...killed.values()], deadline) };
      continue;
    }
    quietScans = 0;
    if (performance.now() > deadline) return { killed: [...killed.values()], survivors: found.map(stray) };
    for (const entry of processTable().signalAll(found, 'SIGKILL')) if (!killed.has(entry.pid)) killed.set(entry.pid, stray(entry));
  }
}

function stray({ pid, command }: ProcessEntry): StrayProcess {
  return { pid, command };
}
