// The transaction journal: what a run has in flight, on disk inside the project, so that a run
// killed by anything (SIGKILL included) leaves enough behind for the next start to put every
// cassette back.
//
//   .rerecord/txn/<run>/run.json            who ran, when, which folders were watched
//   .rerecord/txn/<run>/baseline.jsonl      every cassette-like file in those folders at the start
//   .rerecord/txn/<run>/baseline/<n>        a copy of each (symlinks are recorded, not copied)
//   .rerecord/txn/<run>/settled.jsonl       one line per finished attempt: what it kept
//   .rerecord/txn/<run>/attempt-<n>/        one attempt in flight: intent.json, snapshot/, backup/,
//                                           hook-journal.jsonl (the record hook's own journal)
//
// An attempt's folder exists exactly while the attempt is unsettled; a finished run removes its
// whole folder. Small records are fsynced; bulk copies are left to the kernel (see the README's
// Guarantees: power loss between write and flush is not covered).
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readDurable } from './own-files.js';
import { TRANSACTIONS_DIR } from './paths.js';

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

export interface RunRecord {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  /** Absolute folders whose cassette-like files were saved in the baseline. */
  roots: string[];
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

export function transactionsRoot(workingDirectory: string): string {
  return path.join(workingDirectory, TRANSACTIONS_DIR);
}

export function newRunId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:.]/g, '').replace('T', '-').slice(0, 15)}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

// The journal's records are written like every file rerecord owns (./own-files.ts).
export { appendDurably, writeDurably } from './own-files.js';

export function runRecord(id: string, roots: readonly string[]): RunRecord {
  return { id, pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), roots: [...roots] };
}

/** Every run folder left in `.rerecord/txn/` (by this or a dead run). */
export async function listRunFolders(workingDirectory: string): Promise<string[]> {
  const root = transactionsRoot(workingDirectory);
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  // Only real folders: a symlink placed here is never followed (it could lead anywhere).
  return entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => path.join(root, entry.name));
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
