// One test process: its own session and process group, a marker in its environment that every
// descendant inherits, bounded output, and an outcome that says why it ended. When the leader
// exits (or is killed on timeout or cancel), everything it left behind is killed before the
// outcome is returned, daemons that left the group included (see reaper.ts), so nothing can write
// into a cassette after rerecord has looked at it.
import { spawn } from 'node:child_process';
import { OutputTail } from './output-tail.js';
import { killHolders, nextProcessTag, outputTargets, processStartTicks, reapTree, signalTree, type StrayProcess, type TreeSelector } from './reaper.js';

export type { StrayProcess } from './reaper.js';

export interface ChildSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  outputLimitBytes?: number;
  /** Replaces every spelling of every secret in the captured output, before it is cut to the limit. */
  redact?: (text: string) => string;
  /** How long a SIGTERMed tree gets to exit before SIGKILL. */
  killGraceMs?: number;
  /**
   * How long to wait, once the tree is dead, for the output pipes to close. Only a process rerecord
   * could not find still holds them then; its output is dropped rather than waited for.
   */
  pipeGraceMs?: number;
}

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError: string | undefined;
  output: string;
  durationMs: number;
  /** Processes of the test still running after its leader exited; all were killed before this returned. */
  strays: StrayProcess[];
  /** Processes of the test that would not die (stuck in the kernel); empty in practice. */
  survivors: StrayProcess[];
  /** The output pipes were still held open by a process outside the known tree; rerecord stopped reading them. */
  pipesAbandoned: boolean;
  /** Why the test process ended without an exit status of its own (a warm worker that died under it). */
  crash?: string;
}

/** How long the output may stay open after the tree is dead before its holders are looked for. */
const HOLDER_CHECK_MS = 200;

export function runChild(spec: ChildSpec): Promise<ChildOutcome> {
  const pipeGraceMs = spec.pipeGraceMs ?? 1000;
  const started = performance.now();
  const tail = new OutputTail(spec.outputLimitBytes ?? 64 * 1024, spec.redact);
  const tag = nextProcessTag();
  let timedOut = false;
  let cancelled = false;
  let spawnError: string | undefined;
  return new Promise((resolve, reject) => {
    // detached: a session and process group of its own, led by the child (pid = group = session id).
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: { ...spec.env, [tag.name]: tag.value }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => tail.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    // Read now, while the leader exists for sure (it is not collected before our next tick).
    const tree: TreeSelector = { marker: tag.marker, groups: child.pid === undefined ? [] : [child.pid], since: child.pid === undefined ? 0 : processStartTicks(child.pid) };
    const outputs = child.pid === undefined ? [] : outputTargets(child.pid);
    const closed = new Promise<void>((done) => child.on('close', () => done()));

    let killTimer: NodeJS.Timeout | undefined;
    const killTree = () => {
      signalTree(tree, 'SIGTERM');
      killTimer ??= setTimeout(() => signalTree(tree, 'SIGKILL'), spec.killGraceMs ?? 3000);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      killTree();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree();
    };
    const stopWatching = () => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      spec.signal.removeEventListener('abort', onAbort);
    };
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, rest: Pick<ChildOutcome, 'strays' | 'survivors' | 'pipesAbandoned'>) =>
      resolve({ exitCode, signal, timedOut, cancelled, spawnError, output: tail.text(), durationMs: performance.now() - started, ...rest });

    child.on('error', (error) => {
      spawnError = `could not start ${spec.command}: ${error.message}`;
    });
    if (child.pid === undefined) {
      // Never started: there is no tree, only the 'close' that follows the error.
      child.on('close', (exitCode, signal) => {
        stopWatching();
        finish(exitCode, signal, { strays: [], survivors: [], pipesAbandoned: false });
      });
      return;
    }
    if (spec.signal.aborted) onAbort();
    else spec.signal.addEventListener('abort', onAbort, { once: true });

    // 'exit', not 'close': 'close' waits for the output pipes, which a stray daemon may hold forever.
    child.on('exit', (exitCode, signal) => {
      stopWatching();
      void (async () => {
        const { killed, survivors } = await reapTree(tree);
        // With the tree dead the pipes close at once; what is still buffered in them is read first.
        let pipesClosed = await closedWithin(closed, Math.min(HOLDER_CHECK_MS, pipeGraceMs));
        if (!pipesClosed) {
          // Someone outside the tree (no marker, own session, parent gone) still holds the output.
          const holders = await killHolders(outputs, tree.since ?? 0);
          killed.push(...holders.killed);
          survivors.push(...holders.survivors);
          pipesClosed = await closedWithin(closed, pipeGraceMs);
        }
        if (!pipesClosed) {
          child.stdout.destroy();
          child.stderr.destroy();
        }
        finish(exitCode, signal, { strays: killed, survivors, pipesAbandoned: !pipesClosed });
      })().catch(reject);
    });
  });
}

function closedWithin(closed: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([closed.then(() => true), new Promise<boolean>((done) => (timer = setTimeout(() => done(false), ms)))]).finally(() => clearTimeout(timer));
}

/**
 * One line for the report when the test left processes behind (undefined when it left none): what
 * was killed after it, what would not die, and whether its output had to be abandoned.
 */
export function leftoverNote(outcome: Pick<ChildOutcome, 'strays' | 'survivors' | 'pipesAbandoned'>): string | undefined {
  const list = (processes: readonly StrayProcess[]) => processes.map(({ command, pid }) => `${command} (pid ${pid})`).join(', ');
  const parts: string[] = [];
  if (outcome.strays.length > 0) parts.push(`killed ${outcome.strays.length} process${outcome.strays.length === 1 ? '' : 'es'} the test left running: ${list(outcome.strays)}`);
  if (outcome.survivors.length > 0) parts.push(`could not kill ${list(outcome.survivors)}`);
  if (outcome.pipesAbandoned) parts.push('its output was still held open by a process outside its tree; stopped reading it');
  return parts.length > 0 ? parts.join('; ') : undefined;
}
