// Where refreshed cassettes go: a commit, a pull request or an artifact. Only cassettes with real
// changes (and the manifest) are published, after one more leak scan over exactly those files.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { findLeaks, describeLeak } from '../cassettes/leaks.js';
import type { Config } from '../config/config.js';
import { MANIFEST_PATH, secretsOf } from '../pipeline.js';
import { driftHeadline, driftCounts, driftMarkdown, type DriftSource } from '../report/drift.js';
import type { Logger } from '../report/logger.js';
import { parseManifest, serializeManifest, steadyAgainst } from '../state/manifest.js';
import { uploadFiles } from './artifacts.js';
import { commitPaths, publishBranch, pushWithRebase } from './git.js';
import { upsertPullRequest } from './pull-request.js';

const run = promisify(execFile);

export interface PublishOutcome {
  operation: 'none' | 'committed' | 'created' | 'updated' | 'uploaded';
  commitSha: string | undefined;
  pullRequest: { url: string; number: number } | undefined;
}

const NOTHING: PublishOutcome = { operation: 'none', commitSha: undefined, pullRequest: undefined };

/** Cassettes a run really changed: re-recorded with drift, or recorded for the first time. */
export function changedCassettes(results: readonly DriftSource[]): string[] {
  const changed = results.flatMap((result) => result.cassettes.filter((c) => c.outcome === 're-recorded' || c.outcome === 'recorded').map((c) => c.cassette));
  return [...new Set(changed)].sort();
}

export async function publishCassettes(config: Config, results: readonly DriftSource[], failed: readonly string[], logger: Logger): Promise<PublishOutcome> {
  if (config.publish === 'none') return NOTHING;
  const cassettes = changedCassettes(results);
  if (cassettes.length === 0) {
    logger.info('no cassette really changed: nothing to publish');
    return NOTHING;
  }
  const paths = [...cassettes, MANIFEST_PATH];
  await refuseLeaks(config, paths);
  switch (config.publish) {
    case 'artifact': {
      const files = paths.map((file) => path.resolve(config.workingDirectory, file));
      await uploadFiles(config.artifactName, files, config.workingDirectory, { retentionDays: config.retentionDays });
      logger.info(`uploaded ${cassettes.length} cassettes as artifact ${config.artifactName}`);
      return { ...NOTHING, operation: 'uploaded' };
    }
    case 'commit':
      return commitOnCurrentBranch(config, paths, logger);
    case 'pull-request':
      return openPullRequest(config, paths, results, failed, logger);
  }
}

async function commitOnCurrentBranch(config: Config, paths: readonly string[], logger: Logger): Promise<PublishOutcome> {
  const branch = await checkedOutBranch(config.workingDirectory);
  const commit = await commitPaths(config.workingDirectory, paths, config.commitMessage);
  if (!commit) return NOTHING;
  const { sha } = await pushWithRebase(config.workingDirectory, { branch });
  logger.info(`committed ${paths.length - 1} cassettes to ${branch} as ${sha}`);
  return { ...NOTHING, operation: 'committed', commitSha: sha };
}

async function openPullRequest(
  config: Config,
  paths: readonly string[],
  results: readonly DriftSource[],
  failed: readonly string[],
  logger: Logger,
): Promise<PublishOutcome> {
  const repository = process.env.GITHUB_REPOSITORY;
  if (!config.githubToken || !repository) {
    throw new Error('publish: pull-request needs github-token (GITHUB_TOKEN for the CLI) and GITHUB_REPOSITORY (owner/name)');
  }
  const [owner, repo] = repository.split('/') as [string, string];
  const base = config.base ?? (await currentBranch(config.workingDirectory));
  await steadyManifestAgainstBranch(config.workingDirectory, config.branch);
  const pushed = await publishBranch(config.workingDirectory, { branch: config.branch, base, paths: [...paths], message: config.commitMessage });
  if (pushed.outcome === 'no-changes') return NOTHING;
  const pullRequest = await upsertPullRequest({
    token: config.githubToken,
    owner,
    repo,
    head: config.branch,
    base,
    title: config.prTitle,
    body: pullRequestBody(results, failed),
    labels: [...config.prLabels],
  });
  logger.info(`pull request ${pullRequest.operation}: ${pullRequest.url}`);
  for (const warning of pullRequest.warnings) logger.warning(warning);
  return { operation: pullRequest.operation, commitSha: pushed.sha, pullRequest: { url: pullRequest.url, number: pullRequest.number } };
}

export function pullRequestBody(results: readonly DriftSource[], failed: readonly string[]): string {
  const lines = [`Re-recorded by rerecord: ${driftHeadline(driftCounts(results))}.`, '', driftMarkdown(results, 55_000)];
  if (failed.length > 0) {
    lines.push(`### Not re-recorded (${failed.length}; their old cassettes are kept)`, '', ...failed.slice(0, 200).map((file) => `- \`${file}\``));
    if (failed.length > 200) lines.push(`- … and ${failed.length - 200} more (see the failure log artifact)`);
  }
  return lines.join('\n');
}

/**
 * The open pull request's branch already carries a manifest; timings that merely jittered since
 * must not make a new commit there (main has not moved, so its manifest is no guide).
 */
async function steadyManifestAgainstBranch(cwd: string, branch: string): Promise<void> {
  const published = await run('git', ['fetch', '--no-tags', '-q', 'origin', `refs/heads/${branch}`], { cwd })
    .then(() => run('git', ['show', `FETCH_HEAD:${MANIFEST_PATH}`], { cwd, maxBuffer: 64 * 1024 * 1024 }))
    .then(({ stdout }) => parseManifest(stdout, `${branch}:${MANIFEST_PATH}`))
    .catch(() => undefined);
  if (!published) return;
  const file = path.resolve(cwd, MANIFEST_PATH);
  const current = parseManifest(await readFile(file, 'utf8'), MANIFEST_PATH);
  await writeFile(file, serializeManifest(steadyAgainst(current, published)));
}

/** The last line of defence: nothing with a secret in it is committed or uploaded. */
async function refuseLeaks(config: Config, paths: readonly string[]): Promise<void> {
  const secrets = secretsOf(config);
  const findings: string[] = [];
  for (const file of paths) {
    const text = await readFile(path.resolve(config.workingDirectory, file), 'utf8').catch(() => '');
    findings.push(...findLeaks(text, secrets).map((leak) => describeLeak(file, leak)));
  }
  if (findings.length > 0) throw new Error(`refusing to publish: ${findings.slice(0, 5).join('; ')}`);
}

/** The branch being run on: a pull request's head, a pushed branch, else what git has checked out. */
async function currentBranch(cwd: string): Promise<string> {
  if (process.env.GITHUB_HEAD_REF) return process.env.GITHUB_HEAD_REF;
  if (process.env.GITHUB_REF?.startsWith('refs/heads/') && process.env.GITHUB_REF_NAME) return process.env.GITHUB_REF_NAME;
  const { stdout } = await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd });
  return stdout.trim();
}

/** A commit must land on a branch: a detached HEAD (a pull_request event's merge commit) has none. */
async function checkedOutBranch(cwd: string): Promise<string> {
  const { stdout } = await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd });
  const branch = stdout.trim();
  if (branch === 'HEAD') {
    throw new Error('publish: commit needs a checked-out branch, but HEAD is detached (on pull_request events, check out with ref: ${{ github.head_ref }}), or use publish: pull-request');
  }
  return branch;
}
