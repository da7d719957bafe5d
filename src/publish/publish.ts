// Where refreshed cassettes go: a commit, a pull request or an artifact. Only cassettes with real
// changes (and the manifest) are published, after one more leak scan over exactly those files.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffCassettes } from '../cassettes/diff.js';
import { decodeCassetteBytes, parseCassette } from '../cassettes/formats/index.js';
import { findLeaks, describeLeak } from '../cassettes/leaks.js';
import type { Config } from '../config/config.js';
import { INPUTS, type PrBodyPlaceholder } from '../config/inputs.js';
import { fillTemplate } from '../text/template.js';
import { runUrl, type RunnerContext } from '../config/runner-context.js';
import { gitText, type GitRepo } from '../git/run-git.js';
import { secretsOf } from '../config/secrets.js';
import { MANIFEST_PATH } from '../state/paths.js';
import { driftHeadline, driftCounts, driftMarkdown, type DriftSource } from '../report/drift.js';
import type { Logger } from '../report/logger.js';
import { keepTimingsOf, parseManifest, serializeManifest } from '../state/manifest.js';
import { ownPathProblems, readOwnFile, writeOwnFile } from '../state/own-files.js';
import { artifactStore, FAILURES_ARTIFACT, requireRunnerEnvironment } from '../github/artifacts.js';
import type { FileResult } from '../results/run-outcome.js';
import { commitPaths, type CommitIdentity, deleteRemoteBranch, fetchBranch, fileOnRemoteBranch, pathsDifferingFromHead, publishBranch, pushWithRebase, remoteBranchSha, tokenAuthEnv } from './git.js';
import { closePullRequest, findPullRequest, upsertPullRequest } from '../github/pull-requests.js';


export interface PublishOutcome {
  /** `unchanged`: the open pull request already holds this (nothing pushed, nothing updated); `closed`: no drift left. */
  operation: 'none' | 'committed' | 'created' | 'updated' | 'unchanged' | 'closed' | 'uploaded';
  commitSha: string | undefined;
  pullRequest: { url: string; number: number } | undefined;
  artifact?: { id: number; url: string } | undefined;
  /** Publishing went as asked but the run must fail (`if-no-files-found: error`): said after the report. */
  failure?: string | undefined;
}

/** What publishing reads of a file's result: its drift, and (when known) whether and why it failed. */
export type PublishSource = DriftSource & Partial<Pick<FileResult, 'status' | 'reason'>>;

const NOTHING: PublishOutcome = { operation: 'none', commitSha: undefined, pullRequest: undefined };
const REMOTE = 'origin';

/** Cassettes a run really changed: re-recorded with drift, or recorded for the first time. */
export function changedCassettes(results: readonly DriftSource[]): string[] {
  const changed = results.flatMap((result) => result.cassettes.filter((c) => c.outcome === 're-recorded' || c.outcome === 'recorded').map((c) => c.cassette));
  return [...new Set(changed)].sort();
}

export async function publishCassettes(config: Config, results: readonly PublishSource[], failed: readonly string[], logger: Logger): Promise<PublishOutcome> {
  if (config.publish === 'none') return NOTHING;
  const cassettes = changedCassettes(results);
  if (cassettes.length === 0) {
    if (config.publish === 'artifact') return nothingToUpload(config, logger);
    logger.info('no cassette really changed: nothing to publish');
    return config.publish === 'pull-request' ? closeWhenNoDriftLeft(config, results, logger) : NOTHING;
  }
  const paths = [...cassettes, MANIFEST_PATH];
  await refuseOwnFilesNotOurs(config.workingDirectory, [MANIFEST_PATH], 'publish');
  await refuseLeaks(config, paths);
  switch (config.publish) {
    case 'artifact': {
      const files = paths.map((file) => path.resolve(config.workingDirectory, file));
      const { id } = await artifactStore(config.runner).upload(config.artifactName, files, config.workingDirectory, { retentionDays: config.retentionDays, compressionLevel: config.compressionLevel });
      const url = artifactUrl(config.runner, id);
      logger.info(`uploaded ${cassettes.length} cassettes as artifact ${config.artifactName}${url ? `: ${url}` : ''}`);
      return { ...NOTHING, operation: 'uploaded', artifact: { id, url } };
    }
    case 'commit':
      return commitOnCurrentBranch(config, paths, logger);
    case 'pull-request':
      return openPullRequest(config, paths, results, failed, logger);
  }
}

/** `publish: artifact` with no cassette really changed: as actions/upload-artifact's `if-no-files-found`. */
function nothingToUpload(config: Config, logger: Logger): PublishOutcome {
  const message = `no cassette really changed: nothing to upload as artifact ${config.artifactName}`;
  if (config.ifNoFilesFound === 'ignore') logger.info(message);
  else if (config.ifNoFilesFound === 'warn') logger.warning(message);
  else {
    logger.error(`${message} (if-no-files-found: error)`);
    return { ...NOTHING, failure: `${message} (if-no-files-found: error)` };
  }
  return NOTHING;
}

function identityOf(config: Config): CommitIdentity {
  return { author: config.author, committer: config.committer };
}

async function commitOnCurrentBranch(config: Config, paths: readonly string[], logger: Logger): Promise<PublishOutcome> {
  const repo = repoOf(config);
  const branch = await checkedOutBranch(repo);
  const commit = await commitPaths(repo, paths, config.commitMessage, identityOf(config));
  if (!commit) return NOTHING;
  const { sha } = await pushWithRebase(repo, { branch, identity: identityOf(config) });
  logger.info(`committed ${paths.length - 1} cassettes to ${branch} as ${sha}`);
  return { ...NOTHING, operation: 'committed', commitSha: sha };
}

interface PullRequestTarget {
  token: string;
  owner: string;
  repo: string;
  /** Git credentials for pushing, fetching and deleting the branch when a separate token was given. */
  auth: NodeJS.ProcessEnv | undefined;
}

/**
 * What publishing as configured will need, checked before any test runs (exit 2, nothing touched):
 * a pull request needs a token and the repository; artifacts need a runner. A shard never publishes.
 */
export function publishProblems(config: Config): string[] {
  if (config.shard.count > 1) return [];
  if (config.publish === 'pull-request') {
    const problems: string[] = [];
    if (!(config.publishToken ?? config.githubToken)) {
      problems.push('publish: pull-request needs a token to push the branch and open the pull request: github-token (the CLI reads GITHUB_TOKEN), or token (RERECORD_TOKEN); or choose another publish');
    }
    const repository = config.runner.repository;
    if (!repository || !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
      problems.push(`publish: pull-request needs GITHUB_REPOSITORY as owner/name (a runner sets it; export it to publish from a shell)${repository ? `, got ${JSON.stringify(repository)}` : ''}`);
    }
    return problems;
  }
  if (config.publish === 'artifact') {
    try {
      requireRunnerEnvironment(config.runner, 'publish the cassettes as an artifact');
    } catch (error) {
      return [`publish: ${(error as Error).message}`];
    }
  }
  return [];
}

function pullRequestTarget(config: Config): PullRequestTarget | undefined {
  const repository = config.runner.repository;
  const token = config.publishToken ?? config.githubToken;
  if (!token || !repository) return undefined;
  const [owner, repo] = repository.split('/') as [string, string];
  return { token, owner, repo, auth: config.publishToken ? tokenAuthEnv(config.publishToken, config.runner.serverUrl) : undefined };
}

async function openPullRequest(
  config: Config,
  paths: readonly string[],
  results: readonly PublishSource[],
  failed: readonly string[],
  logger: Logger,
): Promise<PublishOutcome> {
  const target = pullRequestTarget(config);
  // Checked before any test ran (publishProblems); the publish job of a sharded run gets here unchecked.
  if (!target) throw new Error(publishProblems({ ...config, shard: { index: 1, count: 1 } }).join('; '));
  const repo = repoOf(config);
  const base = config.base ?? (await currentBranch(repo, config.runner));
  // Noise is judged against what the pull request already carries: a re-run against an unchanged
  // API then builds the very same tree, and nothing is pushed or updated.
  if (await remoteBranchSha(repo, REMOTE, config.branch, { env: target.auth })) {
    await fetchBranch(repo, REMOTE, config.branch, { env: target.auth });
    await steadyManifestAgainstBranch(repo, config.branch);
    const kept = await keepBranchVersionsOfNoise(config, paths.filter((file) => file !== MANIFEST_PATH));
    if (kept.length > 0) logger.info(`${kept.length} cassette(s) differ from the pull request's only by noise: kept as the pull request has them`);
  }
  const api = config.signCommits ? { token: target.token, apiUrl: config.runner.apiUrl, owner: target.owner, repo: target.repo } : undefined;
  const pushed = await publishBranch(repo, { branch: config.branch, base, paths: [...paths], message: config.commitMessage, auth: target.auth, identity: identityOf(config), api });
  if (pushed.outcome === 'no-changes') return NOTHING;
  if (pushed.signature) {
    if (pushed.signature.verified) logger.info(`commit ${pushed.sha} made through the GitHub API: verified`);
    else logger.warning(`commit ${pushed.sha} was made through the GitHub API, but GitHub did not sign it (${pushed.signature.reason}); it will not show as verified`);
  }
  const spec = { token: target.token, apiUrl: config.runner.apiUrl, owner: target.owner, repo: target.repo, head: config.branch, base };
  if (pushed.outcome === 'up-to-date') {
    const open = await findPullRequest(spec);
    if (open) {
      logger.info(`pull request #${open.number} already holds these cassettes: nothing pushed, nothing updated (${open.url})`);
      return { operation: 'unchanged', commitSha: pushed.sha, pullRequest: open };
    }
  }
  const texts = pullRequestTexts(config, results, failed);
  const pullRequest = await upsertPullRequest({
    ...spec,
    title: texts.title,
    body: texts.body,
    labels: [...config.prLabels],
    draft: config.draft,
    reviewers: [...config.reviewers],
    teamReviewers: [...config.teamReviewers],
    assignees: [...config.assignees],
    milestone: config.milestone,
  });
  logger.info(`pull request ${pullRequest.operation}: ${pullRequest.url}`);
  for (const warning of pullRequest.warnings) logger.warning(warning);
  return { operation: pullRequest.operation, commitSha: pushed.sha, pullRequest: { url: pullRequest.url, number: pullRequest.number } };
}

/**
 * Where a cassette's new recording differs from the pull-request branch's copy only by noise, put
 * the branch's bytes in the working tree: that copy is as fresh, and re-pushing it would be churn.
 */
async function keepBranchVersionsOfNoise(config: Config, cassettes: readonly string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const cassette of cassettes) {
    const onBranch = await fileOnRemoteBranch(repoOf(config), REMOTE, config.branch, cassette);
    if (onBranch === undefined) continue;
    const file = path.resolve(config.workingDirectory, cassette);
    const current = await readFile(file).catch(() => undefined);
    if (current === undefined || current.equals(onBranch)) continue;
    try {
      const diff = diffCassettes(cassette, parseCassette(onBranch, cassette), parseCassette(current, cassette), {
        volatileHeaders: config.volatileHeaders,
        volatileFields: config.volatileFields,
        volatilePaths: config.volatilePaths,
      });
      if (diff.status !== 'noise-only') continue;
    } catch {
      // Unreadable on either side: when unsure, it changed.
      continue;
    }
    await writeFile(file, onBranch);
    kept.push(cassette);
  }
  return kept;
}

/**
 * No cassette this run re-recorded holds real drift. If the open pull request changes nothing but
 * cassettes this run re-recorded (and found unchanged against the base), it proposes nothing real
 * any more: close it with a comment (unless asked to keep it), and delete its branch if asked.
 */
async function closeWhenNoDriftLeft(config: Config, results: readonly PublishSource[], logger: Logger): Promise<PublishOutcome> {
  const target = pullRequestTarget(config);
  if (!target) return NOTHING;
  const repo = repoOf(config);
  if (!(await remoteBranchSha(repo, REMOTE, config.branch, { env: target.auth }))) return NOTHING;
  const base = config.base ?? (await currentBranch(repo, config.runner));
  const spec = { token: target.token, apiUrl: config.runner.apiUrl, owner: target.owner, repo: target.repo, head: config.branch, base };
  const open = await findPullRequest(spec);
  if (!open) return NOTHING;
  await fetchBranch(repo, REMOTE, config.branch, { env: target.auth });
  const covered = new Set(results.filter((result) => (result.status ?? 'succeeded') === 'succeeded').flatMap((result) => result.cassettes.map((c) => c.cassette)));
  const proposed = (await pathsDifferingFromHead(repo, REMOTE, config.branch)).filter((file) => file !== MANIFEST_PATH);
  const uncovered = proposed.filter((file) => !covered.has(file));
  if (uncovered.length > 0) {
    logger.info(`pull request #${open.number} also changes ${uncovered.slice(0, 5).join(', ')}${uncovered.length > 5 ? ` and ${uncovered.length - 5} more` : ''}, which this run did not re-record: left open`);
    return { ...NOTHING, operation: 'unchanged', pullRequest: open };
  }
  if (config.keepPullRequestOpen) {
    logger.info(`pull request #${open.number} proposes no real change any more; left open (keep-pull-request-open)`);
    return { ...NOTHING, operation: 'unchanged', pullRequest: open };
  }
  const run = runUrl(config.runner);
  await closePullRequest(spec, open.number, `rerecord re-recorded ${proposed.length} cassette(s) this pull request changes${run ? ` in ${run}` : ''} and found no real change left against \`${base}\` (only noise such as dates and request ids differs): closing it. A later run opens a new one when the API drifts again.`);
  logger.info(`closed pull request #${open.number}: no real drift left`);
  if (config.deleteBranch) {
    await deleteRemoteBranch(repo, REMOTE, config.branch, { env: target.auth });
    logger.info(`deleted branch ${config.branch}`);
  }
  return { ...NOTHING, operation: 'closed', pullRequest: open };
}

function artifactUrl(runner: RunnerContext, id: number): string {
  const run = runUrl(runner);
  return run ? `${run}/artifacts/${id}` : '';
}

/** What a pull request's title and body templates may say (PR_BODY_PLACEHOLDERS), filled from a run. */
export function pullRequestParts(results: readonly PublishSource[], failed: readonly string[], run: string | undefined): Record<PrBodyPlaceholder, string> {
  return {
    headline: driftHeadline(driftCounts(results)),
    drift: driftMarkdown(results, 55_000),
    failed: failedSection(results, failed, run),
    'run-url': run ?? '',
    'changed-count': String(changedCassettes(results).length),
    'failed-count': String(failed.length),
  };
}

/** rerecord's own body: what `pr-body` gives when left empty. */
export function pullRequestBody(results: readonly PublishSource[], failed: readonly string[], run: string | undefined): string {
  const parts = pullRequestParts(results, failed, run);
  const lines = [`Re-recorded by rerecord: ${parts.headline}.${run ? ` [Workflow run](${run}).` : ''}`, '', parts.drift];
  if (parts.failed) lines.push(parts.failed);
  return lines.join('\n');
}

/** The title and body as configured: `pr-title` and `pr-body` filled in, or rerecord's own body. */
export function pullRequestTexts(config: Pick<Config, 'prTitle' | 'prBody' | 'runner'>, results: readonly PublishSource[], failed: readonly string[]): { title: string; body: string } {
  const run = runUrl(config.runner);
  const parts = pullRequestParts(results, failed, run);
  // GitHub refuses an empty title: a template that filled to nothing (`{run-url}` off a runner) gets the default.
  const title = fillTemplate(config.prTitle, parts).replace(/\s+/g, ' ').trim() || INPUTS['pr-title'].default;
  return { title, body: config.prBody === undefined ? pullRequestBody(results, failed, run) : fillTemplate(config.prBody, parts) };
}

/** The files not re-recorded, with their reasons and where their output is; empty when none. */
function failedSection(results: readonly PublishSource[], failed: readonly string[], run: string | undefined): string {
  if (failed.length === 0) return '';
  const reasons = new Map(results.filter((result) => result.reason).map((result) => [result.file, result.reason!]));
  const where = run ? `the [failure report](${run}#artifacts) (artifact \`${FAILURES_ARTIFACT}\`)` : 'the failure report (.rerecord/failures.json)';
  const lines = [`### Not re-recorded (${failed.length}; their old cassettes are kept)`, '', `Each file's output is in ${where}.`, ''];
  lines.push(...failed.slice(0, 200).map((file) => `- \`${file}\`${reasons.has(file) ? `: ${oneLine(reasons.get(file)!)}` : ''}`));
  if (failed.length > 200) lines.push(`- … and ${failed.length - 200} more (see the failure log artifact)`);
  return lines.join('\n');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * The open pull request's branch already carries a manifest; timings (which vary with the
 * runner's load, by far more than 2x on a busy machine) must not make a new commit there: the
 * branch's timings are kept. The branch has been fetched.
 */
async function steadyManifestAgainstBranch(repo: GitRepo, branch: string): Promise<void> {
  const cwd = repo.cwd;
  const text = (await fileOnRemoteBranch(repo, REMOTE, branch, MANIFEST_PATH))?.toString('utf8');
  let published;
  try {
    published = text === undefined ? undefined : parseManifest(text, `${branch}:${MANIFEST_PATH}`);
  } catch {
    published = undefined;
  }
  if (!published) return;
  const bytes = await readOwnFile(cwd, MANIFEST_PATH);
  if (bytes === undefined) return;
  await writeOwnFile(cwd, MANIFEST_PATH, serializeManifest(keepTimingsOf(parseManifest(bytes.toString('utf8'), MANIFEST_PATH), published)));
}

/**
 * A file of rerecord's own that a test replaced by a symlink while the run went on (its write was
 * refused) is neither read, committed nor uploaded: what it points to could be anything.
 */
export async function refuseOwnFilesNotOurs(workingDirectory: string, files: readonly string[], what: string): Promise<void> {
  const problems = await ownPathProblems(workingDirectory, files);
  if (problems.length > 0) throw new Error(`refusing to ${what}: ${problems.join('; ')}`);
}

/** The last line of defence: nothing with a secret in it is committed or uploaded. */
async function refuseLeaks(config: Config, paths: readonly string[]): Promise<void> {
  const secrets = secretsOf(config);
  const findings: string[] = [];
  for (const file of paths) {
    const bytes = await readFile(path.resolve(config.workingDirectory, file)).catch(() => undefined);
    if (bytes === undefined) continue;
    findings.push(...findLeaks(decodeCassetteBytes(bytes).text, secrets).map((leak) => describeLeak(file, leak)));
  }
  if (findings.length > 0) throw new Error(`refusing to publish: ${findings.slice(0, 5).join('; ')}`);
}

function repoOf(config: Config): GitRepo {
  return { cwd: config.workingDirectory, inherited: config.runner.inherited };
}

/** The branch being run on: a pull request's head, a pushed branch, else what git has checked out. */
async function currentBranch(repo: GitRepo, runner: RunnerContext): Promise<string> {
  return runner.eventBranch ?? gitText(repo, ['rev-parse', '--abbrev-ref', 'HEAD']);
}

/** A commit must land on a branch: a detached HEAD (a pull_request event's merge commit) has none. */
async function checkedOutBranch(repo: GitRepo): Promise<string> {
  const branch = await gitText(repo, ['rev-parse', '--abbrev-ref', 'HEAD']);
  if (branch === 'HEAD') {
    throw new Error('publish: commit needs a checked-out branch, but HEAD is detached (on pull_request events, check out with ref: ${{ github.head_ref }}), or use publish: pull-request');
  }
  return branch;
}
