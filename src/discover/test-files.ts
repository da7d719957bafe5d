// Find the test files (glob under the test folder) and read their sources for static mapping.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { minimatch } from 'minimatch';

// Never test files, and often huge: skip them while walking.
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.rerecord']);

/** Test files matching `pattern` under `testDir`, as sorted paths relative to the working directory. */
export async function findTestFiles(workingDirectory: string, testDir: string, pattern: string): Promise<string[]> {
  const root = path.resolve(workingDirectory, testDir);
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && minimatch(toPosix(path.relative(root, full)), pattern, { dot: false })) {
        found.push(toPosix(path.relative(workingDirectory, full)));
      }
    }
  };
  await walk(root);
  return found.sort();
}

export async function readSources(workingDirectory: string, files: readonly string[]): Promise<Array<{ file: string; source: string }>> {
  return Promise.all(files.map(async (file) => ({ file, source: await readFile(path.resolve(workingDirectory, file), 'utf8') })));
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/');
}
