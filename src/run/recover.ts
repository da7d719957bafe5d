// Puts back what a dead run had in flight. Run before anything else by every command that finds a
// transaction folder whose owner no longer holds the lock (and by `rerecord recover` alone):
// unsettled attempts are restored from their own snapshots and hook backups, files the dead run
// changed or created without keeping them go back to the run's baseline, and anything removed
// from the tree on the way is moved into .rerecord/recovered/<run>/, never deleted.
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isConfined, projectRelative, RECOVERED_DIR } from '../state/paths.js';
import { listRunFolders, readRunFolder, removeFolder, transactionsRoot, type RunFolderContents, type SavedState } from '../state/transactions.js';
import { readJournal, type JournalEntry } from './journal.js';
import { scanTree } from './tree-watch.js';
import { originalState, restoreState, sha256File } from './vault.js';

export interface RecoveredFile {
  cassette: string;
  action: 'restored' | 'removed' | 'moved-aside';
  /** Where the dead run's version went, for moved-aside files. */
  movedTo?: string;
}

export interface RecoveryReport {
  runs: string[];
  files: RecoveredFile[];
  /** Paths that could not be put back: their run folder is kept for another try. */
  failed: Array<{ cassette: string; error: string }>;
}

export async function recoverDeadRuns(workingDirectory: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { runs: [], files: [], failed: [] };
  for (const folder of await listRunFolders(workingDirectory)) await recoverInto(workingDirectory, folder, report);
  await rmdir(transactionsRoot(workingDirectory)).catch(() => undefined);
  return report;
}

/** One run's folder: a dead run's, or this run's own after a fatal error. */
export async function recoverRunFolder(workingDirectory: string, folder: string): Promise<RecoveryReport> {
  const report: RecoveryReport = { runs: [], files: [], failed: [] };
  await recoverInto(workingDirectory, folder, report);
  return report;
}

async function recoverInto(workingDirectory: string, folder: string, report: RecoveryReport): Promise<void> {
  const before = report.failed.length;
  await recoverRun(workingDirectory, await readRunFolder(folder), report);
  report.runs.push(path.basename(folder));
  if (report.failed.length === before) await removeFolder(folder);
}

async function recoverRun(workingDirectory: string, run: RunFolderContents, report: RecoveryReport): Promise<void> {
  const runId = path.basename(run.folder);
  const recovered = path.join(workingDirectory, RECOVERED_DIR, runId);
  const relative = (file: string) => projectRelative(workingDirectory, file);
  const inBounds = (file: string) => isConfined(workingDirectory, file);
  const baseline = new Map(run.baseline.filter((state) => inBounds(state.path) && copyInside(state, run.folder)).map((state) => [state.path, state]));
  const kept = new Set(run.settled.flatMap((settlement) => settlement.kept));
  const handled = new Set<string>();

  const restore = async (state: SavedState, action: RecoveredFile['action']) => {
    handled.add(state.path);
    try {
      await restoreState(state, recovered);
      report.files.push({ cassette: relative(state.path), action });
    } catch (error) {
      report.failed.push({ cassette: relative(state.path), error: (error as Error).message });
    }
  };

  for (const attempt of run.attempts) {
    if (!attempt.intent) continue; // died before its child started: nothing was touched
    const snapshots = new Map(attempt.intent.saved.filter((state) => inBounds(state.path) && copyInside(state, attempt.folder)).map((state) => [state.path, state]));
    const journal = (await readJournal(attempt.hookJournal)).filter((entry) => inBounds(entry.cassette) && backupInside(entry, attempt.folder));
    const touched = new Set([...snapshots.keys(), ...journal.map((entry) => entry.cassette)]);
    for (const cassette of touched) {
      const original = originalState(cassette, snapshots, journal, (file) => baseline.get(file));
      await restore(original, original.kind === 'absent' ? 'removed' : 'restored');
    }
  }

  // What the dead run changed that no attempt named and none kept: back to the baseline.
  const { state: now } = await scanTree(run.record?.roots.filter(inBounds) ?? []);
  for (const [file, saved] of baseline) {
    if (handled.has(file) || kept.has(file)) continue;
    if (await matches(saved)) continue;
    const movedTo = await moveAside(file, recovered);
    await restore(saved, 'restored');
    if (movedTo) report.files[report.files.length - 1] = { cassette: relative(file), action: 'restored', movedTo: relative(movedTo) };
  }
  const startedAt = run.record ? Date.parse(run.record.startedAt) : Number.NaN;
  for (const file of now.keys()) {
    if (handled.has(file) || kept.has(file) || baseline.has(file) || !inBounds(file)) continue;
    if (!(await changedSince(file, startedAt))) continue;
    try {
      const movedTo = await moveAside(file, recovered);
      report.files.push({ cassette: relative(file), action: 'moved-aside', movedTo: movedTo && relative(movedTo) });
    } catch (error) {
      report.failed.push({ cassette: relative(file), error: (error as Error).message });
    }
  }
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

async function matches(state: SavedState): Promise<boolean> {
  const info = await lstat(state.path).catch(() => undefined);
  if (!info) return false;
  if (state.kind === 'symlink') return info.isSymbolicLink();
  return info.isFile() && state.sha256 !== undefined && (await sha256File(state.path)) === state.sha256;
}

async function changedSince(file: string, startedAt: number): Promise<boolean> {
  if (Number.isNaN(startedAt)) return false;
  const info = await lstat(file).catch(() => undefined);
  return info !== undefined && Math.max(info.mtimeMs, info.ctimeMs) >= startedAt - 1000;
}

/** Keep the dead run's version where a person can look at it; undefined when there was nothing there. */
async function moveAside(file: string, recovered: string): Promise<string | undefined> {
  const info = await lstat(file).catch(() => undefined);
  if (!info) return undefined;
  const target = path.join(recovered, `${randomBytes(3).toString('hex')}-${path.basename(file)}`);
  await mkdir(recovered, { recursive: true });
  try {
    await rename(file, target);
  } catch {
    // Another filesystem: copy, and let the restore that follows replace the original.
    await copyFile(file, target);
  }
  return target;
}
