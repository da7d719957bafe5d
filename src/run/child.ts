// One test process: its own process group (so a timeout or cancel kills the whole tree,
// grandchildren included), bounded output, and an outcome that says why it ended.
import { spawn } from 'node:child_process';
import { OutputTail } from './output-tail.js';

export interface ChildSpec {
  command: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  signal: AbortSignal;
  outputLimitBytes?: number;
  /** How long a SIGTERMed tree gets to exit before SIGKILL. */
  killGraceMs?: number;
}

export interface ChildOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  cancelled: boolean;
  spawnError: string | undefined;
  output: string;
  durationMs: number;
}

export function runChild(spec: ChildSpec): Promise<ChildOutcome> {
  const started = performance.now();
  const tail = new OutputTail(spec.outputLimitBytes ?? 64 * 1024);
  let timedOut = false;
  let cancelled = false;
  let spawnError: string | undefined;
  return new Promise((resolve) => {
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => tail.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
    let killTimer: NodeJS.Timeout | undefined;
    const killTree = () => {
      signalGroup(child.pid, 'SIGTERM');
      killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), spec.killGraceMs ?? 3000);
    };
    const timeout = setTimeout(() => {
      timedOut = true;
      killTree();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killTree();
    };
    if (spec.signal.aborted) onAbort();
    else spec.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      spawnError = `could not start ${spec.command}: ${error.message}`;
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      spec.signal.removeEventListener('abort', onAbort);
      // The leader is gone; make sure nothing it left behind in its group lingers.
      signalGroup(child.pid, 'SIGKILL');
      resolve({ exitCode, signal, timedOut, cancelled, spawnError, output: tail.text(), durationMs: performance.now() - started });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone: nothing to kill.
  }
}
