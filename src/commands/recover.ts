// Every command that may touch cassettes starts here: take the project's lock (a live holder is
// exit 2, naming it), put back what a dead run left in flight, then do the work and release.
// `rerecord recover` is this and nothing else.
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../report/logger.js';
import { recoverDeadRuns, type RecoveryReport } from '../run/recover.js';
import { describeHolder, RunLock, type LockHolder } from '../state/lock.js';
import { OwnFileError, ownPathProblems } from '../state/own-files.js';
import { OWN_PATHS } from '../state/paths.js';
import { listRunFolders } from '../state/transactions.js';

export interface RecoveryNotice {
  staleLock: LockHolder | undefined;
  report: RecoveryReport;
}

export async function withProjectLock<T>(
  workingDirectory: string,
  command: string,
  logger: Logger,
  work: (recovery: RecoveryNotice | undefined) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  // rerecord's own folder and files are what rerecord made, or the command stops before touching anything.
  const problems = await ownPathProblems(workingDirectory, OWN_PATHS);
  if (problems.length > 0) throw new ConfigError(problems);
  // A read-only command (plan, audit) writes nothing unless a dead run left something to put back.
  if (options.readOnly && (await listRunFolders(workingDirectory)).length === 0) return work(undefined);
  const attempt = await RunLock.acquire(workingDirectory, command).catch((error: Error) => {
    throw error instanceof OwnFileError ? new ConfigError([error.message]) : error;
  });
  if (!attempt.taken) {
    throw new ConfigError([`another rerecord is running in ${workingDirectory}: ${describeHolder(attempt.holder)}; wait for it to finish (or, if that process is gone, delete .rerecord/lock)`]);
  }
  try {
    const recovery = await recoverIfNeeded(workingDirectory, attempt.stale, logger);
    return await work(recovery);
  } finally {
    await attempt.lock.release();
  }
}

async function recoverIfNeeded(workingDirectory: string, staleLock: LockHolder | undefined, logger: Logger): Promise<RecoveryNotice | undefined> {
  if ((await listRunFolders(workingDirectory)).length === 0) {
    if (staleLock) logger.warning(`took over a stale lock left by ${describeHolder(staleLock)}; it had nothing in flight`);
    return staleLock ? { staleLock, report: { runs: [], files: [], failed: [] } } : undefined;
  }
  const report = await recoverDeadRuns(workingDirectory);
  for (const line of recoveryLines({ staleLock, report })) logger.warning(line);
  if (report.failed.length > 0) {
    throw new Error(`could not recover every cassette a dead run left in flight: ${report.failed.map((f) => `${f.cassette} (${f.error})`).join(', ')}; fix the cause, then run rerecord recover`);
  }
  return { staleLock, report };
}

export function recoveryLines(notice: RecoveryNotice): string[] {
  const lines: string[] = [];
  const who = notice.staleLock ? ` (${describeHolder(notice.staleLock)}, no longer running)` : '';
  if (notice.report.runs.length > 0) lines.push(`recovered ${notice.report.runs.length} interrupted run(s)${who}: ${notice.report.files.length} file(s) put back`);
  for (const file of notice.report.files) {
    lines.push(`  ${file.action} ${file.cassette}${file.movedTo ? ` (its unkept version moved to ${file.movedTo})` : ''}`);
  }
  for (const failure of notice.report.failed) lines.push(`  could not recover ${failure.cassette}: ${failure.error}`);
  return lines;
}

/** `rerecord recover`: only the recovery, under the lock. */
export async function recoverCommand(workingDirectory: string, logger: Logger): Promise<RecoveryNotice> {
  return withProjectLock(workingDirectory, 'recover', logger, async (recovery) => recovery ?? { staleLock: undefined, report: { runs: [], files: [], failed: [] } });
}
