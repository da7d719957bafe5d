// The one policy for `run`, shared by the action and the CLI, which only render its result:
// lock -> recover a dead run -> plan -> pre-flight -> execute -> reports -> publish decision.
// An interrupted run never publishes; a shard never publishes (only `step: publish` does).
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import type { PlannedRun } from '../plan/plan.js';
import { planRun } from './plan.js';
import { childEnvironment } from '../run/child-environment.js';
import { executeRun, type RunIo } from '../run/run.js';
import type { RunOutcome } from '../results/run-outcome.js';
import { publishCassettes, publishProblems, type PublishOutcome } from '../publish/publish.js';
import { runCounts } from '../report/run-output.js';
import { runPreflight } from './preflight.js';
import { checkRunPreconditions } from './preconditions.js';
import { withProjectLock, type RecoveryNotice } from './recover.js';
import { hookDirectory } from '../frameworks/hook-directory.js';
import { WarmPool } from '../run/warm-pool.js';

export type PublishDecision =
  | { kind: 'none'; why: string }
  | { kind: 'published'; outcome: PublishOutcome }
  | { kind: 'shard-uploaded' }
  | { kind: 'skipped'; why: string };

export interface RunCommandResult {
  planned: PlannedRun;
  /** Undefined for a dry run. */
  outcome: RunOutcome | undefined;
  recovery: RecoveryNotice | undefined;
  publish: PublishDecision;
  interruptedBy: NodeJS.Signals | undefined;
}

export interface RunCommandIo extends RunIo {
  interruptedBy(): NodeJS.Signals | undefined;
  /** Whether artifacts can be uploaded here (a GitHub Actions runner with its runtime token). */
  onRunner: boolean;
  uploadShard?: (results: RunOutcome['results']) => Promise<void>;
}

export async function runCommand(config: Config, io: RunCommandIo): Promise<RunCommandResult> {
  const warm = config.dryRun ? undefined : warmPool(config, io);
  try {
    return await planAndRun(config, io, warm);
  } finally {
    await warm?.close();
  }
}

async function planAndRun(config: Config, io: RunCommandIo, warm: WarmPool | undefined): Promise<RunCommandResult> {
  // Planning and its checks write nothing (bar recovering a dead run's leftovers): a problem found
  // here is exit 2 with the project as it was. The lock is taken only to execute.
  const { planned, recovery } = await withProjectLock(
    config.workingDirectory,
    'plan',
    io.logger,
    async (recovery) => {
      const planned = await planRun(config, (message) => io.logger.warning(message));
      for (const note of planned.plan.notes) io.logger.warning(note);
      if (planned.plan.uncounted !== undefined) io.logger.info(planned.plan.uncounted);
      if (planned.plan.mappedBy !== undefined && !config.dryRun) io.logger.info(`mapping: ${planned.plan.mappedBy}`);
      if (!config.dryRun) {
        await checkRunPreconditions(config, planned.plan);
        // A run that could not publish must not find out after every test has called the API.
        const publishing = publishProblems(config);
        if (publishing.length > 0) throw new ConfigError(publishing);
      }
      if (!config.dryRun && planned.plan.files.length > 0) {
        await runPreflight(config, childEnvironment(config.runner.inherited, config));
        if (config.warm === 'on') await proveWarm(warm!);
      }
      return { planned, recovery };
    },
    // `plan` (a dry run) only reads; a real run's planning recovers a dead run first.
    { access: config.dryRun ? 'read' : 'plan', inherited: config.runner.inherited },
  );
  if (config.dryRun) return { planned, outcome: undefined, recovery, publish: { kind: 'none', why: 'dry run' }, interruptedBy: undefined };
  if (config.shard.count > 1 && config.publish !== 'none' && !io.onRunner) {
    throw new ConfigError([
      `shard ${config.shard.index}/${config.shard.count} with publish ${config.publish}: a shard hands its results to a final step: publish job as artifacts, which needs a GitHub Actions runner; run without --shard, or with --publish none`,
    ]);
  }
  return withProjectLock(
    config.workingDirectory,
    'run',
    io.logger,
    async () => {
      if (planned.plan.files.length === 0) io.logger.info('no test file selected: nothing to re-record');
      const outcome = await executeRun(config, planned, io, warm);
      const interruptedBy = io.interruptedBy();
      const publish = await decidePublish(config, outcome, interruptedBy, io);
      return { planned, outcome, recovery, publish, interruptedBy };
    },
    { inherited: config.runner.inherited },
  );
}

async function decidePublish(config: Config, outcome: RunOutcome, interruptedBy: NodeJS.Signals | undefined, io: RunCommandIo): Promise<PublishDecision> {
  if (interruptedBy) return { kind: 'skipped', why: `interrupted by ${interruptedBy}: partial results are never published` };
  if (config.shard.count > 1) {
    if (!io.onRunner || !io.uploadShard) return { kind: 'none', why: 'a shard off a runner keeps its results in the working tree' };
    await io.uploadShard(outcome.results);
    return { kind: 'shard-uploaded' };
  }
  if (config.publish === 'none') return { kind: 'none', why: 'publish: none' };
  const failed = runCounts(outcome).failedFiles;
  return { kind: 'published', outcome: await publishCassettes(config, outcome.results, failed, io.logger) };
}

function warmPool(config: Config, io: RunCommandIo): WarmPool {
  return new WarmPool({
    mode: config.warm,
    preset: config.framework,
    command: config.command,
    hookDirectory: hookDirectory(config.framework.name),
    workingDirectory: config.workingDirectory,
    childEnv: childEnvironment(config.runner.inherited, config),
    // Loading is bounded like a test file: a package's load_all can be slow, a hung one is not warm.
    readyTimeoutMs: config.timeoutMs,
    redact: (text) => io.redactor.redact(text),
    onFallback: (reason) => io.logger.warning(`warm workers: ${reason}`),
  });
}

/** `warm: on`: a worker that cannot start is a pre-flight failure, before any test file runs. */
async function proveWarm(warm: WarmPool): Promise<void> {
  const problem = await warm.prove();
  if (problem !== undefined) throw new ConfigError([`pre-flight: warm is on, but ${problem}; no test file was run. Fix: correct what it names, or set warm to auto (fresh processes when no worker can serve) or off`]);
}
