// Runs one test file's process: forked from a warm worker when the run has one that serves, else a
// fresh process. Either way the outcome reads the same and the tree is dead when it returns.
import { runChild, type ChildOutcome, type ChildSpec } from './child.js';
import type { WarmRunner } from './warm-pool.js';

export async function runTestProcess(absoluteFile: string, spec: ChildSpec, warm: WarmRunner | undefined): Promise<ChildOutcome> {
  const request = { file: absoluteFile, cwd: spec.cwd, env: spec.env, timeoutMs: spec.timeoutMs, signal: spec.signal, ...(spec.redact ? { redact: spec.redact } : {}) };
  return (warm ? await warm.run(request) : undefined) ?? runChild(spec);
}
