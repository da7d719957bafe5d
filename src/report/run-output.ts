// The result of `run` as numbers and one JSON document; shared by the action's outputs and the CLI.
import type { Config } from '../config/config.js';
import type { RunOutcome } from '../results/run-outcome.js';
import { driftCounts } from './drift.js';
import { verifiedOf } from './summary.js';
import { jsonTwinPath } from '../state/failure-log.js';

export function runCounts(outcome: RunOutcome) {
  const failedFiles = outcome.results.filter((r) => r.status !== 'succeeded').map((r) => r.file);
  return {
    selected: outcome.results.length,
    succeeded: outcome.results.length - failedFiles.length,
    failed: failedFiles.length,
    failedFiles,
  };
}

export function runDocument(outcome: RunOutcome, config: Config) {
  return {
    ...runCounts(outcome),
    interrupted: outcome.interrupted,
    framework: config.framework.name,
    shard: `${config.shard.index}/${config.shard.count}`,
    failureLog: config.failureLog,
    failureReport: jsonTwinPath(config.failureLog),
    startedAt: outcome.startedAt.toISOString(),
    finishedAt: outcome.finishedAt.toISOString(),
    drift: driftCounts(outcome.results),
    files: outcome.results.map(({ journaled: _j, output: _o, keptHashes: _k, ...rest }) => ({ ...rest, verified: verifiedOf(rest as typeof outcome.results[number]) })),
    warnings: outcome.runWarnings,
    pace: outcome.pace ?? null,
    processes: outcome.processes ?? null,
  };
}
