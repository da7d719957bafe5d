// Find the test files (glob under the test folder) and read their sources for static mapping.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { ConfigError } from '../config/errors.js';
import { NEVER_SEARCHED_FOLDERS } from '../frameworks/registry.js';
import type { TestSource } from '../plan/map.js';
import { openCachedProject } from './project-on-disk.js';


/**
 * Test files matching `pattern` under `testDir`, as sorted paths relative to the working directory.
 * Finding none is a configuration error (exit 2), never "0 of 0 re-recorded": a scheduled workflow
 * pointed at the wrong folder would otherwise pass forever.
 */
export async function findTestFiles(workingDirectory: string, testDir: string, pattern: string): Promise<string[]> {
  const root = path.resolve(workingDirectory, testDir);
  const found: string[] = [];
  const others: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!NEVER_SEARCHED_FOLDERS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && minimatch(toPosix(path.relative(root, full)), pattern, { dot: false })) {
        found.push(toPosix(path.relative(workingDirectory, full)));
      } else if (entry.isFile()) {
        others.push(toPosix(path.relative(workingDirectory, full)));
      }
    }
  };
  try {
    await walk(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error;
    throw new ConfigError([`test-dir ${JSON.stringify(testDir)} is not a folder in ${workingDirectory}: set test-dir to the folder that holds the test files`]);
  }
  if (found.length === 0) throw new ConfigError([noTestFiles(testDir, pattern, others)]);
  return found.sort();
}

/** What the folder holds instead, so that the fix is obvious from the message alone. */
export function noTestFiles(testDir: string, pattern: string, others: readonly string[]): string {
  const where = `test-pattern ${JSON.stringify(pattern)} matched no file under test-dir ${JSON.stringify(testDir)}`;
  if (others.length === 0) return `${where}, which holds no files at all: set test-dir and test-pattern to where the tests are`;
  const byKind = new Map<string, number>();
  for (const file of others) {
    const kind = path.posix.extname(file) || path.posix.basename(file);
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const kinds = [...byKind].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5).map(([kind, count]) => `${count} ${kind}`);
  const examples = [...others].sort().slice(0, 3).join(', ');
  return `${where}; it holds ${others.length} other file${others.length === 1 ? '' : 's'} (${kinds.join(', ')}), e.g. ${examples}: set test-pattern to match the test files`;
}

/**
 * Each test file's source, with one shared read-only view of the project: the libraries also read
 * support files (conftest.py, spec helpers, .mocharc, setup files) that say where cassettes go.
 */
export async function readSources(workingDirectory: string, files: readonly string[]): Promise<TestSource[]> {
  const project = openCachedProject(workingDirectory);
  return Promise.all(files.map(async (file) => ({ file, source: await readFile(path.resolve(workingDirectory, file), 'utf8'), project })));
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
