// Keeps the original bytes of every cassette a run may touch, inside the project, durably, and
// puts them back exactly. Three layers, each a fallback for the next:
// - the run's baseline: every cassette-like file under the watched folders, copied at the start;
// - each attempt's snapshot of the cassettes it is known to use, taken right before its child starts;
// - the record hook's own backups of anything else it opens (journaled before it deletes).
// Restore prefers the attempt's snapshot (it predates the child and follows earlier keeps), then
// the hook's backup, then the baseline.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, rename, rm, rmdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { RECOVERED_DIR } from '../state/paths.js';
import {
  appendDurably,
  removeFolder,
  runRecord,
  transactionsRoot,
  writeDurably,
  newRunId,
  type AttemptIntent,
  type SavedState,
  type Settlement,
} from '../state/transactions.js';
import type { JournalEntry } from './journal.js';

export class Vault {
  private sequence = 0;
  private readonly baselineByPath: Map<string, SavedState>;

  private constructor(
    readonly workingDirectory: string,
    readonly id: string,
    readonly folder: string,
    baseline: readonly SavedState[],
  ) {
    this.baselineByPath = new Map(baseline.map((state) => [state.path, state]));
  }

  /** Start a run's transaction: its record, then a baseline of `files` (absolute, cassette-like, under the watched `roots`). */
  static async create(workingDirectory: string, roots: readonly string[], files: readonly string[]): Promise<Vault> {
    const id = newRunId();
    const folder = path.join(transactionsRoot(workingDirectory), id);
    await mkdir(path.join(folder, 'baseline'), { recursive: true });
    await writeDurably(path.join(folder, 'run.json'), `${JSON.stringify(runRecord(id, roots))}\n`);
    const baseline: SavedState[] = [];
    const lines: string[] = [];
    for (const [index, file] of files.entries()) {
      // A FIFO or socket in a cassette folder is nobody's recording: the attempt that names it fails on its own.
      const state = await saveState(file, path.join(folder, 'baseline', String(index))).catch(() => undefined);
      if (!state || state.kind === 'absent') continue;
      baseline.push(state);
      lines.push(JSON.stringify(state));
    }
    await writeDurably(path.join(folder, 'baseline.jsonl'), lines.length > 0 ? `${lines.join('\n')}\n` : '');
    return new Vault(workingDirectory, id, folder, baseline);
  }

  baselineOf(file: string): SavedState | undefined {
    return this.baselineByPath.get(file);
  }

  async openAttempt(file: string): Promise<AttemptVault> {
    const dir = path.join(this.folder, `attempt-${String(++this.sequence).padStart(5, '0')}`);
    await mkdir(path.join(dir, 'backup'), { recursive: true });
    await mkdir(path.join(dir, 'snapshot'), { recursive: true });
    return new AttemptVault(this, dir, file);
  }

  /** The run is over and every attempt settled: nothing is left to recover. */
  async dispose(): Promise<void> {
    await removeFolder(this.folder);
    // The parent goes too when no other run's folder is in it: a finished run leaves nothing behind.
    await rmdir(path.dirname(this.folder)).catch(() => undefined);
  }

  async recordSettlement(settlement: Settlement): Promise<void> {
    await appendDurably(path.join(this.folder, 'settled.jsonl'), JSON.stringify(settlement));
  }

  recoveredFolder(): string {
    return path.join(this.workingDirectory, RECOVERED_DIR, this.id);
  }
}

export class AttemptVault {
  readonly journal: string;
  readonly backupDirectory: string;
  private readonly snapshots = new Map<string, SavedState>();

  constructor(
    private readonly run: Vault,
    readonly dir: string,
    readonly file: string,
  ) {
    this.journal = path.join(dir, 'hook-journal.jsonl');
    this.backupDirectory = path.join(dir, 'backup');
  }

  /** Save each cassette before the child runs, then write the intent durably: from here on a crash is recoverable. */
  async snapshot(cassettes: readonly string[]): Promise<void> {
    for (const cassette of cassettes) {
      if (this.snapshots.has(cassette)) continue;
      const copy = path.join(this.dir, 'snapshot', `${this.snapshots.size}-${path.basename(cassette)}`);
      this.snapshots.set(cassette, await saveState(cassette, copy));
    }
    const intent: AttemptIntent = { file: this.file, startedAt: new Date().toISOString(), saved: [...this.snapshots.values()] };
    await writeDurably(path.join(this.dir, 'intent.json'), `${JSON.stringify(intent)}\n`);
  }

  /** For frameworks without a record hook: remove the snapshotted cassettes so the run records afresh. */
  async moveAside(): Promise<void> {
    for (const state of this.snapshots.values()) if (state.kind !== 'absent') await rm(state.path, { force: true });
  }

  /** The state a cassette had before this attempt: its snapshot, else the hook's backup, else the run's baseline. */
  originalOf(cassette: string, journal: readonly JournalEntry[]): SavedState {
    return originalState(cassette, this.snapshots, journal, (file) => this.run.baselineOf(file));
  }

  /** Every cassette this attempt may have touched: the snapshot's and the journal's, plus any the caller names. */
  touched(journal: readonly JournalEntry[], extra: readonly string[] = []): string[] {
    return [...new Set([...this.snapshots.keys(), ...journal.map((entry) => entry.cassette), ...extra])];
  }

  /**
   * Put every touched cassette back byte for byte (a symlink as the same symlink); what did not
   * exist before is removed. Goes on past a failure and reports every path it could not restore.
   */
  async restore(journal: readonly JournalEntry[], extra: readonly string[] = [], fromBaseline: ReadonlySet<string> = new Set()): Promise<RestoreReport> {
    const report: RestoreReport = { restored: [], failed: [] };
    for (const cassette of this.touched(journal, extra)) {
      // A cassette another file wrote at the same time: this attempt's backup may hold that file's bytes.
      const baseline = fromBaseline.has(cassette) ? (this.run.baselineOf(cassette) ?? { path: cassette, kind: 'absent' as const }) : undefined;
      const original = baseline ?? this.originalOf(cassette, journal);
      try {
        await restoreState(original, this.run.recoveredFolder());
        report.restored.push({ cassette, existed: original.kind !== 'absent' });
      } catch (error) {
        report.failed.push({ cassette, error: (error as Error).message });
      }
    }
    return report;
  }

  /** The attempt is over (kept or restored): record what it kept, then drop its backups. */
  async settle(kept: readonly string[]): Promise<void> {
    await this.run.recordSettlement({ attempt: path.basename(this.dir), file: this.file, kept: [...kept] });
    await removeFolder(this.dir);
  }
}

export interface RestoreReport {
  restored: Array<{ cassette: string; existed: boolean }>;
  failed: Array<{ cassette: string; error: string }>;
}

export function originalState(
  cassette: string,
  snapshots: ReadonlyMap<string, SavedState>,
  journal: readonly JournalEntry[],
  baselineOf: (file: string) => SavedState | undefined,
): SavedState {
  const snapshot = snapshots.get(cassette);
  if (snapshot) return snapshot;
  const entry = journal.find((candidate) => candidate.cassette === cassette);
  if (entry && !entry.existed) return { path: cassette, kind: 'absent' };
  if (entry?.backup) return { path: cassette, kind: 'file', copy: entry.backup };
  return baselineOf(cassette) ?? { path: cassette, kind: 'absent' };
}

/** Record how `file` stands now: a copy of its bytes at `copy`, its symlink target, or its absence. */
export async function saveState(file: string, copy: string): Promise<SavedState> {
  const info = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  if (!info) return { path: file, kind: 'absent' };
  if (info.isSymbolicLink()) return { path: file, kind: 'symlink', link: await readlink(file) };
  if (!info.isFile()) throw new Error(`${file} is not a regular file (a folder or device where a cassette should be); not touched`);
  await copyFile(file, copy, constants.COPYFILE_FICLONE);
  return { path: file, kind: 'file', copy, sha256: await sha256File(copy) };
}

/**
 * Make `state.path` what `state` says, atomically per file, then check it. Anything in the way
 * that is not a file (a folder a test left where the cassette was) is moved into `recoveredFolder`,
 * never deleted.
 */
export async function restoreState(state: SavedState, recoveredFolder: string): Promise<void> {
  const current = await lstat(state.path).catch(() => undefined);
  if (current?.isDirectory()) await moveAway(state.path, recoveredFolder);
  if (state.kind === 'absent') {
    // ENOTDIR: a parent became a file (the cassette folder was itself restored): nothing to remove.
    await rm(state.path, { force: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOTDIR') throw error;
    });
    return;
  }
  await mkdir(path.dirname(state.path), { recursive: true });
  const temporary = `${state.path}.rerecord-${randomBytes(4).toString('hex')}`;
  if (state.kind === 'symlink') {
    await symlink(state.link!, temporary);
    await rename(temporary, state.path);
    const now = await readlink(state.path);
    if (now !== state.link) throw new Error(`restoring the symlink ${state.path} did not reproduce its target`);
    return;
  }
  await putBack(state.copy!, state.path, state.sha256);
}

/** Write through a temporary sibling and rename, so a crash mid-copy never leaves half a cassette; then verify. */
export async function putBack(copy: string, cassette: string, expectedSha256?: string): Promise<void> {
  await mkdir(path.dirname(cassette), { recursive: true });
  const temporary = `${cassette}.rerecord-${randomBytes(4).toString('hex')}`;
  const copyThenRename = async () => {
    try {
      await copyFile(copy, temporary, constants.COPYFILE_FICLONE);
      await rename(temporary, cassette);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  };
  try {
    await copyThenRename();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // A full disk, most likely filled by the failed recording itself: drop it (its backup is safe
    // in .rerecord/txn/) to make room, then copy again.
    await rm(cassette, { force: true });
    await copyThenRename();
  }
  const expected = expectedSha256 ?? (await sha256File(copy));
  if ((await sha256File(cassette)) !== expected) throw new Error(`restoring ${cassette} did not reproduce its original bytes`);
}

/** Hashed as a stream: a recording of any size is never one string. */
export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

async function moveAway(file: string, recoveredFolder: string): Promise<void> {
  const target = path.join(recoveredFolder, `${Date.now()}-${randomBytes(3).toString('hex')}-${path.basename(file)}`);
  await mkdir(recoveredFolder, { recursive: true });
  await rename(file, target);
}
