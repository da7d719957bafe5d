// Commits made through GitHub's git data API (blobs, trees, commits, refs) instead of `git push`:
// GitHub signs what it commits itself, so the commit shows as verified (`sign-commits`).
import { explain } from './pull-requests.js';
import { octokitFor, type ApiAccess, type Octokit } from './octokit.js';

export interface RepositoryAccess extends ApiAccess {
  owner: string;
  repo: string;
}

/** One path of the new tree (relative to the repository root): new bytes, or gone. */
export type TreeChange =
  | { path: string; mode: '100644' | '100755' | '120000'; content: Buffer }
  | { path: string; mode: '160000'; commit: string }
  | { path: string; mode: string; deleted: true };

export interface ApiCommit {
  sha: string;
  tree: string;
  /** What GitHub says of its signature: verified, or why not. */
  verified: boolean;
  reason: string;
}

export interface ApiCommitSpec {
  message: string;
  /** The tree the commit changes, and its parent's. */
  baseTree: string;
  parents: readonly string[];
  changes: readonly TreeChange[];
  /** The tree git builds from the same paths: GitHub's must be this one, else no commit is made. */
  expectedTree: string;
  /** Undefined: the token's owner. The committer is always the token's owner: GitHub signs as it. */
  author?: { name: string; email: string } | undefined;
}

/** Blobs, then one tree on `baseTree`, then the commit. The branch is not moved: see `moveBranch`. */
export async function createCommitThroughApi(access: RepositoryAccess, spec: ApiCommitSpec): Promise<ApiCommit> {
  const octokit = octokitFor(access);
  const repo = { owner: access.owner, repo: access.repo };
  const entries: Array<{ path: string; mode: '100644' | '100755' | '120000' | '160000'; type: 'blob' | 'commit'; sha: string | null }> = [];
  for (const change of spec.changes) {
    if ('deleted' in change) entries.push({ path: change.path, mode: change.mode === '160000' ? '160000' : '100644', type: change.mode === '160000' ? 'commit' : 'blob', sha: null });
    else if ('commit' in change) entries.push({ path: change.path, mode: change.mode, type: 'commit', sha: change.commit });
    else {
      const blob = await call(`create a blob for ${change.path}`, () => octokit.rest.git.createBlob({ ...repo, content: change.content.toString('base64'), encoding: 'base64' }));
      entries.push({ path: change.path, mode: change.mode, type: 'blob', sha: blob.data.sha });
    }
  }
  const tree = await call('create a tree', () => octokit.rest.git.createTree({ ...repo, base_tree: spec.baseTree, tree: entries }));
  if (tree.data.sha !== spec.expectedTree) {
    throw new Error(`GitHub built tree ${tree.data.sha} from the changes, not ${spec.expectedTree} as git does from the same files; no commit made`);
  }
  const commit = await call('create a commit', () =>
    octokit.rest.git.createCommit({ ...repo, message: spec.message, tree: tree.data.sha, parents: [...spec.parents], ...(spec.author ? { author: spec.author } : {}) }),
  );
  const verification = commit.data.verification;
  return { sha: commit.data.sha, tree: tree.data.sha, verified: verification?.verified ?? false, reason: verification?.reason ?? 'unknown' };
}

/** The branch's commit on GitHub, or undefined when there is no such branch. */
export async function branchSha(access: RepositoryAccess, branch: string): Promise<string | undefined> {
  return readBranch(octokitFor(access), access, branch);
}

/**
 * Point `branch` at `sha` (creating it, or moving it even when that is no fast-forward), provided
 * it is still at `expected` (undefined: it must not exist yet): a lease, as `git push
 * --force-with-lease` takes. Returns false when the branch had moved and was left alone.
 */
export async function moveBranch(access: RepositoryAccess, branch: string, sha: string, expected: string | undefined): Promise<boolean> {
  const octokit = octokitFor(access);
  const repo = { owner: access.owner, repo: access.repo };
  const now = await readBranch(octokit, access, branch);
  if (now !== expected) return false;
  if (expected === undefined) {
    try {
      await octokit.rest.git.createRef({ ...repo, ref: `refs/heads/${branch}`, sha });
    } catch (error) {
      // Created by someone else since we looked.
      if ((error as { status?: number }).status === 422) return false;
      throw explain(error, `create branch ${branch}`);
    }
    return true;
  }
  await call(`move branch ${branch}`, () => octokit.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force: true }));
  return true;
}

async function readBranch(octokit: Octokit, access: RepositoryAccess, branch: string): Promise<string | undefined> {
  try {
    const { data } = await octokit.rest.git.getRef({ owner: access.owner, repo: access.repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw explain(error, `read branch ${branch}`);
  }
}

async function call<T>(action: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw explain(error, action);
  }
}
