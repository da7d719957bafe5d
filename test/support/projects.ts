// Real copies of the test projects in temp folders, as git repositories, plus byte-level snapshots.
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface TempProject {
  dir: string;
  remove(): Promise<void>;
}

/** Copy `test/projects/<name>` (or any folder of the repo) into a fresh git repository. */
export async function copyProject(relativeSource: string): Promise<TempProject> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-test-'));
  const dir = path.join(parent, 'project');
  await cp(path.join(REPO_ROOT, relativeSource), dir, { recursive: true });
  // Node projects resolve nock through the repository's own node_modules.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A', '--', '.', ':!node_modules');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
  return { dir, remove: () => rm(parent, { recursive: true, force: true }) };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/** Every file below `dir` (node_modules and .git left out) with its bytes. */
export async function snapshotTree(dir: string, under = '.'): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (folder: string) => {
    for (const entry of await readdir(path.join(dir, folder), { withFileTypes: true })) {
      const relative = path.posix.join(folder, entry.name);
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      if (entry.isDirectory()) await walk(relative);
      else if (entry.isFile()) files.set(path.posix.normalize(relative), await readFile(path.join(dir, relative)));
    }
  };
  await walk(under);
  return files;
}

/** All text below `dir` (node_modules and .git left out), for "does the key appear anywhere" checks. */
export async function allText(dir: string): Promise<string> {
  return [...(await snapshotTree(dir)).values()].map((bytes) => bytes.toString('utf8')).join('\n');
}

/** One file's entry in the failure log's JSON twin, loosely typed: tests assert on its fields. */
export type ReportedFile = { file: string; status: string; reason: string; outputTail: string } & Record<string, unknown>;

export interface FailureReports {
  /** The lines of the failure log, sorted. */
  failed: string[];
  report: { summary: Record<string, number>; files: ReportedFile[] };
  byFile: Record<string, ReportedFile>;
}

/** What a run wrote in `.rerecord/`: the failure log and its JSON twin, read once. */
export async function readFailureReports(dir: string): Promise<FailureReports> {
  const failed = (await readFile(path.join(dir, '.rerecord/failures.txt'), 'utf8')).split('\n').filter(Boolean).sort();
  const report = JSON.parse(await readFile(path.join(dir, '.rerecord/failures.json'), 'utf8')) as FailureReports['report'];
  return { failed, report, byFile: Object.fromEntries(report.files.map((entry) => [entry.file, entry])) };
}
