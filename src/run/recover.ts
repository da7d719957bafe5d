// Puts back what a dead run had in flight. Run by `rerecord recover` and by every command that may
// write (never by plan, audit or diff, which only say that a dead run needs it), for each run
// folder in the vault whose own process is gone (judged by its pid and start stamp, never by the
// lock, which anyone may delete): unsettled attempts are restored from their own snapshots and hook
// backups, files the dead run changed or created without keeping them go back to the run's
// baseline, and anything removed from the tree on the way is moved into .rerecord/recovered/<run>/,
// never deleted.
//
// Only what is still as the dead run left it is put back. Its reaper writes down when the run and
// every test process stopped (else its last heartbeat tells, roughly): a cassette changed after
// that was changed by someone since (a checkout, a hand edit) and is left alone, named, with the
// bytes from before the dead run kept beside in .rerecord/recovered/<run>/. A cassette that is
// gone cannot tell when it went: it is put back (a deletion is undone rather than a recording lost).
// Nothing is ever lost either way: whatever a recovery replaces is moved into recovered/ first.
import type { Stats } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, readlink, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isConfined, isInsideLexically, projectRelative, RECOVERED_DIR } from '../state/paths.js';
import { listRunFolders, readRunFolder, removeFolder, runEndedAt, runLiveness, type RunFolderContents, type RunRecord, type SavedState } from '../state/transactions.js';
import { legacyTransactionsRoot } from '../state/vault-location.js';
import { asideName, confinedLstat, confinedMoveInto, confinedSha256, inFolderOf, sha256File } from './confined-files.js';
import { readJournal, type JournalEntry } from './journal.js';
import { sleep } from './sleep.js';
import { scanTree } from './tree-watch.js';
import { originalState, restoreState } from './vault.js';

export interface RecoveredFile {
  cassette: string;
  /** `left`: changed since the dead run ended, so not the dead run's doing: left as it is. */
  action: 'restored' | 'removed' | 'moved-aside' | 'left';
  /** Where the dead run's version went (restored and moved-aside files). */
  movedTo?: string;
  /** For a file left alone: where its bytes from before the dead run were put. */
  originalAt?: string;
}

export interface RecoveryReport {
  runs: string[];
  files: RecoveredFile[];
  /** Paths that could not be put back: their run folder is kept for another try. */
  failed: Array<{ cassette: string; error: string }>;
  /** Run folders left alone because the run that owns them still runs. */
  live: Array<{ folder: string; why: string }>;
  /** When each recovered run ended (ISO), when known. */
  endedAt?: string[];
}

export function emptyReport(): RecoveryReport {
  return { runs: [], files: [], failed: [], live: [] };
}

/** How long to wait for a dead run's reaper to finish stopping its tests before judging what they left. */
const REAPER_WAIT_MS = 15_000;

export interface DeadRun {
  folder: string;
  record: RunRecord | undefined;
  /** Unsettled attempts: files in flight when it died. */
  inFlight: number;
}

/** The run folders of this project whose run is gone (what `rerecord recover` would recover), and the live ones. */
export async function findRuns(workingDirectory: string, vault: string): Promise<{ dead: DeadRun[]; live: RecoveryReport['live'] }> {
  const root = vault;
  const dead: DeadRun[] = [];
  const live: RecoveryReport['live'] = [];
  for (const folder of await listRunFolders(root, workingDirectory)) {
    const run = await readRunFolder(folder);
    const liveness = await runLiveness(folder, run.record);
    if (liveness.live) live.push({ folder, why: liveness.why });
    else dead.push({ folder, record: run.record, inFlight: run.attempts.filter((attempt) => attempt.intent).length });
  }
  return { dead, live };
}

export async function recoverDeadRuns(workingDirectory: string, vault: string): Promise<RecoveryReport> {
  const root = vault;
  const report = emptyReport();
  for (const folder of await listRunFolders(root, workingDirectory)) {
    let run = await readRunFolder(folder);
    let liveness = await runLiveness(folder, run.record);
    // Killed a moment ago: its reaper is still stopping its tests, which may still write. Wait for it.
    for (const until = Date.now() + REAPER_WAIT_MS; liveness.live && liveness.reaping && Date.now() < until; ) {
      await sleep(50);
      run = await readRunFolder(folder);
      liveness = await runLiveness(folder, run.record);
    }
    if (liveness.live) {
      report.live.push({ folder, why: liveness.why });
      continue;
    }
    await recoverInto(workingDirectory, run, await runEndedAt(folder), report);
  }
  await removeAbandonedStarts(root);
  await rmdir(legacyTransactionsRoot(workingDirectory)).catch(() => undefined);
  if (await rmdir(root).then(() => true, () => false)) await rmdir(path.dirname(root)).catch(() => undefined);
  return report;
}

/** A run that died while making its folder aside (`.<id>`) had nothing in flight yet: its start goes. */
async function removeAbandonedStarts(root: string): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((candidate) => candidate.isDirectory() && candidate.name.startsWith('.'))) {
    const folder = path.join(root, entry.name);
    const record = await readFile(path.join(folder, 'run.json'), 'utf8').then((text) => JSON.parse(text) as RunRecord, () => undefined);
    // Unreadable: being written this very moment, or torn; only a record that says who is judged.
    if (record && !(await runLiveness(folder, record)).live) await removeFolder(folder);
  }
}

/** One run's folder: this run's own after a fatal error (everything in it is this run's doing). */
export async function recoverRunFolder(workingDirectory: string, folder: string): Promise<RecoveryReport> {
  const report = emptyReport();
  await recoverInto(workingDirectory, await readRunFolder(folder), Number.POSITIVE_INFINITY, report);
  return report;
}

async function recoverInto(workingDirectory: string, run: RunFolderContents, endedAt: number, report: RecoveryReport): Promise<void> {
  const before = report.failed.length;
  await recoverRun(workingDirectory, run, endedAt, report);
  report.runs.push(path.basename(run.folder));
  if (Number.isFinite(endedAt)) (report.endedAt ??= []).push(new Date(endedAt).toISOString());
  if (report.failed.length === before) await removeFolder(run.folder);
}

async function recoverRun(workingDirectory: string, run: RunFolderContents, endedAt: number, report: RecoveryReport): Promise<void> {
  const recovered = path.join(workingDirectory, RECOVERED_DIR, path.basename(run.folder));
  const relative = (file: string) => projectRelative(workingDirectory, file);
  // Paths from the folder are only taken when they name a place inside the project (outside .git/
  // and .rerecord/); whether their folder still leads there is checked as each is acted on.
  const inBounds = (file: string) => isInsideLexically(workingDirectory, file);
  const baseline = new Map(run.baseline.filter((state) => inBounds(state.path) && copyInside(state, run.folder)).map((state) => [state.path, state]));
  const kept = new Set(run.settled.flatMap((settlement) => settlement.kept));
  const startedAt = run.record ? Date.parse(run.record.startedAt) : Number.NaN;

  // Every path the dead run may have left otherwise than it found it, with the state to put back:
  // an attempt's own original first (the earliest attempt's, when two touched one file).
  const candidates = new Map<string, SavedState>();
  for (const attempt of run.attempts) {
    if (!attempt.intent) continue; // died before its child started: nothing was touched
    const snapshots = new Map(attempt.intent.saved.filter((state) => inBounds(state.path) && copyInside(state, attempt.folder)).map((state) => [state.path, state]));
    const journal = (await readJournal(attempt.hookJournal)).filter((entry) => inBounds(entry.cassette) && backupInside(entry, attempt.folder));
    for (const cassette of new Set([...snapshots.keys(), ...journal.map((entry) => entry.cassette)])) {
      if (!candidates.has(cassette)) candidates.set(cassette, originalState(cassette, snapshots, journal, (file) => baseline.get(file)));
    }
  }
  // What the dead run changed that no attempt named and none kept: back to the baseline.
  for (const [file, saved] of baseline) if (!kept.has(file) && !candidates.has(file)) candidates.set(file, saved);
  // Files it created that nobody named (when it is known when it started). A watched folder that
  // now leads elsewhere is not looked into.
  const roots = Number.isNaN(startedAt) ? [] : (run.record?.roots ?? []).filter((root) => isConfined(workingDirectory, path.join(root, 'x')));
  const { state: now } = await scanTree(roots);
  for (const file of now.keys()) {
    if (kept.has(file) || candidates.has(file) || !inBounds(file)) continue;
    candidates.set(file, { path: file, kind: 'absent' });
  }

  for (const [file, original] of candidates) {
    try {
      const outcome = await settle(workingDirectory, original, { startedAt, endedAt, recovered });
      if (outcome) report.files.push({ ...outcome, cassette: relative(file), movedTo: outcome.movedTo && relative(outcome.movedTo), originalAt: outcome.originalAt && relative(outcome.originalAt) });
    } catch (error) {
      report.failed.push({ cassette: relative(file), error: (error as Error).message });
    }
  }
}

/**
 * Decides one path: as the run found it (nothing to do); changed after the run ended (left alone,
 * its original kept beside); else the dead run's version is moved aside and the original put back.
 */
async function settle(root: string, original: SavedState, times: { startedAt: number; endedAt: number; recovered: string }): Promise<Omit<RecoveredFile, 'cassette'> | undefined> {
  const file = original.path;
  const info = await confinedLstat(root, file);
  // Untouched since before the run began (a change always moves ctime): as the run found it.
  if (info && lastChange(info) < times.startedAt - 1000) return undefined;
  if (original.kind === 'absent' && !info) return undefined;
  if (await stillOriginal(root, original, info)) return undefined;
  if (info && lastChange(info) > times.endedAt) {
    return { action: 'left', originalAt: original.kind === 'file' ? await keepBeside(original, times.recovered) : undefined };
  }
  const movedTo = info ? await confinedMoveInto(root, file, times.recovered) : undefined;
  if (original.kind === 'absent') return movedTo ? { action: 'moved-aside', movedTo } : undefined;
  await restoreState(original, { root, recovered: times.recovered });
  return { action: 'restored', movedTo };
}

async function stillOriginal(root: string, original: SavedState, info: Stats | undefined): Promise<boolean> {
  if (!info) return original.kind === 'absent';
  if (original.kind === 'symlink') return info.isSymbolicLink() && (await inFolderOf(root, original.path, (at, name) => readlink(at(name)))) === original.link;
  if (original.kind !== 'file' || !info.isFile()) return false;
  const expected = original.sha256 ?? (await sha256File(original.copy!).catch(() => undefined));
  return expected !== undefined && (await confinedSha256(root, original.path)) === expected;
}

/** A copy of the bytes from before the dead run, beside what replaced them, for a person to compare. */
async function keepBeside(original: SavedState, recovered: string): Promise<string | undefined> {
  const target = path.join(recovered, asideName(`before-${path.basename(original.path)}`));
  await mkdir(recovered, { recursive: true });
  return copyFile(original.copy!, target).then(
    () => target,
    () => undefined,
  );
}

function lastChange(info: Stats): number {
  return Math.max(info.ctimeMs, info.mtimeMs);
}

/** A journal or intent may only point at copies inside its own transaction folder. */
function copyInside(state: SavedState, folder: string): boolean {
  return state.kind !== 'file' || (state.copy !== undefined && isInside(state.copy, folder));
}

function backupInside(entry: JournalEntry, folder: string): boolean {
  return entry.backup === null || isInside(entry.backup, folder);
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, path.resolve(folder, file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
