// SIGINT/SIGTERM (Ctrl-C, or a cancelled workflow) abort the run instead of killing us outright:
// nothing new starts, running children are stopped, their cassettes restored, the failure log written.
export interface Interrupt {
  signal: AbortSignal;
  received(): NodeJS.Signals | undefined;
  dispose(): void;
}

export function listenForInterrupt(onInterrupt?: (signal: NodeJS.Signals) => void): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handle = (signal: NodeJS.Signals) => {
    if (received) return;
    received = signal;
    onInterrupt?.(signal);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, handle);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const signal of signals) process.off(signal, handle);
    },
  };
}

/** The shell convention: 128 + the signal's number. */
export function interruptExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
