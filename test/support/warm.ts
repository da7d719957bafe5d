// Runs one test file the way a warm worker runs it (src/frameworks/WORKERS.md): a worker of the
// preset loads once, forks a child for the file, and stops. For the hook conformance tables, which
// check every hook both in a fresh process and in a forked child.
import type { FrameworkPreset } from '../../src/frameworks/preset.js';
import { WarmWorker } from '../../src/run/warm-worker.js';

const PER_FILE = ['RERECORD_JOURNAL', 'RERECORD_BACKUP_DIR', 'RERECORD_MODE'];

export async function runWarm(
  preset: FrameworkPreset,
  command: readonly string[],
  hookDirectory: string,
  file: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  const plan = preset.warmWorker?.(command, hookDirectory);
  if (!plan || 'unavailable' in plan) throw new Error(`${preset.name} cannot run ${command.join(' ')} warm: ${plan ? plan.unavailable : 'no worker'}`);
  const workerEnv: NodeJS.ProcessEnv = { ...env, RERECORD_ROOT: env.RERECORD_ROOT ?? cwd, RERECORD_WORKER: '1' };
  for (const name of PER_FILE) delete workerEnv[name];
  const started = await WarmWorker.start({ command: plan.command, args: plan.args, cwd, env: workerEnv, readyTimeoutMs: 120_000 });
  if ('unavailable' in started) throw new Error(`the ${preset.name} worker did not start: ${started.unavailable}`);
  try {
    const outcome = await started.worker.run({ file, args: plan.runnerArgs, cwd, env, timeoutMs: 120_000, signal: new AbortController().signal });
    return { code: outcome.exitCode, output: `${outcome.output}${outcome.crash ?? ''}${outcome.signal ?? ''}` };
  } finally {
    await started.worker.stop();
  }
}
