// `failures-from: artifact`: the failure logs of the latest completed run of this workflow on this
// branch, as every shard of that run uploaded them.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { jsonTwinPath, parseFailureLog, parseFailureReport } from '../state/failure-log.js';
import { artifactStore, FAILURES_ARTIFACT, type ArtifactStore } from '../github/artifacts.js';
import { octokitFor, type ApiAccess } from '../github/octokit.js';
import { findLatestRun } from '../github/pull-requests.js';

export async function fetchPreviousFailures(config: Config): Promise<string[]> {
  const { repository, workflowRef, runId, eventBranch } = config.runner;
  if (!config.githubToken || !repository || !workflowRef) {
    throw new Error('failures-from: artifact needs GitHub Actions (GITHUB_REPOSITORY, GITHUB_WORKFLOW_REF) and github-token with actions: read');
  }
  const [owner, repo] = repository.split('/') as [string, string];
  // owner/repo/.github/workflows/refresh.yml@refs/heads/main -> refresh.yml
  const workflow = path.posix.basename(workflowRef.split('@')[0]!);
  // A tag push has no branch whose runs could be compared: every run of the workflow is looked at.
  const branch = eventBranch ?? '';
  const access = { token: config.githubToken, apiUrl: config.runner.apiUrl };
  const previous = await findLatestRun({ ...access, owner, repo, workflow, branch, excludeRunId: Number(runId) });
  if (previous === undefined) {
    throw new Error(`failures-from: artifact: no completed earlier run of ${workflow}${branch ? ` on ${branch}` : ''}; run once with mode all first`);
  }
  const names = await failureArtifactNames(access, owner, repo, previous);
  if (names.length === 0) throw new Error(`failures-from: artifact: run ${previous} of ${workflow} uploaded no ${FAILURES_ARTIFACT} artifact (it may have expired)`);
  const lines: string[] = [];
  const artifacts = artifactStore(config.runner);
  for (const name of names) {
    lines.push(...(await readFailureLog(artifacts, name, previous, { owner, repo, token: config.githubToken }, path.basename(config.failureLog), config.runner.tempDir)));
  }
  return [...new Set(lines)];
}

async function failureArtifactNames(access: ApiAccess, owner: string, repo: string, runId: number): Promise<string[]> {
  const octokit = octokitFor(access);
  const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({ owner, repo, run_id: runId, per_page: 100 });
  return data.artifacts.map((artifact) => artifact.name).filter((name) => name === FAILURES_ARTIFACT || name.startsWith(`${FAILURES_ARTIFACT}-`));
}

async function readFailureLog(
  artifacts: ArtifactStore,
  name: string,
  runId: number,
  where: { owner: string; repo: string; token: string },
  logName: string,
  tempDir: string,
): Promise<string[]> {
  const destination = await mkdtemp(path.join(tempDir, 'rerecord-previous-'));
  try {
    const found = await artifacts.downloadFromRun(name, destination, { token: where.token, workflowRunId: runId, repositoryOwner: where.owner, repositoryName: where.repo });
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
