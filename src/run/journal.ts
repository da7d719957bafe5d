// The record hooks append one JSON line per cassette they open: which file, whether it existed,
// where its original bytes were copied. It is the exact list of what a test run touched.
import path from 'node:path';
import { readDurable } from '../state/own-files.js';

export interface JournalEntry {
  cassette: string;
  existed: boolean;
  backup: string | null;
}

/**
 * Missing journal: nothing touched. A torn last line (process killed mid-write) is skipped. Read
 * like rerecord's own files: a symlink put in its place is never followed.
 */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    const bytes = await readDurable(file);
    if (bytes === undefined) return [];
    text = bytes.toString('utf8');
  } catch {
    return [];
  }
  const entries = new Map<string, JournalEntry>();
  for (const line of text.split('\n')) {
    const entry = parseLine(line);
    if (entry && !entries.has(entry.cassette)) entries.set(entry.cassette, entry);
  }
  return [...entries.values()];
}

function parseLine(line: string): JournalEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const data = JSON.parse(line) as Partial<JournalEntry>;
    if (typeof data.cassette !== 'string' || typeof data.existed !== 'boolean') return undefined;
    // A library may name `<folder>/../x.yml`: one spelling per file, as the tree scan and the snapshots spell it.
    const cassette = path.isAbsolute(data.cassette) ? path.normalize(data.cassette) : data.cassette;
    return { cassette, existed: data.existed, backup: typeof data.backup === 'string' ? data.backup : null };
  } catch {
    return undefined;
  }
}
