// Runs the plan's lanes on one pool of workers, paced by the governor (concurrency, the API's
// Retry-After, the request budget). Lanes start longest first; a lane's files run one after another
// (they share cassettes); every attempt takes a worker slot only while it runs.
import path from 'node:path';
import pLimit from 'p-limit';
import type { Lane } from '../plan/lanes.js';
import { formatDuration } from '../text/format.js';
import { runAttempt, type AttemptResult, type AttemptSettings } from './attempt.js';
import type { FileResult } from '../results/run-outcome.js';
import { BatchGate } from './batch-gate.js';
import { Governor } from './governor.js';
import { backoffDelay, sleep } from './sleep.js';


/** How many files must fail first, all with the same environment error, before the rest are not run. */
const ENVIRONMENT_STOP_AFTER = 3;

export interface ExecuteOptions {
  lanes: readonly Lane[];
  workers: number;
  batchSize: number;
  batchDelayMs: number;
  retries: number;
  backoffBaseMs?: number;
  /** How long in all one file may wait on a throttling API before it fails. */
  rateLimitWaitMs?: number;
  /** Paces starts; a plain one (adaptive, `workers` at most) when not given. */
  governor?: Governor;
  attempt: AttemptSettings;
  onFileDone?: (result: FileResult) => void;
  /** A file that ended once already ran again (rerunSuspects): its new result. */
  onFileRerun?: (result: FileResult) => void;
  /** Called after every `batchSize` finished files, with everything finished so far. */
  onCheckpoint?: (results: readonly FileResult[]) => Promise<void>;
}

export async function executePlan(options: ExecuteOptions): Promise<FileResult[]> {
  const { signal } = options.attempt;
  const rateLimitWaitMs = options.rateLimitWaitMs ?? 10 * 60_000;
  const governor = options.governor ?? new Governor({ workers: options.workers, signal, backoffBaseMs: options.backoffBaseMs, maxPauseMs: rateLimitWaitMs });
  const exclusive = pLimit(1);
  // A passing file hands its worker slot on when its test process ends (WorkerSlot), so the next
  // file's test runs while its recordings are read and kept. Test processes stay at `workers`; at
  // most as many attempts again may be reading and keeping, which bounds memory and open files.
  const processSlot = pLimit(options.workers);
  const inFlight = pLimit(options.workers * 2);
  const attemptSettings = { ...options.attempt, processSlot: <T>(run: () => Promise<T>) => processSlot(run) };
  const gate = new BatchGate(options.batchSize, options.batchDelayMs, signal);
  const results: FileResult[] = [];
  let checkpoints = Promise.resolve();
  const total = options.lanes.reduce((sum, lane) => sum + lane.files.length, 0);
  let stoppedBy: string | undefined;
  // Every attempt's environment error (or none), in the order they ended; noted before the worker
  // slot is released, so no file queued behind them starts once the first ones all failed alike.
  const ended: Array<string | undefined> = [];
  const noteEnded = (result: AttemptResult) => {
    ended.push(result.environmentError);
    stoppedBy ??= sameEnvironmentError(ended, Math.min(ENVIRONMENT_STOP_AFTER, total));
    return result;
  };
  const checkpoint = checkpointPacer();
  const finish = (result: FileResult) => {
    results.push(result);
    options.onFileDone?.(result);
    if (options.onCheckpoint && results.length % options.batchSize === 0 && checkpoint.due()) {
      const snapshot = [...results];
      // A checkpoint that cannot be written is the caller's warning, never the run's end.
      checkpoints = checkpoints.then(() => checkpoint.write(() => options.onCheckpoint!(snapshot))).catch(() => undefined);
    }
  };

  const runFile = async (file: string, cassettes: readonly string[]): Promise<FileResult> => {
    let last: AttemptResult | undefined;
    let spent = 0;
    let collisionRetries = 0;
    let throttled = 0;
    let waitedMs = 0;
    let throttledAt: number | undefined;
    let tries = 0;
    const ended = (result: AttemptResult) => ({ ...toFileResult(file, result, tries, spent), rateLimited: throttled });
    for (let attempt = 1; attempt <= options.retries + 1; attempt++) {
      if (stoppedBy !== undefined) {
        tries = attempt - 1;
        return last ? ended(last) : { ...notRun(file), reason: `not run: ${stoppedBy}` };
      }
      tries = attempt;
      if (attempt > 1 && throttledAt === undefined) await sleep(backoffDelay(attempt - 1, options.backoffBaseMs ?? 1000), signal);
      // After a collision the file runs again in the exclusive lane: one such retry at a time, so two
      // files that collided cannot collide again.
      const slot = <T>(task: () => Promise<T>): Promise<T> => (collisionRetries > 0 ? exclusive(task) : task());
      const result = await slot(() => inFlight(async () => {
        const ticket = await governor.acquire(file);
        if (!ticket) return undefined;
        let outcome: AttemptResult | undefined;
        try {
          await gate.admit();
          if (throttledAt !== undefined) waitedMs += performance.now() - throttledAt;
          throttledAt = undefined;
          if (signal.aborted || stoppedBy !== undefined) return undefined;
          outcome = noteEnded(await runAttempt(file, cassettes, attemptSettings, { free: () => governor.freeSlot(ticket) }));
          return outcome;
        } finally {
          governor.release(ticket, {
            requests: outcome?.requests ?? 0,
            passed: outcome?.succeeded ?? false,
            rateLimited: outcome?.rateLimited,
            ...(outcome?.hosts ? { hosts: outcome.hosts } : {}),
            ...(outcome?.requestSpan ? { span: outcome.requestSpan } : {}),
            inconclusive: !outcome || outcome.cancelled,
          });
        }
      }));
      if (!result) {
        tries = Math.max(1, attempt - 1);
        return last ? ended(last) : stoppedBy !== undefined ? { ...notRun(file), reason: `not run: ${stoppedBy}` } : notRun(file);
      }
      last = result;
      spent += result.durationMs;
      if (result.succeeded || result.cancelled || result.unrestored.length > 0 || result.environmentError || result.final) return ended(result);
      // A collision is not the file's fault: run it again, alone on those cassettes, without spending a retry.
      if (result.collidedWith.length > 0 && collisionRetries++ < 2) {
        await result.retryAfter;
        attempt--;
        continue;
      }
      // Nor is a throttling API: wait for it (the governor holds the next start), without spending a retry.
      if (result.rateLimited) {
        throttled++;
        const asked = result.rateLimited.retryAfterMs ?? 0;
        if (waitedMs >= rateLimitWaitMs || waitedMs + asked > rateLimitWaitMs) {
          governor.notAbsorbed(result.rateLimited.answers);
          const why = asked > rateLimitWaitMs - waitedMs && waitedMs < rateLimitWaitMs ? `the API asks for ${formatDuration(asked)} more` : `still throttled after waiting ${formatDuration(waitedMs)}`;
          return { ...ended(result), reason: `${result.reason}; ${why}, beyond rate-limit-wait ${formatDuration(rateLimitWaitMs)}` };
        }
        throttledAt = performance.now();
        attempt--;
      }
    }
    tries = options.retries + 1;
    return ended(last!);
  };

  await Promise.all(
    options.lanes.map(async (lane) => {
      for (const mapping of lane.files) {
        // runAttempt keeps its own errors; this is the last net, so one file can never take the run down.
        finish(await runFile(mapping.file, mapping.cassettes).catch((error: Error) => internalFailure(mapping.file, error)));
      }
    }),
  );
  await rerunSuspects(results, options, async (file) => {
    const cassettes = options.lanes.flatMap((lane) => lane.files).find((mapping) => mapping.file === file)?.cassettes ?? [];
    return runFile(file, cassettes).catch((error: Error) => internalFailure(file, error));
  });
  await checkpoints;
  return results;
}

/**
 * A test without a record hook that failed while another file's cassette changed may have written
 * it: nothing tells whose bytes that file kept. Once every file has ended, each such file that
 * passed and kept the cassette gets it back as the run found it and runs again, so what it keeps is
 * its own: all of them at once first (as many as the workers allow); any that a failing re-run may
 * have written to again then run one at a time, alone. A result is the new run's, saying why.
 */
async function rerunSuspects(results: FileResult[], options: ExecuteOptions, rerun: (file: string) => Promise<FileResult>): Promise<void> {
  const together = await rerunRound(results, results, options, rerun, (tasks) => Promise.all(tasks.map((task) => task())));
  await rerunRound(results, together, options, rerun, async (tasks) => {
    for (const task of tasks) await task();
  });
}

/** One round: the suspects `from` names, put back and run again by `schedule`; returns their new results. */
async function rerunRound(
  results: FileResult[],
  from: readonly FileResult[],
  options: ExecuteOptions,
  rerun: (file: string) => Promise<FileResult>,
  schedule: (tasks: Array<() => Promise<void>>) => Promise<unknown>,
): Promise<FileResult[]> {
  const { vault, watch, signal, workingDirectory } = options.attempt;
  const shown = (cassettes: readonly string[]) => cassettes.map((cassette) => path.relative(workingDirectory, cassette).split(path.sep).join('/')).join(', ');
  const again: FileResult[] = [];
  const tasks: Array<() => Promise<void>> = [];
  for (const [file, suspect] of suspectsOf(from)) {
    const index = results.findIndex((result) => result.file === file);
    const first = results[index];
    const kept = [...suspect.cassettes].filter((cassette) => first?.status === 'succeeded' && first.keptHashes?.has(cassette));
    if (!first || kept.length === 0 || signal.aborted) continue;
    for (const cassette of kept) await vault.putBack(vault.baselineOf(cassette) ?? { path: cassette, kind: 'absent' });
    await watch?.accept(kept);
    const why = `ran again: ${shown(kept)} changed while ${[...suspect.writers].sort().join(', ')} (no record hook) ran alongside and failed, so the bytes first kept may have been that test's`;
    tasks.push(async () => {
      const result = await rerun(file);
      results[index] = { ...result, attempts: first.attempts + result.attempts, durationMs: first.durationMs + result.durationMs, warnings: [why, ...result.warnings] };
      again.push(result);
      options.onFileRerun?.(results[index]!);
    });
  }
  await schedule(tasks);
  return again;
}

/** Per file: which of its cassettes a failing file without a hook may have written, and which files those were. */
function suspectsOf(results: readonly FileResult[]): Map<string, { cassettes: Set<string>; writers: Set<string> }> {
  const suspects = new Map<string, { cassettes: Set<string>; writers: Set<string> }>();
  for (const result of results) {
    for (const { cassette, files } of result.mayHaveWritten ?? []) {
      for (const file of files) {
        const suspect = suspects.get(file) ?? { cassettes: new Set(), writers: new Set() };
        suspect.cassettes.add(cassette);
        suspect.writers.add(result.file);
        suspects.set(file, suspect);
      }
    }
  }
  return suspects;
}

/**
 * A checkpoint writes every selected file, so writing one after every batch would cost files x
 * files / batch-size in all: the next one waits until ten times as long as the last one took has
 * passed, which keeps checkpoints under a tenth of the run whatever its size.
 */
function checkpointPacer() {
  let writing = false;
  let nextAt = 0;
  return {
    due: () => !writing && performance.now() >= nextAt,
    async write(task: () => Promise<void>): Promise<void> {
      writing = true;
      const from = performance.now();
      try {
        await task();
      } finally {
        const took = performance.now() - from;
        nextAt = performance.now() + CHECKPOINT_SPACING * took;
        writing = false;
      }
    },
  };
}

const CHECKPOINT_SPACING = 10;

/** Set once the first `count` files all failed with one environment error: running the rest cannot help. */
function sameEnvironmentError(ended: ReadonlyArray<string | undefined>, count: number): string | undefined {
  if (count === 0 || ended.length < count) return undefined;
  const error = ended[0];
  if (error === undefined || !ended.slice(0, count).every((other) => other === error)) return undefined;
  return `the first ${count} file(s) all failed with the same environment error (${error}); fix the environment and re-run`;
}

function internalFailure(file: string, error: Error): FileResult {
  return { ...notRun(file), status: 'failed', reason: `internal error: ${error.message}` };
}

function toFileResult(file: string, attempt: AttemptResult, attempts: number, durationMs: number): FileResult {
  return {
    file,
    status: attempt.succeeded ? 'succeeded' : 'failed',
    attempts,
    durationMs,
    exitCode: attempt.exitCode,
    reason: attempt.reason,
    output: attempt.output,
    cassettes: attempt.cassettes,
    journaled: attempt.journaled,
    drift: attempt.drift,
    warnings: attempt.warnings,
    keptHashes: attempt.keptHashes,
    unrestored: attempt.unrestored,
    foreign: attempt.foreign,
    mayHaveWritten: attempt.mayHaveWritten,
    verified: attempt.verified,
    // What its kept recordings hold: a learn-noise probe's requests counted against the budget only.
    requests: attempt.requests - (attempt.probeRequests ?? 0),
    environmentError: attempt.environmentError,
    ...(attempt.learnedNoise ? { learnedNoise: attempt.learnedNoise } : {}),
  };
}

export function notRun(file: string): FileResult {
  return { file, status: 'not-run', attempts: 0, durationMs: 0, exitCode: null, reason: 'not run: the run was interrupted', output: '', cassettes: [], journaled: undefined, drift: [], warnings: [] };
}
