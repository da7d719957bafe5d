// The record hooks append one JSON line per cassette they open: which file, whether it existed,
// where its original bytes were copied. It is the exact list of what a test run touched.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface JournalEntry {
  cassette: string;
  existed: boolean;
  backup: string | null;
}

/** Missing journal: nothing touched. A torn last line (process killed mid-write) is skipped. */
export async function readJournal(file: string): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
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
