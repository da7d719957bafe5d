// Where a project's transactions (journals, baselines, every attempt's backups) live: where
// cleaning the work tree cannot reach them. `git clean -fdX` and `git stash --all` delete every
// ignored file, so a vault in the project would vanish with the cassettes it is there to save.
// As git-lfs keeps its objects under the git directory, the vault is
//
//   $(git rev-parse --git-common-dir)/rerecord/<key>/     inside a git work tree (worktrees share it)
//   ${XDG_STATE_HOME:-~/.local/state}/rerecord/<key>/      anywhere else
//
// where <key> is a hash of the project's real path, so two projects in one repository (or two
// worktrees of it) never mix. Resolved once per process and working directory.
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InheritedEnvironment } from '../config/runner-context.js';
import { git } from '../git/run-git.js';
import { TRANSACTIONS_DIR } from './paths.js';

const resolved = new Map<string, Promise<string>>();

/** The folder that holds this project's run folders (it may not exist yet). */
/** `env` is what git and the state folder are looked up with: the environment rerecord was started in. */
export function vaultRoot(workingDirectory: string, env: InheritedEnvironment): Promise<string> {
  const key = path.resolve(workingDirectory);
  let root = resolved.get(key);
  if (!root) resolved.set(key, (root = locate(key, env)));
  return root;
}

/** Where releases before the vault moved kept transactions; still read once, to recover them. */
export function legacyTransactionsRoot(workingDirectory: string): string {
  return path.join(workingDirectory, TRANSACTIONS_DIR);
}

export function projectKey(workingDirectory: string): string {
  let real = workingDirectory;
  try {
    real = realpathSync(workingDirectory);
  } catch {
    // Not there (yet): its path is all there is.
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 16);
}

async function locate(workingDirectory: string, env: InheritedEnvironment): Promise<string> {
  const gitDirectory = await gitCommonDirectory(workingDirectory, env);
  const key = projectKey(workingDirectory);
  if (gitDirectory) return path.join(gitDirectory, 'rerecord', key);
  const stateHome = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(stateHome, 'rerecord', key);
}

/** The git directory shared by every worktree, when `workingDirectory` is inside a work tree; else undefined. */
async function gitCommonDirectory(workingDirectory: string, env: InheritedEnvironment): Promise<string | undefined> {
  const args = ['rev-parse', '--is-inside-work-tree', '--path-format=absolute', '--git-common-dir'];
  const { code, stdout } = await git({ cwd: workingDirectory, inherited: env }, args, { allowFailure: true, timeoutMs: 30_000 }).catch(() => ({ code: -1, stdout: '' }));
  const [inside, directory] = stdout.trim().split('\n');
  if (code !== 0 || inside !== 'true' || !directory) return undefined;
  return path.resolve(workingDirectory, directory);
}
