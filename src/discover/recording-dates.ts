// When each cassette was recorded: its own timestamps where the format has them (vcr's
// recorded_at, HAR's startedDateTime), else its last commit, else the file's modification time.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Cassette } from '../cassettes/model.js';
import { NEVER_SEARCHED_FOLDERS } from '../frameworks/registry.js';

import { git, type GitRepo } from '../git/run-git.js';

/** Cassette files below a folder (relative to the working directory), sorted. */
export async function listCassetteFiles(workingDirectory: string, cassetteDir: string): Promise<string[]> {
  const root = path.resolve(workingDirectory, cassetteDir);
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory() && !NEVER_SEARCHED_FOLDERS.has(entry.name) && !entry.name.startsWith('.')) await walk(full);
      else if (entry.isFile() && /\.(ya?ml|json|har)$/i.test(entry.name)) found.push(path.relative(workingDirectory, full).split(path.sep).join('/'));
    }
  };
  await walk(root);
  return found.sort();
}

/** The oldest recorded time inside a cassette, if its format records any. */
export function oldestRecordedAt(cassette: Cassette): Date | undefined {
  let oldest: number | undefined;
  for (const interaction of cassette.interactions) {
    const time = interaction.recordedAt ? Date.parse(interaction.recordedAt) : NaN;
    if (!Number.isNaN(time) && (oldest === undefined || time < oldest)) oldest = time;
  }
  return oldest === undefined ? undefined : new Date(oldest);
}

/**
 * Whether the working directory is a shallow clone (`actions/checkout` fetches one commit unless
 * told `fetch-depth: 0`): there every file's last commit is HEAD, whatever its real age.
 */
export async function isShallowClone(repo: GitRepo): Promise<boolean> {
  try {
    const { stdout } = await git(repo, ['rev-parse', '--is-shallow-repository']);
    return stdout.trim() === 'true';
  } catch {
    return false;
  }
}

export const SHALLOW_CLONE_WARNING =
  'this is a shallow git clone, so commit dates say nothing about when a cassette was recorded: cassettes are dated by their own timestamps where they have them, the others count as of unknown age (stale). For mode: stale, check out with fetch-depth: 0';

/** Last commit date of every file below `folder`, in one `git log` (fast for tens of thousands). */
export async function lastCommitDates(repo: GitRepo, folder: string): Promise<Map<string, Date>> {
  const dates = new Map<string, Date>();
  let stdout: string;
  try {
    ({ stdout } = await git(repo, ['log', '--relative', '--format=%x00%cI', '--name-only', '--', folder], { maxBuffer: 256 * 1024 * 1024 }));
  } catch {
    return dates; // not a git repository, or git missing: callers fall back to mtimes
  }
  for (const commit of stdout.split('\0').slice(1)) {
    const [date, ...files] = commit.split('\n').filter(Boolean);
    for (const file of files) if (!dates.has(file)) dates.set(file, new Date(date!));
  }
  return dates;
}

export async function modificationTime(file: string): Promise<Date | undefined> {
  return stat(file).then(
    (info) => info.mtime,
    () => undefined,
  );
}
