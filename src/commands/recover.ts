// Every command that may touch cassettes starts here: take the project's lock (a live holder is
// exit 2, naming it), put back what a dead run left in flight, then do the work and release.
// `rerecord recover` is this and nothing else. Commands that only read (plan, audit) never put
// anything back: they say that a dead run needs `rerecord recover`, and go on reading.
import { ConfigError } from '../config/errors.js';
import type { Logger } from '../report/logger.js';
import { emptyReport, findRuns, recoverDeadRuns, type DeadRun, type RecoveryReport } from '../run/recover.js';
import { describeHolder, liveHolder, RunLock, type LockHolder } from '../state/lock.js';
import { OwnFileError, ownPathProblems } from '../state/own-files.js';
import { OWN_PATHS } from '../state/paths.js';
import { vaultRoot } from '../state/vault-location.js';
import type { InheritedEnvironment } from '../config/runner-context.js';
import { countOf } from '../text/format.js';

export interface RecoveryNotice {
  staleLock: LockHolder | undefined;
  report: RecoveryReport;
}

/**
 * `read`: never locks, never recovers (plan, audit). `plan`: a run's planning, which recovers a
 * dead run first (under the lock) if there is one. `write`: under the lock, after recovery; refused
 * while another run still works in the project, even one whose lock file was deleted.
 */
export type ProjectAccess = 'read' | 'plan' | 'write';

export async function withProjectLock<T>(
  workingDirectory: string,
  command: string,
  logger: Logger,
  work: (recovery: RecoveryNotice | undefined) => Promise<T>,
  options: { access?: ProjectAccess; inherited: InheritedEnvironment },
): Promise<T> {
  // rerecord's own folder and files are what rerecord made, or the command stops before touching anything.
  const problems = await ownPathProblems(workingDirectory, OWN_PATHS);
  if (problems.length > 0) throw new ConfigError(problems);
  const access = options.access ?? 'write';
  // Resolved once, before any test can run: where this project's transactions live.
  const vault = await vaultRoot(workingDirectory, options.inherited);
  if (access === 'read') {
    const { dead } = await findRuns(workingDirectory, vault);
    for (const line of deadRunLines(dead)) logger.warning(line);
    // Reading beside a live run is allowed; what is read may be mid-re-record, and the reader should know.
    const running = await liveHolder(workingDirectory);
    if (running) logger.warning(`${describeHolder(running)} is re-recording in ${workingDirectory} now: ${command} reads the cassettes as they are at this moment, some may be mid-re-record`);
    return work(undefined);
  }
  if (access === 'plan' && (await findRuns(workingDirectory, vault)).dead.length === 0) return work(undefined);
  const attempt = await RunLock.acquire(workingDirectory, command).catch((error: Error) => {
    throw error instanceof OwnFileError ? new ConfigError([error.message]) : error;
  });
  if (!attempt.taken) {
    throw new ConfigError([`another rerecord is running in ${workingDirectory}: ${describeHolder(attempt.holder)}; wait for it to finish (or, if that process is gone, delete .rerecord/lock)`]);
  }
  try {
    const recovery = await recoverIfNeeded(workingDirectory, vault, attempt.stale, logger);
    const live = recovery?.report.live ?? [];
    if (live.length > 0 && command !== 'recover') {
      throw new ConfigError([`another rerecord is running in ${workingDirectory} (its lock file was removed, but its transaction is live): ${live.map((run) => run.why).join('; ')}; wait for it to finish`]);
    }
    return await work(recovery);
  } finally {
    await attempt.lock.release();
  }
}

async function recoverIfNeeded(workingDirectory: string, vault: string, staleLock: LockHolder | undefined, logger: Logger): Promise<RecoveryNotice | undefined> {
  const runs = await findRuns(workingDirectory, vault);
  if (runs.dead.length === 0) {
    if (staleLock) logger.warning(`took over a stale lock left by ${describeHolder(staleLock)}; it had nothing in flight`);
    if (!staleLock && runs.live.length === 0) return undefined;
    return { staleLock, report: { ...emptyReport(), live: runs.live } };
  }
  const report = await recoverDeadRuns(workingDirectory, vault);
  for (const line of recoveryLines({ staleLock, report })) logger.warning(line);
  if (report.failed.length > 0) {
    throw new Error(
      `could not recover every cassette a dead run left in flight: ${report.failed.map((f) => `${f.cassette} (${f.error})`).join(', ')}; ` +
        `what it saved stays in ${vault}: fix the cause, then run \`rerecord recover\``,
    );
  }
  return { staleLock, report };
}

/** For `diff`, which reads cassettes without a project lock: what a dead run in the current folder left. */
export async function deadRunWarnings(workingDirectory: string, inherited: InheritedEnvironment): Promise<string[]> {
  return deadRunLines((await findRuns(workingDirectory, await vaultRoot(workingDirectory, inherited))).dead);
}

/** What a read-only command says about dead runs it leaves alone. */
export function deadRunLines(dead: readonly DeadRun[]): string[] {
  return dead.map((run) => {
    const who = run.record ? `rerecord ${run.record.id} (pid ${run.record.pid} on ${run.record.host}, started ${run.record.startedAt})` : 'an interrupted rerecord run';
    const inFlight = run.inFlight > 0 ? `${run.inFlight} test file(s) in flight` : 'files it may have changed';
    return `${who} died with ${inFlight}; nothing was put back (this command only reads, and may be reading what it left half-written): run \`rerecord recover\` (what it saved is in ${run.folder})`;
  });
}

export function recoveryLines(notice: RecoveryNotice): string[] {
  const lines: string[] = [];
  const { report } = notice;
  const who = notice.staleLock ? ` (${describeHolder(notice.staleLock)}, no longer running)` : '';
  const putBack = report.files.filter((file) => file.action !== 'left').length;
  if (report.runs.length > 0) lines.push(`recovered ${countOf(report.runs.length, 'interrupted run')}${who}: ${countOf(putBack, 'file')} put back`);
  for (const file of report.files) {
    if (file.action === 'left') {
      const ended = report.endedAt?.length ? ` (it ended at ${report.endedAt.join(', ')})` : '';
      lines.push(`  left ${file.cassette} as it is: changed after the interrupted run ended${ended}, so by someone since${file.originalAt ? `; its bytes from before that run are in ${file.originalAt}` : ''}`);
      continue;
    }
    lines.push(`  ${file.action} ${file.cassette}${file.movedTo ? ` (its unkept version moved to ${file.movedTo})` : ''}`);
  }
  for (const failure of report.failed) lines.push(`  could not recover ${failure.cassette}: ${failure.error}`);
  for (const run of report.live) lines.push(`  left alone the transaction in ${run.folder}: ${run.why}`);
  return lines;
}

/** `rerecord recover`: only the recovery, under the lock. */
export async function recoverCommand(workingDirectory: string, inherited: InheritedEnvironment, logger: Logger): Promise<RecoveryNotice> {
  return withProjectLock(workingDirectory, 'recover', logger, async (recovery) => recovery ?? { staleLock: undefined, report: emptyReport() }, { inherited });
}
