// SIGINT/SIGTERM/SIGHUP (Ctrl-C, a cancelled workflow, a closed terminal or dropped ssh session)
// abort the run instead of killing us outright: nothing new starts, running children are stopped,
// their cassettes restored, the failure log written. SIGKILL cannot be caught: the reaper
// (reaper.ts) then kills the test processes, and the next run recovers the cassettes.
import os from 'node:os';

export interface Interrupt {
  signal: AbortSignal;
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

const HANDLED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function listenForInterrupt(onInterrupt?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (received) return;
    received = signal;
    onInterrupt?.(signal);
    controller.abort();
  };
  for (const signal of HANDLED) process.on(signal, handle);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const signal of HANDLED) process.off(signal, handle);
    },
  };
}

/** The shell convention: 128 + the signal's number (SIGHUP 129, SIGINT 130, SIGTERM 143). */
export function interruptExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? os.constants.signals.SIGTERM);
}
