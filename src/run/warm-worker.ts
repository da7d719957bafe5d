// One warm worker (src/frameworks/WORKERS.md): a runtime that loaded the framework, the VCR library,
// the record hook and the project's setup once, and forks a child per test file. A child is run
// and judged exactly like a fresh process (child.ts): its own tag, a timeout that kills its tree
// and only its tree, everything it left behind reaped before the outcome is returned.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChildOutcome } from './child.js';
import { OutputTail } from './output-tail.js';
import { nextProcessTag, processStartTicks, reapTree, signalTree, type TreeSelector } from './reaper.js';

export interface WorkerLaunch {
  command: string;
  args: readonly string[];
  cwd: string;
  /** The worker's whole environment (no journal, no backup folder, no mode: it records nothing itself). */
  env: NodeJS.ProcessEnv;
  /** How long loading may take before the worker is given up on. */
  readyTimeoutMs: number;
  redact?: (text: string) => string;
}

export interface WarmRequest {
  file: string;
  /** The runner's arguments from the user's command; the file goes last. */
  args: readonly string[];
  cwd: string;
  /** The child's whole environment. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  outputLimitBytes?: number;
  redact?: (text: string) => string;
  killGraceMs?: number;
}

/** What the worker loaded, or why it cannot serve. */
export type WorkerStart = { worker: WarmWorker; loaded: string[] } | { unavailable: string };

type WorkerMessage =
  | { ready: true; loaded?: string[] }
  | { unavailable: string }
  | { id: number; started: number; session?: boolean }
  | { id: number; exit: number }
  | { id: number; signal: string }
  | { id: number; lost: true };

/** How long after the worker said a child ended its end markers may take to come through the pipes. */
const MARKER_GRACE_MS = 2000;
/** How long a worker gets to answer that it forked: it reads the request and forks at once. */
const FORK_ANSWER_MS = 30_000;
/** How long a worker may take to report a child it was told to kill has ended. */
const STUCK_AFTER_KILL_MS = 10_000;
/** Output of the worker's own loading kept for the message when it cannot start. */
const LOADING_OUTPUT_BYTES = 4096;

export class WarmWorker {
  private readonly messages: WorkerMessage[] = [];
  private wake: (() => void) | undefined;
  private exited: string | undefined;
  private nextId = 0;
  private active: ActiveOutput | undefined;
  private readonly loadingOutput: OutputTail;
  private busy = false;

  private constructor(
    private readonly process: ChildProcess,
    private readonly tree: TreeSelector,
    redact: ((text: string) => string) | undefined,
  ) {
    this.loadingOutput = new OutputTail(LOADING_OUTPUT_BYTES, redact);
    const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (this.active) this.active.push(stream, chunk);
      else this.loadingOutput.push(chunk);
    };
    (process.stdout as Readable).on('data', onOutput('stdout'));
    (process.stderr as Readable).on('data', onOutput('stderr'));
    createInterface({ input: process.stdio[3] as Readable }).on('line', (line) => {
      const message = parseMessage(line);
      if (message) this.messages.push(message);
      this.notify();
    });
    process.on('exit', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exit code ${code}`;
      this.notify();
    });
    (process.stdin as Writable).on('error', () => undefined);
  }

  /** Starts the worker and waits until it has loaded (or says it cannot serve). */
  static async start(launch: WorkerLaunch): Promise<WorkerStart> {
    const tag = nextProcessTag();
    let child: ChildProcess;
    try {
      child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...launch.env, [tag.name]: tag.value }, detached: true, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    } catch (error) {
      return { unavailable: `could not start ${launch.command}: ${(error as Error).message}` };
    }
    const spawnFailed = new Promise<string>((resolve) => child.on('error', (error) => resolve(`could not start ${launch.command}: ${error.message}`)));
    if (child.pid === undefined) return { unavailable: await spawnFailed };
    const tree: TreeSelector = { marker: tag.marker, groups: [child.pid], since: processStartTicks(child.pid), roots: [child.pid] };
    const worker = new WarmWorker(child, tree, launch.redact);
    const first = await Promise.race([worker.nextMessage(launch.readyTimeoutMs), spawnFailed.then((reason) => ({ failed: reason }))]);
    if (first && 'ready' in first) return { worker, loaded: first.loaded ?? [] };
    await worker.stop();
    if (first && 'unavailable' in first) return { unavailable: first.unavailable };
    if (first && 'failed' in first) return { unavailable: first.failed };
    const output = worker.loadingOutput.text().trim();
    const why = worker.exited ? `it ended while loading (${worker.exited})` : `it did not finish loading within ${Math.round(launch.readyTimeoutMs / 1000)} s`;
    return { unavailable: `${why}${output ? `: ${lastLines(output, 6)}` : ''}` };
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** The worker's pid, for reports. */
  get pid(): number {
    return this.process.pid!;
  }

  /** Runs one test file in a forked child; the outcome reads like a fresh process's. */
  async run(request: WarmRequest): Promise<ChildOutcome> {
    if (this.busy) throw new Error('internal error: a warm worker runs one file at a time');
    this.busy = true;
    const started = performance.now();
    const id = ++this.nextId;
    const tag = nextProcessTag();
    // No NUL in it: R strings cannot hold one. The record separators keep it off any real output.
    const end = `\u001e[rerecord-end-${randomBytes(8).toString('hex')}]\u001e`;
    const output = new ActiveOutput(end, new OutputTail(request.outputLimitBytes ?? 64 * 1024, request.redact));
    this.active = output;
    const outcome: ChildOutcome = { exitCode: null, signal: null, timedOut: false, cancelled: false, spawnError: undefined, output: '', durationMs: 0, strays: [], survivors: [], pipesAbandoned: false };
    let childTree: TreeSelector | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    // Once the child is killed its worker answers at once; one that does not is stuck, and lost.
    let answerBy = Infinity;
    const killChild = () => {
      if (!childTree) return;
      signalTree(childTree, 'SIGTERM');
      killTimer ??= setTimeout(() => childTree && signalTree(childTree, 'SIGKILL'), request.killGraceMs ?? 3000);
      answerBy = Math.min(answerBy, performance.now() + (request.killGraceMs ?? 3000) + STUCK_AFTER_KILL_MS);
      this.notify();
    };
    const timeout = setTimeout(() => {
      outcome.timedOut = true;
      killChild();
    }, request.timeoutMs);
    const onAbort = () => {
      outcome.cancelled = true;
      killChild();
    };
    try {
      const line = JSON.stringify({ id, file: request.file, args: request.args, cwd: request.cwd, env: { ...request.env, [tag.name]: tag.value }, end });
      (this.process.stdin as Writable).write(`${line}\n`);
      const forkBy = performance.now() + FORK_ANSWER_MS;
      const forked = await this.messageFor(id, () => forkBy);
      if (!forked || !('started' in forked)) {
        outcome.crash = this.lostWorker('before it forked the test');
        return outcome;
      }
      childTree = {
        marker: tag.marker,
        groups: forked.session ? [forked.started] : [],
        since: processStartTicks(forked.started),
        roots: [forked.started],
        inherited: this.tree.marker,
        spared: [this.process.pid!],
      };
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
      const ended = await this.messageFor(id, () => answerBy);
      clearTimeout(timeout);
      if (!ended) outcome.crash = this.lostWorker('while the test ran');
      else if ('exit' in ended) outcome.exitCode = ended.exit;
      else if ('signal' in ended) outcome.signal = ended.signal as NodeJS.Signals;
      else if ('lost' in ended && !outcome.timedOut && !outcome.cancelled) outcome.crash = 'crashed: the test process ended without an exit status (killed by a signal?)';
      if (ended && this.alive) await output.complete(MARKER_GRACE_MS);
      const { killed, survivors } = await reapTree(childTree);
      outcome.strays = killed.filter((stray) => stray.pid !== forked.started);
      outcome.survivors = survivors;
      return outcome;
    } finally {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      request.signal.removeEventListener('abort', onAbort);
      if (!this.alive) await reapTree(this.tree).catch(() => undefined);
      this.active = undefined;
      this.busy = false;
      outcome.output = output.text();
      outcome.durationMs = performance.now() - started;
    }
  }

  /** Ends the worker: closes its requests (it exits by itself), then kills whatever is left of its tree. */
  async stop(graceMs = 2000): Promise<void> {
    (this.process.stdin as Writable).end();
    if (this.alive) await this.waitForExit(graceMs);
    await reapTree(this.tree).catch(() => undefined);
  }

  private lostWorker(when: string): string {
    // A worker that stopped answering is killed: the lane gets a new one for its next file.
    if (this.alive) signalTree(this.tree, 'SIGKILL');
    return `the warm worker (pid ${this.process.pid}) ${this.exited ? `died (${this.exited})` : 'stopped answering'} ${when}; the next file gets a new worker`;
  }

  private async waitForExit(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.alive && performance.now() < deadline) await this.changed(deadline - performance.now());
  }

  /** The next message about request `id` (older requests' stragglers are dropped); undefined when the worker died or the deadline (which may move) passed. */
  private async messageFor(id: number, deadline: () => number): Promise<WorkerMessage | undefined> {
    for (;;) {
      const message = this.messages.shift();
      if (message) {
        if ('id' in message && message.id === id) return message;
        continue;
      }
      if (!this.alive || performance.now() >= deadline()) return undefined;
      await this.changed(deadline() - performance.now());
    }
  }

  private async nextMessage(ms: number): Promise<WorkerMessage | undefined> {
    const deadline = performance.now() + ms;
    for (;;) {
      const message = this.messages.shift();
      if (message) return message;
      if (!this.alive || performance.now() >= deadline) return undefined;
      await this.changed(deadline - performance.now());
    }
  }

  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(resolve, Math.max(0, ms)) : undefined;
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** One child's output: everything before the end marker on stdout and on stderr. */
class ActiveOutput {
  private readonly pending = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly done = { stdout: false, stderr: false };
  private readonly token: Buffer;
  private onDone: (() => void) | undefined;

  constructor(
    end: string,
    private readonly tail: OutputTail,
  ) {
    this.token = Buffer.from(end);
  }

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    if (this.done[stream]) return;
    const bytes = Buffer.concat([this.pending[stream], chunk]);
    const at = bytes.indexOf(this.token);
    if (at !== -1) {
      if (at > 0) this.tail.push(bytes.subarray(0, at));
      this.done[stream] = true;
      this.pending[stream] = Buffer.alloc(0);
      if (this.done.stdout && this.done.stderr) this.onDone?.();
      return;
    }
    // Keep what could be the start of a marker split across two reads.
    const safe = Math.max(0, bytes.length - (this.token.length - 1));
    if (safe > 0) this.tail.push(bytes.subarray(0, safe));
    this.pending[stream] = bytes.subarray(safe);
  }

  /** Waits until both markers came through (or `ms` passed: the child's output is then what arrived). */
  complete(ms: number): Promise<void> {
    if (this.done.stdout && this.done.stderr) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.onDone = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  text(): string {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream].length > 0) this.tail.push(this.pending[stream]);
      this.pending[stream] = Buffer.alloc(0);
    }
    return this.tail.text();
  }
}

function parseMessage(line: string): WorkerMessage | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null ? (value as WorkerMessage) : undefined;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, count: number): string {
  return text.split('\n').slice(-count).join(' | ');
}
