// Keeps the original bytes of every cassette a run may touch, durably, in the project's vault
// (under the git directory: see state/vault-location.ts), and puts them back exactly. Three
// layers, each a fallback for the next:
// - the run's baseline: every cassette-like file under the watched folders, copied at the start;
// - each attempt's snapshot of the cassettes it is known to use, taken right before its child starts;
// - the record hook's own backups of anything else it opens (journaled before it deletes).
// Restore prefers the attempt's snapshot (it predates the child and follows earlier keeps), then
// the hook's backup, then the baseline. Every read, write and delete in the project goes through
// confined-files.ts, which checks at that moment that the cassette's folder is still inside it.
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, rename, rm, rmdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { ConfigError } from '../config/errors.js';
import { isConfined, isInsideLexically, RECOVERED_DIR } from '../state/paths.js';
import {
  appendDurably,
  HEARTBEAT_FILE,
  HEARTBEAT_MS,
  removeFolder,
  runRecord,
  writeDurably,
  newRunId,
  type AttemptIntent,
  type SavedState,
  type Settlement,
} from '../state/transactions.js';
import { confinedLstat, confinedMoveInto, confinedPutBack, confinedSha256, confinedSymlink, confinedUnlink, inFolderOf, pinFolder, sha256File, temporaryName } from './confined-files.js';
import type { JournalEntry } from './journal.js';
import { watchRunFolder } from './reaper.js';

/** The files of each folder, with their place in the baseline (the order they were given in). */
function byFolder(files: readonly string[]): Array<{ folder: string; entries: Array<{ file: string; index: number }> }> {
  const folders = new Map<string, Array<{ file: string; index: number }>>();
  files.forEach((file, index) => {
    const folder = path.dirname(file);
    const entries = folders.get(folder) ?? [];
    entries.push({ file, index });
    folders.set(folder, entries);
  });
  return [...folders].map(([folder, entries]) => ({ folder, entries }));
}

/** Baseline copies made at once: enough to keep the disk busy, few enough to leave file handles for the tests. */
const BASELINE_COPIES_AT_ONCE = 8;
/** Folders held open at once while their files are copied. */
const BASELINE_FOLDERS_AT_ONCE = 2;

export { sha256File };

/** A FIFO, socket or folder where a cassette should be: nobody's recording, never copied. */
export class NotARecordingError extends Error {}

export class Vault {
  private sequence = 0;
  private readonly baselineByPath = new Map<string, SavedState>();
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    readonly workingDirectory: string,
    readonly id: string,
    readonly folder: string,
    /** The watched cassette folders, checked to lie inside the project when the run began. */
    readonly roots: readonly string[],
  ) {}

  /**
   * Start a run's transaction in the project's vault: its record (made aside, then renamed into
   * place), then a baseline of `files` (absolute, cassette-like, under the watched `roots`). A
   * baseline that cannot be taken whole (a full disk, an unreadable file) is a ConfigError with
   * everything it wrote removed: no test runs on a baseline with holes in it.
   */
  static async create(workingDirectory: string, roots: readonly string[], files: readonly string[], options: { vault: string }): Promise<Vault> {
    const root = options.vault;
    const id = newRunId();
    const vault = new Vault(workingDirectory, id, path.join(root, id), roots);
    const aside = path.join(root, `.${id}`);
    try {
      await mkdir(path.join(aside, 'baseline'), { recursive: true });
      const reaper = watchRunFolder(vault.folder);
      await writeDurably(path.join(aside, 'run.json'), `${JSON.stringify(runRecord(id, workingDirectory, roots, reaper))}\n`);
      await writeFile(path.join(aside, HEARTBEAT_FILE), '');
      await rename(aside, vault.folder);
    } catch (error) {
      await removeFolder(aside);
      await removeEmpty(root);
      throw new ConfigError([`could not start the run's vault in ${root}: ${(error as Error).message}; nothing was touched and no test ran`]);
    }
    vault.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path.join(vault.folder, HEARTBEAT_FILE), now, now).catch(() => undefined);
    }, HEARTBEAT_MS).unref();
    try {
      await vault.takeBaseline(files);
    } catch (error) {
      await vault.dispose();
      throw new ConfigError([
        `could not take the run's baseline (a copy of every file in the cassette folders, kept in ${root}): ${(error as Error).message}; ` +
          'everything it had copied was removed, no test ran and nothing in the project was touched. Free space there (or make the file readable), then run again',
      ]);
    }
    return vault;
  }

  private async takeBaseline(files: readonly string[]): Promise<void> {
    const folders = pLimit(BASELINE_FOLDERS_AT_ONCE);
    const settled = await Promise.allSettled(byFolder(files).map(({ folder, entries }) => folders(() => this.baselineFolder(folder, entries))));
    // Every copy has ended before the first failure is thrown: none may land in the vault as it is removed.
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    const states = settled.flatMap((result) => (result as PromiseFulfilledResult<Array<[number, SavedState | undefined]>>).value).sort(([a], [b]) => a - b);
    const lines: string[] = [];
    for (const [, state] of states) {
      if (!state || state.kind === 'absent') continue;
      this.baselineByPath.set(state.path, state);
      lines.push(JSON.stringify(state));
    }
    await writeDurably(path.join(this.folder, 'baseline.jsonl'), lines.length > 0 ? `${lines.join('\n')}\n` : '');
  }

  /**
   * One folder's files, its confinement checked once (no test runs yet that could swap it), the
   * copies several at once: each waits on the disk more than on us.
   */
  private async baselineFolder(folder: string, entries: ReadonlyArray<{ file: string; index: number }>): Promise<Array<[number, SavedState | undefined]>> {
    const pinned = await pinFolder(this.workingDirectory, folder);
    if (!pinned) return entries.map(({ file, index }) => [index, { path: file, kind: 'absent' }]);
    try {
      const copies = pLimit(BASELINE_COPIES_AT_ONCE);
      const settled = await Promise.allSettled(entries.map(({ file, index }) => copies(async (): Promise<[number, SavedState | undefined]> => [index, await this.baselineCopy(pinned.at, file, index)])));
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      return settled.map((result) => (result as PromiseFulfilledResult<[number, SavedState | undefined]>).value);
    } finally {
      await pinned.close();
    }
  }

  /** One file's baseline copy; undefined for what is nobody's recording. */
  private async baselineCopy(at: (name: string) => string, file: string, index: number): Promise<SavedState | undefined> {
    try {
      return await saveStateIn(at, file, path.join(this.folder, 'baseline', String(index)));
    } catch (error) {
      // A FIFO or socket in a cassette folder is nobody's recording: the attempt that names it fails on its own.
      if (error instanceof NotARecordingError) return undefined;
      throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
    }
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
    clearInterval(this.heartbeat);
    await removeFolder(this.folder);
    // The vault's folders go too when no other run's folder is in them: a finished run leaves nothing behind.
    await removeEmpty(path.dirname(this.folder));
  }

  async recordSettlement(settlement: Settlement): Promise<void> {
    await appendDurably(path.join(this.folder, 'settled.jsonl'), JSON.stringify(settlement));
  }

  recoveredFolder(): string {
    return path.join(this.workingDirectory, RECOVERED_DIR, this.id);
  }

  /** Make a cassette what `state` says (see restoreState), its folder checked as it acts. */
  putBack(state: SavedState): Promise<void> {
    return restoreState(state, { root: this.workingDirectory, recovered: this.recoveredFolder() });
  }

  /** sha256 of a cassette's bytes, read through its checked folder; undefined when it is not a file. */
  hashOf(file: string): Promise<string | undefined> {
    return confinedSha256(this.workingDirectory, file);
  }
}

export class AttemptVault {
  readonly journal: string;
  readonly backupDirectory: string;
  private readonly snapshots = new Map<string, SavedState>();
  /** Folders made after this moment were made by the attempt's test (file-system birth times). */
  private readonly openedAt = Date.now();

  constructor(
    private readonly run: Vault,
    readonly dir: string,
    readonly file: string,
  ) {
    this.journal = path.join(dir, 'hook-journal.jsonl');
    this.backupDirectory = path.join(dir, 'backup');
  }

  /** Where what this attempt saved stays while it is unsettled (for messages: `rerecord recover` reads it there). */
  get keptIn(): string {
    return this.run.folder;
  }

  /** Save each cassette before the child runs, then write the intent durably: from here on a crash is recoverable. */
  async snapshot(cassettes: readonly string[]): Promise<void> {
    for (const cassette of cassettes) {
      if (this.snapshots.has(cassette)) continue;
      // Named by number only: a cassette's own name may already be as long as a name can be.
      const copy = path.join(this.dir, 'snapshot', String(this.snapshots.size));
      this.snapshots.set(cassette, await saveState(this.run.workingDirectory, cassette, copy));
    }
    const intent: AttemptIntent = { file: this.file, startedAt: new Date().toISOString(), saved: [...this.snapshots.values()] };
    await writeDurably(path.join(this.dir, 'intent.json'), `${JSON.stringify(intent)}\n`);
  }

  /** For frameworks without a record hook: remove the snapshotted cassettes so the run records afresh. */
  async moveAside(): Promise<void> {
    for (const state of this.snapshots.values()) if (state.kind !== 'absent') await confinedUnlink(this.run.workingDirectory, state.path);
  }

  /** The state a cassette had before this attempt: its snapshot, else the hook's backup, else the run's baseline. */
  originalOf(cassette: string, journal: readonly JournalEntry[]): SavedState {
    return originalState(cassette, this.snapshots, journal, (file) => this.run.baselineOf(file));
  }

  /**
   * Splits a hook's journal into the entries to act on and those refused outright. An entry is
   * refused when it names a place outside the project (or in .git/ or .rerecord/), or lies in a
   * folder that leads outside and was never known to be inside. One whose folder was inside when
   * it was saved (the hook backed it up, and hooks refuse what lies outside; or a watched folder, a
   * planned cassette's) and now leads outside was swapped for a symlink while the test ran: it is
   * kept, to be put back once that folder leads inside again (acting on it now is refused at that
   * moment, and its backup stays). A backup named outside this attempt's folder is refused too.
   */
  confine(journal: readonly JournalEntry[]): { entries: JournalEntry[]; refused: string[] } {
    const wd = this.run.workingDirectory;
    const knownFolders = [...this.run.roots, ...[...this.snapshots.keys()].map((cassette) => path.dirname(cassette))];
    const known = (entry: JournalEntry) => entry.backup !== null || knownFolders.some((folder) => entry.cassette.startsWith(`${folder}${path.sep}`));
    // A backup is only read from this attempt's own folder, wherever a journal line says it is.
    const backupHere = (entry: JournalEntry) => entry.backup === null || !path.relative(this.dir, path.resolve(this.dir, entry.backup)).startsWith('..');
    const refused = journal
      .filter((entry) => !backupHere(entry) || (!isConfined(wd, entry.cassette) && !(isInsideLexically(wd, entry.cassette) && known(entry))))
      .map((entry) => entry.cassette);
    return { entries: journal.filter((entry) => !refused.includes(entry.cassette)), refused };
  }

  /** Touched paths whose folder now leads outside the project: never read, and left alone. */
  escaped(journal: readonly JournalEntry[], extra: readonly string[] = []): string[] {
    return this.touched(journal, extra).filter((file) => !isConfined(this.run.workingDirectory, file));
  }

  /** Every cassette this attempt may have touched: the snapshot's and the journal's, plus any the caller names. */
  touched(journal: readonly JournalEntry[], extra: readonly string[] = []): string[] {
    return [...new Set([...this.snapshots.keys(), ...journal.map((entry) => entry.cassette), ...extra])];
  }

  /**
   * Put every touched cassette back byte for byte (a symlink as the same symlink); what did not
   * exist before is removed. Goes on past a failure and reports every path it could not restore
   * (a folder that now leads outside the project among them: left alone, its backup kept).
   */
  async restore(journal: readonly JournalEntry[], extra: readonly string[] = [], fromBaseline: ReadonlySet<string> = new Set()): Promise<RestoreReport> {
    const report: RestoreReport = { restored: [], failed: [] };
    for (const cassette of this.touched(journal, extra)) {
      // A cassette another file wrote at the same time: this attempt's backup may hold that file's bytes.
      const baseline = fromBaseline.has(cassette) ? (this.run.baselineOf(cassette) ?? { path: cassette, kind: 'absent' as const }) : undefined;
      const original = baseline ?? this.originalOf(cassette, journal);
      try {
        await this.run.putBack(original);
        report.restored.push({ cassette, existed: original.kind !== 'absent' });
        if (original.kind === 'absent') await removeFoldersMadeSince(cassette, this.run.workingDirectory, this.openedAt);
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

/** Record how `file` (inside `root`) stands now: a copy of its bytes at `copy`, its symlink target, or its absence. */
export async function saveState(root: string, file: string, copy: string): Promise<SavedState> {
  return (await inFolderOf(root, file, (at) => saveStateIn(at, file, copy))) ?? { path: file, kind: 'absent' };
}

/** `saveState` in a folder already pinned (`at` names its entries): the baseline pins each folder once for all its files. */
async function saveStateIn(at: (name: string) => string, file: string, copy: string): Promise<SavedState> {
  const entry = at(path.basename(file));
  const info = await lstat(entry).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info) return { path: file, kind: 'absent' };
  if (info.isSymbolicLink()) return { path: file, kind: 'symlink', link: await readlink(entry) };
  if (!info.isFile()) throw new NotARecordingError(`${file} is not a regular file (a folder or device where a cassette should be); not touched`);
  await copyFile(entry, copy, constants.COPYFILE_FICLONE);
  return { path: file, kind: 'file', copy, sha256: await sha256File(copy) };
}

/**
 * Make `state.path` what `state` says, atomically per file, then check it. Anything in the way
 * that is not a file (a folder a test left where the cassette was) is moved into `recovered`,
 * never deleted. A cassette whose folder no longer resolves inside `root` is left alone
 * (EscapedPathError).
 */
export async function restoreState(state: SavedState, where: { root: string; recovered: string }): Promise<void> {
  const current = await confinedLstat(where.root, state.path);
  if (current?.isDirectory()) await confinedMoveInto(where.root, state.path, where.recovered);
  if (state.kind === 'absent') {
    // Nothing there, or its folder is gone (or became a file): nothing to remove.
    if (current && !current.isDirectory()) await confinedUnlink(where.root, state.path);
    return;
  }
  if (state.kind === 'symlink') return confinedSymlink(where.root, state.path, state.link!);
  await confinedPutBack(where.root, state.copy!, state.path, state.sha256);
}

/**
 * A passing file's noise-only recording gets its old bytes back: through a short temporary sibling
 * and a rename, so a crash mid-copy never leaves half a cassette; then verified. (Its folder was
 * checked when the attempt was observed, a moment before.)
 */
export async function putBack(copy: string, cassette: string, expectedSha256?: string): Promise<void> {
  const temporary = path.join(path.dirname(cassette), temporaryName());
  try {
    await copyFile(copy, temporary, constants.COPYFILE_FICLONE);
    await rename(temporary, cassette);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const expected = expectedSha256 ?? (await sha256File(copy));
  if ((await sha256File(cassette)) !== expected) throw new Error(`restoring ${cassette} did not reproduce its original bytes`);
}

/** Removes a folder of the vault if nothing is left in it, and its parent likewise (the per-project folder, then `rerecord/`). */
async function removeEmpty(folder: string): Promise<void> {
  if (await rmdir(folder).then(() => true, () => false)) await rmdir(path.dirname(folder)).catch(() => undefined);
}

/**
 * A new cassette that was removed may leave the folders its test made for it: each empty one up the
 * path, born after `since`, goes too, so a failed or refused file leaves no trace. A folder that
 * existed before, holds anything, or whose birth time the file system does not keep, stays.
 */
async function removeFoldersMadeSince(cassette: string, workingDirectory: string, since: number): Promise<void> {
  for (let folder = path.dirname(cassette); isConfined(workingDirectory, folder) && folder !== path.resolve(workingDirectory); folder = path.dirname(folder)) {
    const info = await lstat(folder).catch(() => undefined);
    // birthtimeMs is 0 where the file system keeps no birth time: then nothing is known, and nothing removed.
    if (!info?.isDirectory() || info.birthtimeMs === 0 || info.birthtimeMs < since) return;
    const removed = await rmdir(folder).then(() => true, () => false);
    if (!removed) return;
  }
}
