// Getting refreshed cassettes into the repository with git: a commit on the current branch
// (pushed, rebasing over concurrent pushes) or a commit on a separate branch for a pull request.
// No token ever appears here: in Actions, actions/checkout left credentials in the git config.
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GitIdentity } from '../config/parsers.js';
import { git, gitBytes, GitError, gitText, type GitOptions, type GitRepo } from '../git/run-git.js';
import { createCommitThroughApi, moveBranch, type RepositoryAccess, type TreeChange } from '../github/git-data.js';

export type { GitIdentity };

/** Who a commit names (the `author` and `committer` inputs); either alone stands for both. */
export interface CommitIdentity {
  author?: GitIdentity | undefined;
  committer?: GitIdentity | undefined;
}

/** The identity actions/checkout users expect bot commits from; GitHub shows it with the Actions avatar. */
export const BOT_IDENTITY: GitIdentity = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
} as const;

export class GitPublishError extends GitError {
  constructor(message: string) {
    super(message);
    this.name = 'GitPublishError';
  }
}

/**
 * Who commits: the given author and committer (either one standing for both), else whoever git is
 * configured as (a developer running the CLI), else the Actions bot (runners have no identity, and
 * `git commit` would refuse).
 */
export async function identityEnv(repo: GitRepo, identity: CommitIdentity = {}): Promise<NodeJS.ProcessEnv> {
  const given = identity.author ?? identity.committer;
  const fallback = given ? undefined : (await hasConfiguredIdentity(repo)) ? undefined : BOT_IDENTITY;
  const author = identity.author ?? identity.committer ?? fallback;
  const committer = identity.committer ?? identity.author ?? fallback;
  if (!author || !committer) return {};
  return {
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: committer.name,
    GIT_COMMITTER_EMAIL: committer.email,
  };
}

async function hasConfiguredIdentity(repo: GitRepo): Promise<boolean> {
  const value = async (key: string, envName: string) =>
    Boolean(repo.inherited[envName]) || (await git(repo, ['config', '--get', key], { allowFailure: true })).stdout.trim() !== '';
  return (await value('user.name', 'GIT_COMMITTER_NAME')) && (await value('user.email', 'GIT_COMMITTER_EMAIL'));
}

/**
 * The paths git can stage: those on disk (minus ignored ones, which `git add` refuses by name)
 * and tracked ones gone from disk (deletions). Naming anything else fails the whole `git add`.
 */
async function stageablePaths(repo: GitRepo, paths: readonly string[], env?: NodeJS.ProcessEnv): Promise<string[]> {
  const relative = [...new Set(paths.map((p) => toPosix(path.isAbsolute(p) ? path.relative(repo.cwd, p) : path.normalize(p))))];
  const present: string[] = [];
  const missing: string[] = [];
  for (const p of relative) ((await exists(path.resolve(repo.cwd, p))) ? present : missing).push(p);
  // Exit 1 means "none ignored". -z needs --stdin; check-ignore takes names, not pathspecs, and
  // refuses the literal-pathspec switch.
  const checked =
    present.length === 0
      ? undefined
      : await git(repo, ['check-ignore', '-z', '--stdin'], { allowFailure: true, env: { ...env, GIT_LITERAL_PATHSPECS: '0' }, input: `${present.join('\0')}\0` });
  const ignored = new Set(checked ? splitZ(checked.stdout) : []);
  const tracked = missing.length === 0 ? [] : splitZ(await gitText(repo, ['ls-files', '-z', '--', ...missing], { env }));
  const deleted = missing.filter((p) => tracked.some((file) => file === p || file.startsWith(`${p}/`)));
  return [...present.filter((p) => !ignored.has(p)), ...deleted];
}

/**
 * Commit exactly `paths` (relative to `cwd`, which may be a subfolder of the repository),
 * additions, changes and deletions alike. Anything else the user had staged stays staged and out
 * of the commit. Returns undefined when those paths hold no change: no empty commits.
 */
export async function commitPaths(repo: GitRepo, paths: readonly string[], message: string, identity?: CommitIdentity): Promise<{ sha: string } | undefined> {
  const stageable = await stageablePaths(repo, paths);
  // An empty pathspec would mean "everything": never stage what we were not asked to.
  if (stageable.length === 0) return undefined;
  await git(repo, ['add', '-A', '--', ...stageable]);
  const staged = await git(repo, ['diff', '--cached', '--quiet', '--', ...stageable], { allowFailure: true });
  if (staged.code === 0) return undefined;
  // --only (the default with paths): the commit holds these paths and nothing else staged.
  // --no-verify: hooks are for people's edits; lint-staged rewriting a cassette would corrupt it.
  await git(repo, ['commit', '--no-verify', '--quiet', '-m', message, '--', ...stageable], { env: await identityEnv(repo, identity) });
  return { sha: await gitText(repo, ['rev-parse', 'HEAD']) };
}

export interface PushOptions {
  remote?: string;
  branch: string;
  /** Pushes tried in all, each after a rebase over what others pushed meanwhile. */
  attempts?: number;
  identity?: CommitIdentity;
}

/**
 * Push HEAD to `branch`. When the remote moved on (another job pushed), fetch, rebase our commits
 * onto it and try again, a bounded number of times. Whether a rejection is a race is decided by
 * looking at the remote branch, not by reading git's (translatable) messages.
 */
export async function pushWithRebase(repo: GitRepo, options: PushOptions): Promise<{ sha: string; attempts: number }> {
  const remote = options.remote ?? 'origin';
  const attempts = Math.max(1, options.attempts ?? 3);
  const tracking = `refs/remotes/${remote}/${options.branch}`;
  for (let attempt = 1; ; attempt++) {
    const push = await git(repo, ['push', remote, `HEAD:refs/heads/${options.branch}`], { allowFailure: true });
    if (push.code === 0) return { sha: await gitText(repo, ['rev-parse', 'HEAD']), attempts: attempt };
    const pushError = push.stderr.trim();
    const fetched = await git(repo, ['fetch', '--no-tags', remote, `+refs/heads/${options.branch}:${tracking}`], { allowFailure: true });
    if (fetched.code !== 0) throw new GitPublishError(`could not push to ${remote}/${options.branch}: ${pushError}`);
    const behind = (await git(repo, ['merge-base', '--is-ancestor', tracking, 'HEAD'], { allowFailure: true })).code !== 0;
    // The push would have been a fast-forward, so something else refused it (rights, branch protection).
    if (!behind) throw new GitPublishError(`could not push to ${remote}/${options.branch}: ${pushError}`);
    if (attempt >= attempts) {
      throw new GitPublishError(
        `could not push to ${remote}/${options.branch}: the branch kept moving (others pushed) through ${attempts} attempt(s) to rebase onto it. Run again, or use publish: pull-request.`,
      );
    }
    await rebaseOnto(repo, tracking, `${remote}/${options.branch}`, await identityEnv(repo, options.identity));
  }
}

async function rebaseOnto(repo: GitRepo, upstream: string, label: string, env: NodeJS.ProcessEnv): Promise<void> {
  // --autostash: reports and logs the run left in the working tree must not block the rebase.
  const rebase = await git(repo, ['rebase', '--autostash', upstream], { allowFailure: true, env });
  if (rebase.code === 0) return;
  const conflicted = splitZ(await gitText(repo, ['diff', '--name-only', '-z', '--diff-filter=U'], { allowFailure: true }));
  await git(repo, ['rebase', '--abort'], { allowFailure: true });
  const what = conflicted.length > 0 ? `conflicting files (relative to the repository root): ${conflicted.join(', ')}` : rebase.stderr.trim();
  throw new GitPublishError(
    `could not rebase onto ${label}, which changed the same files concurrently; the rebase was aborted and the branch left as it was. ${what}`,
  );
}

export interface PublishBranchOptions {
  branch: string;
  /** The branch the pull request targets; must differ from `branch` (we force-push `branch`). */
  base: string;
  paths: readonly string[];
  message: string;
  remote?: string;
  identity?: CommitIdentity;
  /** Credentials for the remote (tokenAuthEnv); undefined: whatever the checkout configured. */
  auth?: NodeJS.ProcessEnv;
  /**
   * Make the commit through GitHub's git data API and move the branch there (`sign-commits`):
   * GitHub signs it. The tree is the one the git path builds; git still reads and fetches.
   */
  api?: RepositoryAccess | undefined;
}

export interface PublishedBranch {
  /** The remote branch's commit after publishing; undefined when nothing differs from HEAD and the branch does not exist. */
  sha: string | undefined;
  /** True when a new commit was pushed. */
  changed: boolean;
  /**
   * `pushed`: a new commit went out. `up-to-date`: the remote branch already holds exactly this
   * content (a re-run). `no-changes`: the paths equal HEAD, nothing to propose.
   */
  outcome: 'pushed' | 'up-to-date' | 'no-changes';
  /** For a commit made through the API: whether GitHub shows it as verified, and why not. */
  signature?: { verified: boolean; reason: string };
}

/**
 * Commit the refreshed `paths` from the working tree onto HEAD (the checked-out base) as the tip of
 * `branch`, and force-push it with a lease on the remote sha we saw. The commit is built on a
 * scratch index with plumbing, so HEAD, the index and the working tree are never touched: the
 * workspace is left exactly as found, cassettes included.
 */
export async function publishBranch(repo: GitRepo, options: PublishBranchOptions): Promise<PublishedBranch> {
  const remote = options.remote ?? 'origin';
  const { branch } = options;
  await guardBranch(repo, branch, options.base);
  const head = await gitText(repo, ['rev-parse', 'HEAD']);
  const auth = { env: options.auth };
  const remoteSha = await remoteBranchSha(repo, remote, branch, auth);
  if (remoteSha) await fetchBranch(repo, remote, branch, auth);
  const tree = await treeWithPaths(repo, head, options.paths);
  if (tree === (await gitText(repo, ['rev-parse', `${head}^{tree}`]))) return { sha: remoteSha, changed: false, outcome: 'no-changes' };
  if (remoteSha && tree === (await gitText(repo, ['rev-parse', `${remoteSha}^{tree}`]))) {
    await git(repo, ['update-ref', `refs/heads/${branch}`, remoteSha]);
    return { sha: remoteSha, changed: false, outcome: 'up-to-date' };
  }
  if (options.api) return publishThroughApi(repo, options.api, { ...options, remote, head, tree, remoteSha });
  const commit = await gitText(repo, ['commit-tree', tree, '-p', head, '-m', options.message], { env: await identityEnv(repo, options.identity) });
  // An empty expected value means "the branch must not exist yet".
  const lease = `--force-with-lease=refs/heads/${branch}:${remoteSha ?? ''}`;
  const push = await git(repo, ['push', lease, remote, `${commit}:refs/heads/${branch}`], { allowFailure: true, ...auth });
  if (push.code !== 0) {
    const now = await remoteBranchSha(repo, remote, branch, auth);
    if (now !== remoteSha) {
      throw new GitPublishError(`${remote}/${branch} changed while publishing (someone else pushed to it); not overwriting it. Run again to publish on top of the new state.`);
    }
    throw new GitPublishError(`could not push ${remote}/${branch}: ${push.stderr.trim()}`);
  }
  await git(repo, ['update-ref', `refs/heads/${branch}`, commit]);
  return { sha: commit, changed: true, outcome: 'pushed' };
}

/** The commit on GitHub, the branch moved with a lease on `remoteSha`, then fetched so git sees it. */
async function publishThroughApi(
  repo: GitRepo,
  api: RepositoryAccess,
  at: PublishBranchOptions & { remote: string; head: string; tree: string; remoteSha: string | undefined },
): Promise<PublishedBranch> {
  const baseTree = await gitText(repo, ['rev-parse', `${at.head}^{tree}`]);
  const commit = await createCommitThroughApi(api, {
    message: at.message,
    baseTree,
    expectedTree: at.tree,
    parents: [at.head],
    changes: await treeChanges(repo, baseTree, at.tree),
    author: at.identity?.author ?? at.identity?.committer,
  });
  if (!(await moveBranch(api, at.branch, commit.sha, at.remoteSha))) {
    throw new GitPublishError(`${at.remote}/${at.branch} changed while publishing (someone else pushed to it); not overwriting it. Run again to publish on top of the new state.`);
  }
  await fetchBranch(repo, at.remote, at.branch, { env: at.auth });
  await git(repo, ['update-ref', `refs/heads/${at.branch}`, commit.sha]);
  return { sha: commit.sha, changed: true, outcome: 'pushed', signature: { verified: commit.verified, reason: commit.reason } };
}

/** What `to` changes of `from` (two trees), path by path from the repository root, with the new bytes. */
async function treeChanges(repo: GitRepo, from: string, to: string): Promise<TreeChange[]> {
  const raw = splitZ(await gitText(repo, ['diff-tree', '-r', '-z', '--no-renames', from, to]));
  const changes: TreeChange[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [oldMode, newMode, , newSha, status] = raw[i]!.replace(/^:/, '').split(' ') as [string, string, string, string, string];
    const file = raw[i + 1]!;
    if (status === 'D') changes.push({ path: file, mode: oldMode, deleted: true });
    else if (newMode === '160000') changes.push({ path: file, mode: '160000', commit: newSha });
    else {
      const content = (await gitBytes(repo, ['cat-file', 'blob', newSha], { maxBuffer: 512 * 1024 * 1024 })).stdout;
      changes.push({ path: file, mode: newMode as '100644' | '100755' | '120000', content });
    }
  }
  return changes;
}

async function guardBranch(repo: GitRepo, branch: string, base: string): Promise<void> {
  if (branch === base) throw new GitPublishError(`the pull-request branch and its base are both "${branch}"; refusing to force-push the base branch.`);
  const current = (await git(repo, ['symbolic-ref', '-q', '--short', 'HEAD'], { allowFailure: true })).stdout.trim();
  if (current === branch) throw new GitPublishError(`"${branch}" is the checked-out branch; check out the base branch, the pull-request branch is rewritten on every run.`);
}

export async function remoteBranchSha(repo: GitRepo, remote: string, branch: string, options: GitOptions = {}): Promise<string | undefined> {
  const listed = await gitText(repo, ['ls-remote', '--heads', remote, `refs/heads/${branch}`], options);
  const sha = listed.split('\n').find((line) => line.endsWith(`\trefs/heads/${branch}`))?.split('\t')[0];
  return sha || undefined;
}

/** Its tree is all we need; in a shallow checkout (actions/checkout's default) fetch no history. */
export async function fetchBranch(repo: GitRepo, remote: string, branch: string, options: GitOptions = {}): Promise<void> {
  const shallow = (await gitText(repo, ['rev-parse', '--is-shallow-repository'])) === 'true';
  await git(repo, ['fetch', '--no-tags', ...(shallow ? ['--depth=1'] : []), remote, `+refs/heads/${branch}:refs/remotes/${remote}/${branch}`], options);
}

/** A file as the fetched remote branch holds it; undefined when it holds none. */
/** The file's exact bytes on the fetched branch (a cassette may hold any bytes: never decoded here); undefined when absent. */
export async function fileOnRemoteBranch(repo: GitRepo, remote: string, branch: string, file: string): Promise<Buffer | undefined> {
  const shown = await gitBytes(repo, ['show', `refs/remotes/${remote}/${branch}:${file}`], { allowFailure: true, maxBuffer: 512 * 1024 * 1024 });
  return shown.code === 0 ? shown.stdout : undefined;
}

/** The paths a fetched remote branch's tree differs in from HEAD's. */
export async function pathsDifferingFromHead(repo: GitRepo, remote: string, branch: string): Promise<string[]> {
  return splitZ(await gitText(repo, ['diff', '--name-only', '-z', '--no-renames', 'HEAD', `refs/remotes/${remote}/${branch}`]));
}

export async function deleteRemoteBranch(repo: GitRepo, remote: string, branch: string, options: GitOptions = {}): Promise<void> {
  await git(repo, ['push', remote, '--delete', `refs/heads/${branch}`], options);
}

/**
 * Git credentials from a token, through the environment (GIT_CONFIG_*), never the command line.
 * The empty value first clears the header actions/checkout may have stored for the same server,
 * so the token given here is the only one sent.
 */
export function tokenAuthEnv(token: string, serverUrl: string): NodeJS.ProcessEnv {
  const key = `http.${serverUrl.replace(/\/+$/, '')}/.extraheader`;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: key, GIT_CONFIG_VALUE_0: '', GIT_CONFIG_KEY_1: key, GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${basic}` };
}

/** The tree of `base` with `paths` as they are in the working tree, via a scratch index. */
async function treeWithPaths(repo: GitRepo, base: string, paths: readonly string[]): Promise<string> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'rerecord-index-'));
  const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
  try {
    await git(repo, ['read-tree', base], { env });
    const stageable = await stageablePaths(repo, paths, env);
    if (stageable.length > 0) await git(repo, ['add', '-A', '--', ...stageable], { env });
    return await gitText(repo, ['write-tree'], { env });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

function splitZ(text: string): string[] {
  return text.split('\0').filter((part) => part !== '');
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
