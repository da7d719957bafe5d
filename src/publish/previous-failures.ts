// `failures-from: artifact`: the failure logs of the latest completed run of this workflow on this
// branch, as every shard of that run uploaded them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getOctokit } from '@actions/github';
import type { Config } from '../config/config.js';
import { jsonTwinPath, parseFailureLog, parseFailureReport } from '../state/failure-log.js';
import { downloadFromRun } from './artifacts.js';
import { findLatestRun } from './pull-request.js';
import { FAILURES_ARTIFACT } from './artifacts.js';

export async function fetchPreviousFailures(config: Config): Promise<string[]> {
  const { GITHUB_REPOSITORY: repository, GITHUB_WORKFLOW_REF: workflowRef, GITHUB_RUN_ID: runId } = process.env;
  if (!config.githubToken || !repository || !workflowRef) {
    throw new Error('failures-from: artifact needs GitHub Actions (GITHUB_REPOSITORY, GITHUB_WORKFLOW_REF) and github-token with actions: read');
  }
  const [owner, repo] = repository.split('/') as [string, string];
  // owner/repo/.github/workflows/refresh.yml@refs/heads/main -> refresh.yml
  const workflow = path.posix.basename(workflowRef.split('@')[0]!);
  const branch = process.env.GITHUB_HEAD_REF || process.env.GITHUB_REF_NAME || '';
  const access = { token: config.githubToken };
  const previous = await findLatestRun({ ...access, owner, repo, workflow, branch, excludeRunId: Number(runId) });
  if (previous === undefined) {
    throw new Error(`failures-from: artifact: no completed earlier run of ${workflow} on ${branch}; run once with mode all first`);
  }
  const names = await failureArtifactNames(config.githubToken, owner, repo, previous);
  if (names.length === 0) throw new Error(`failures-from: artifact: run ${previous} of ${workflow} uploaded no ${FAILURES_ARTIFACT} artifact (it may have expired)`);
  const lines: string[] = [];
  for (const name of names) lines.push(...(await readFailureLog(name, previous, { owner, repo, token: config.githubToken }, path.basename(config.failureLog))));
  return [...new Set(lines)];
}

async function failureArtifactNames(token: string, owner: string, repo: string, runId: number): Promise<string[]> {
  const octokit = getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || 'https://api.github.com' });
  const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: runId, per_page: 100 });
  return data.artifacts.map((artifact) => artifact.name).filter((name) => name === FAILURES_ARTIFACT || name.startsWith(`${FAILURES_ARTIFACT}-`));
}

async function readFailureLog(name: string, runId: number, where: { owner: string; repo: string; token: string }, logName: string): Promise<string[]> {
  const destination = await mkdtemp(path.join(process.env.RUNNER_TEMP || os.tmpdir(), 'rerecord-previous-'));
  try {
    const found = await downloadFromRun(name, destination, { token: where.token, workflowRunId: runId, repositoryOwner: where.owner, repositoryName: where.repo });
    if (!found) return [];
    // As from the working tree: the JSON twin is the source of truth, the text form read only without it.
    const twin = path.basename(jsonTwinPath(logName));
    const report = await readFile(path.join(found, twin), 'utf8').catch(() => undefined);
    if (report !== undefined) return parseFailureReport(report, `${twin} in artifact ${name}`).toRerun;
    return parseFailureLog(await readFile(path.join(found, logName), 'utf8').catch(() => ''), `${logName} in artifact ${name}`);
  } finally {
    await rm(destination, { recursive: true, force: true });
  }
}
