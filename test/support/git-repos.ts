// Real git repositories in temp folders: a bare "origin", a working clone, and a second clone
// for pushing "someone else's" commit concurrently. Helper commits name their own identity, so
// the code under test can be run with no identity configured, as on an Actions runner.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface OriginAndClone {
  /** The bare repository the clone pushes to. */
  origin: string;
  /** The working clone, on `main`, tracking origin. */
  clone: string;
  /** The temp folder holding everything. */
  root: string;
  /** Write files (relative path -> content; null deletes) in `dir` and commit them there. */
  commit(dir: string, files: Record<string, string | null>, message?: string): Promise<string>;
  /** Clone origin anew, commit `files` on `branch` and push: another job's concurrent push. */
  pushConcurrent(files: Record<string, string | null>, options?: { branch?: string; message?: string }): Promise<string>;
  /** The sha of `branch` in origin, or undefined when it does not exist. */
  originSha(branch: string): string | undefined;
  remove(): Promise<void>;
}

const HELPER_IDENTITY = ['-c', 'user.name=Test Helper', '-c', 'user.email=helper@example.com'] as const;

/**
 * Keep the machine's git config out of tests: no global identity, no hooks or signing from
 * someone's ~/.gitconfig. Returns a function restoring the previous environment.
 */
export function isolateGitConfig(): () => void {
  const saved = { GIT_CONFIG_GLOBAL: process.env.GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM: process.env.GIT_CONFIG_NOSYSTEM };
  process.env.GIT_CONFIG_GLOBAL = os.devNull;
  process.env.GIT_CONFIG_NOSYSTEM = '1';
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A bare origin whose `main` holds `files`, and a clone of it. */
export async function createOriginAndClone(files: Record<string, string> = { 'README.md': '# project\n' }): Promise<OriginAndClone> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-git-'));
  const origin = path.join(root, 'origin.git');
  const seed = path.join(root, 'seed');
  const clone = path.join(root, 'clone');
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  git(root, 'init', '-q', '-b', 'main', seed);
  await writeFiles(seed, files);
  git(seed, 'add', '-A');
  git(seed, ...HELPER_IDENTITY, 'commit', '-qm', 'initial');
  git(seed, 'push', '-q', origin, 'main');
  git(root, 'clone', '-q', origin, clone);
  let others = 0;

  const commit = async (dir: string, changes: Record<string, string | null>, message = 'change') => {
    await writeFiles(dir, changes);
    git(dir, 'add', '-A', '--', ...Object.keys(changes));
    git(dir, ...HELPER_IDENTITY, 'commit', '-qm', message);
    return git(dir, 'rev-parse', 'HEAD');
  };

  return {
    origin,
    clone,
    root,
    commit,
    async pushConcurrent(changes, options = {}) {
      const branch = options.branch ?? 'main';
      const other = path.join(root, `other-${++others}`);
      git(root, 'clone', '-q', '--branch', branch, origin, other);
      const sha = await commit(other, changes, options.message ?? 'concurrent change');
      git(other, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
      return sha;
    },
    originSha(branch) {
      const listed = git(root, 'ls-remote', origin, `refs/heads/${branch}`);
      return listed === '' ? undefined : listed.split('\t')[0];
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** Write (or, for null, delete) files below `dir`, creating folders as needed. */
export async function writeFiles(dir: string, files: Record<string, string | null>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(dir, relative);
    if (content === null) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}
