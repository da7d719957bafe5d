// `rerecord diff OLD NEW`: the semantic diff of two cassettes or two cassette folders.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { diffCassettes, type CassetteDiff, type DiffOptions } from '../cassettes/diff.js';
import { parseCassette } from '../cassettes/formats/index.js';
import { listCassetteFiles } from '../discover/recording-dates.js';

export interface FolderDiff {
  diffs: CassetteDiff[];
  /** Cassettes with byte-identical files: not listed. */
  identical: number;
}

export async function diffPaths(oldPath: string, newPath: string, options: DiffOptions): Promise<FolderDiff> {
  const [oldIsDir, newIsDir] = await Promise.all([isDirectory(oldPath), isDirectory(newPath)]);
  if (oldIsDir !== newIsDir) throw new DiffUsageError(`diff: ${oldPath} and ${newPath} must both be files or both be folders`);
  if (!oldIsDir) {
    const diff = await diffFiles(path.basename(newPath), oldPath, newPath, options);
    return diff ? { diffs: [diff], identical: 0 } : { diffs: [], identical: 1 };
  }
  const [oldNames, newNames] = await Promise.all([listCassetteFiles(oldPath, '.'), listCassetteFiles(newPath, '.')]);
  const names = [...new Set([...oldNames, ...newNames])].sort();
  const oldSet = new Set(oldNames);
  const newSet = new Set(newNames);
  const result: FolderDiff = { diffs: [], identical: 0 };
  for (const name of names) {
    const diff = await diffFiles(name, oldSet.has(name) ? path.join(oldPath, name) : undefined, newSet.has(name) ? path.join(newPath, name) : undefined, options);
    if (diff) result.diffs.push(diff);
    else result.identical++;
  }
  return result;
}

/** undefined when both files hold the same bytes. */
async function diffFiles(name: string, oldFile: string | undefined, newFile: string | undefined, options: DiffOptions): Promise<CassetteDiff | undefined> {
  const [oldText, newText] = await Promise.all([oldFile && readText(oldFile), newFile && readText(newFile)]);
  if (oldText === newText) return undefined;
  const old = oldText === undefined ? undefined : parseCassette(oldText, oldFile!);
  const next = newText === undefined ? undefined : parseCassette(newText, newFile!);
  return diffCassettes(name, old, next, options);
}

export class DiffUsageError extends Error {}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new DiffUsageError(`diff: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    throw new DiffUsageError(`diff: ${target} does not exist`);
  }
}
