// The transaction journal: what a run has in flight, on disk in the project's vault (see
// vault-location.ts: under the git directory, where `git clean -fdX` and `git stash --all` cannot
// reach it), so that a run killed by anything (SIGKILL included) leaves enough behind for the next
// start to put every cassette back.
//
//   <vault>/<run>/run.json            who ran (pid, host, process start stamp, its reaper), when, which folders were watched
//   <vault>/<run>/alive               touched every few seconds while the run lives (its mtime is the last sign of life)
//   <vault>/<run>/ended.json          written by the run's reaper once rerecord died and every test process is gone
//   <vault>/<run>/baseline.jsonl      every cassette-like file in those folders at the start
//   <vault>/<run>/baseline/<n>        a copy of each (symlinks are recorded, not copied)
//   <vault>/<run>/settled.jsonl       one line per finished attempt: what it kept
//   <vault>/<run>/attempt-<n>/        one attempt in flight: intent.json, snapshot/, backup/,
//                                     hook-journal.jsonl (the record hook's own journal)
//
// A run folder appears whole (made aside with its run.json, then renamed into place); an attempt's
// folder exists exactly while the attempt is unsettled; a finished run removes its whole folder.
// Small records are fsynced; bulk copies are left to the kernel (see the README's Guarantees:
// power loss between write and flush is not covered). Folders from releases that kept
// transactions in `.rerecord/txn/` are still read, to recover them.
import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { readDurable } from './own-files.js';
import { isRunning, thisProcess, type ProcessIdentity } from './process-identity.js';
import { legacyTransactionsRoot } from './vault-location.js';

/** A file as it was: its bytes copied to `copy`, or a symlink to `link`, or absent. */
export interface SavedState {
  /** Absolute path of the cassette. */
  path: string;
  kind: 'file' | 'symlink' | 'absent';
  /** Absolute path of the copy of its bytes (kind file). */
  copy?: string;
  /** The symlink's target as read by readlink (kind symlink). */
  link?: string;
  sha256?: string;
}

export interface RunRecord extends ProcessIdentity {
  id: string;
  startedAt: string;
  /** The project it ran in. */
  workingDirectory?: string;
  /** Absolute folders whose cassette-like files were saved in the baseline. */
  roots: string[];
  /** The reaper that kills the run's tests when it dies (Linux): while it runs, they may still write. */
  reaper?: ProcessIdentity | undefined;
}

export interface AttemptIntent {
  file: string;
  startedAt: string;
  saved: SavedState[];
}

export interface Settlement {
  attempt: string;
  file: string;
  /** Absolute paths kept as the attempt left them. */
  kept: string[];
}

/** Its mtime is the run's last sign of life; touched every HEARTBEAT_MS. */
export const HEARTBEAT_FILE = 'alive';
export const HEARTBEAT_MS = 2000;
/** Written by the run's reaper once rerecord died and every process of the run is gone. */
export const ENDED_FILE = 'ended.json';
/** Without the reaper's word: how long after its last heartbeat a dead run's tests may still have written. */
const AFTER_LAST_HEARTBEAT_MS = 10_000;
/** A run on another host (which cannot be asked) is gone when its heartbeat is older than this. */
const OTHER_HOST_SILENT_MS = 120_000;

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

// The journal's records are written like every file rerecord owns (./own-files.ts).
export { appendDurably, writeDurably, writeSynced } from './own-files.js';

export function runRecord(id: string, workingDirectory: string, roots: readonly string[], reaper: ProcessIdentity | undefined): RunRecord {
  return { id, ...thisProcess(), startedAt: new Date().toISOString(), workingDirectory, roots: [...roots], reaper };
}

/** Every run folder in the vault (a live run's, or a dead one's), and any left in the old `.rerecord/txn/`. */
export async function listRunFolders(vault: string, workingDirectory: string): Promise<string[]> {
  const folders: string[] = [];
  for (const root of [vault, legacyTransactionsRoot(workingDirectory)]) {
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    // Dot names are run folders still being made (or a record written aside).
    folders.push(...entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => path.join(root, entry.name)));
  }
  return folders;
}

export type RunLiveness = { live: true; why: string; reaping?: boolean } | { live: false; reaping?: undefined };

/**
 * Whether the run that owns `folder` may still be working in it: its own process (pid and start
 * stamp) still runs, or its reaper is still killing its tests. Never judged by the lock, which
 * anyone may have deleted. A run on another host counts as live until its heartbeat goes silent.
 */
export async function runLiveness(folder: string, record: RunRecord | undefined): Promise<RunLiveness> {
  if (!record || typeof record.pid !== 'number' || typeof record.host !== 'string') return { live: false };
  const me = thisProcess();
  if (record.pid === me.pid && record.host === me.host && record.processStart === me.processStart) return { live: true, why: 'this process' };
  const lastSign = await lastSignOfLife(folder);
  const silentTooLong = () => Date.now() - lastSign > OTHER_HOST_SILENT_MS;
  if (isRunning(record, () => !silentTooLong())) return { live: true, why: `rerecord (pid ${record.pid} on ${record.host}, started ${record.startedAt}) is still running` };
  if (record.reaper && isRunning(record.reaper, () => false)) return { live: true, reaping: true, why: `its reaper (pid ${record.reaper.pid}) is still stopping its tests` };
  return { live: false };
}

/**
 * When the dead run and its tests stopped writing, in ms: the reaper's word when it wrote one,
 * else shortly after its last heartbeat; Infinity when the folder tells neither (an old release's).
 */
export async function runEndedAt(folder: string): Promise<number> {
  const ended = await readJson<{ endedAt?: string }>(path.join(folder, ENDED_FILE));
  const stamped = ended?.endedAt ? Date.parse(ended.endedAt) : Number.NaN;
  if (!Number.isNaN(stamped)) return stamped;
  const heartbeat = await stat(path.join(folder, HEARTBEAT_FILE)).catch(() => undefined);
  return heartbeat ? heartbeat.mtimeMs + HEARTBEAT_MS + AFTER_LAST_HEARTBEAT_MS : Number.POSITIVE_INFINITY;
}

async function lastSignOfLife(folder: string): Promise<number> {
  const times = await Promise.all([HEARTBEAT_FILE, 'run.json'].map((name) => stat(path.join(folder, name)).then((info) => info.mtimeMs, () => 0)));
  return Math.max(...times);
}

export interface RunFolderContents {
  folder: string;
  record: RunRecord | undefined;
  baseline: SavedState[];
  settled: Settlement[];
  /** Attempt folders still present: unsettled. */
  attempts: Array<{ folder: string; intent: AttemptIntent | undefined; hookJournal: string }>;
}

export async function readRunFolder(folder: string): Promise<RunFolderContents> {
  const record = await readJson<RunRecord>(path.join(folder, 'run.json'));
  const baseline = await readJsonLines<SavedState>(path.join(folder, 'baseline.jsonl'));
  const settled = await readJsonLines<Settlement>(path.join(folder, 'settled.jsonl'));
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const attempts = await Promise.all(
    entries
      .filter((entry) => entry.isDirectory() && entry.name.startsWith('attempt-'))
      .map((entry) => entry.name)
      .sort()
      .map(async (name) => {
        const attemptFolder = path.join(folder, name);
        return { folder: attemptFolder, intent: await readJson<AttemptIntent>(path.join(attemptFolder, 'intent.json')), hookJournal: path.join(attemptFolder, 'hook-journal.jsonl') };
      }),
  );
  return { folder, record, baseline, settled, attempts };
}

export async function removeFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    const bytes = await readDurable(file);
    return bytes === undefined ? undefined : (JSON.parse(bytes.toString('utf8')) as T);
  } catch {
    return undefined;
  }
}

/** A torn last line (the writer was killed mid-write) is skipped. */
async function readJsonLines<T>(file: string): Promise<T[]> {
  const text = await readDurable(file).then(
    (bytes) => bytes?.toString('utf8') ?? '',
    () => '',
  );
  const values: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      // torn line
    }
  }
  return values;
}
