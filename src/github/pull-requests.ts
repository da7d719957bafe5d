// Opening (or refreshing) the pull request that carries re-recorded cassettes, through GitHub's
// REST API with the workflow's token. One open pull request per branch: re-runs update it.
import { octokitFor, type ApiAccess, type Octokit } from './octokit.js';

/** GitHub refuses pull request bodies longer than this (in characters). */
export const BODY_LIMIT = 65_536;

const TRUNCATION_NOTE = '\n\n---\n_Truncated: GitHub limits pull request descriptions to 65536 characters. The full report is in the run summary._\n';

export type { ApiAccess };

export interface PullRequestRef extends ApiAccess {
  owner: string;
  repo: string;
  /** The branch carrying the changes, in `owner`'s repository (no forks). */
  head: string;
  base: string;
}

export interface PullRequestSpec extends PullRequestRef {
  title: string;
  body: string;
  labels?: readonly string[];
  /** Only when it is created: a draft stays a draft, or becomes ready, by a person's choice. */
  draft?: boolean;
  /** Asked once, when it is created: asking again on every update would notify them again. */
  reviewers?: readonly string[];
  /** Team slugs, asked once with `reviewers`. */
  teamReviewers?: readonly string[];
  assignees?: readonly string[];
  /** The milestone's number, set on creation and on every update. */
  milestone?: number | undefined;
}

export interface PullRequestResult {
  url: string;
  number: number;
  operation: 'created' | 'updated';
  /** Non-fatal trouble, such as labels that could not be added: the pull request itself is there. */
  warnings: string[];
}

export async function upsertPullRequest(spec: PullRequestSpec): Promise<PullRequestResult> {
  const octokit = octokitFor(spec);
  const body = truncateBody(spec.body);
  let existing = await findOpenPullRequest(octokit, spec);
  let operation: PullRequestResult['operation'] = 'updated';
  if (!existing) {
    try {
      const { data } = await octokit.rest.pulls.create({ owner: spec.owner, repo: spec.repo, head: spec.head, base: spec.base, title: spec.title, body, draft: spec.draft ?? false });
      existing = { number: data.number, url: data.html_url };
      operation = 'created';
    } catch (error) {
      // Another job opened it between our look-up and our create: update that one instead.
      if (!isAlreadyExists(error)) throw explain(error, 'create the pull request');
      existing = await findOpenPullRequest(octokit, spec);
      if (!existing) throw explain(error, 'create the pull request');
    }
  }
  if (operation === 'updated') {
    try {
      await octokit.rest.pulls.update({ owner: spec.owner, repo: spec.repo, pull_number: existing.number, title: spec.title, body });
    } catch (error) {
      throw explain(error, `update pull request #${existing.number}`);
    }
  }
  const warnings: string[] = [];
  if (spec.labels && spec.labels.length > 0) {
    try {
      await octokit.rest.issues.addLabels({ owner: spec.owner, repo: spec.repo, issue_number: existing.number, labels: [...spec.labels] });
    } catch (error) {
      warnings.push(`could not label pull request #${existing.number}: ${explain(error, 'add labels').message}`);
    }
  }
  if (spec.milestone !== undefined) {
    try {
      await octokit.rest.issues.update({ owner: spec.owner, repo: spec.repo, issue_number: existing.number, milestone: spec.milestone });
    } catch (error) {
      warnings.push(`could not put pull request #${existing.number} in milestone ${spec.milestone}: ${explain(error, 'set the milestone').message}`);
    }
  }
  if (operation === 'created') warnings.push(...(await addPeople(octokit, spec, existing.number)));
  return { url: existing.url, number: existing.number, operation, warnings };
}

async function addPeople(octokit: Octokit, spec: PullRequestSpec, number: number): Promise<string[]> {
  const warnings: string[] = [];
  const reviewers = [...(spec.reviewers ?? [])];
  const teams = [...(spec.teamReviewers ?? [])];
  if (reviewers.length > 0 || teams.length > 0) {
    try {
      await octokit.rest.pulls.requestReviewers({ owner: spec.owner, repo: spec.repo, pull_number: number, reviewers, ...(teams.length > 0 ? { team_reviewers: teams } : {}) });
    } catch (error) {
      warnings.push(`could not request reviews on pull request #${number}: ${explain(error, 'request reviewers').message}`);
    }
  }
  if (spec.assignees && spec.assignees.length > 0) {
    try {
      await octokit.rest.issues.addAssignees({ owner: spec.owner, repo: spec.repo, issue_number: number, assignees: [...spec.assignees] });
    } catch (error) {
      warnings.push(`could not assign pull request #${number}: ${explain(error, 'add assignees').message}`);
    }
  }
  return warnings;
}

/** The open pull request from `head` into `base`, if there is one (a read: no write to the API). */
export async function findPullRequest(ref: PullRequestRef): Promise<{ number: number; url: string } | undefined> {
  return findOpenPullRequest(octokitFor(ref), ref);
}

/** Comment why, then close: a pull request that proposes nothing real any more. */
export async function closePullRequest(ref: PullRequestRef, number: number, comment: string): Promise<void> {
  const octokit = octokitFor(ref);
  try {
    await octokit.rest.issues.createComment({ owner: ref.owner, repo: ref.repo, issue_number: number, body: comment });
    await octokit.rest.pulls.update({ owner: ref.owner, repo: ref.repo, pull_number: number, state: 'closed' });
  } catch (error) {
    throw explain(error, `close pull request #${number}`);
  }
}

async function findOpenPullRequest(octokit: Octokit, spec: PullRequestRef): Promise<{ number: number; url: string } | undefined> {
  try {
    const { data } = await octokit.rest.pulls.list({
      owner: spec.owner,
      repo: spec.repo,
      head: `${spec.owner}:${spec.head}`,
      base: spec.base,
      state: 'open',
      per_page: 10,
    });
    const found = data[0];
    return found && { number: found.number, url: found.html_url };
  } catch (error) {
    throw explain(error, 'list pull requests');
  }
}

/** Cut at the limit minus room for a note saying so, never through a surrogate pair. */
export function truncateBody(body: string, limit = BODY_LIMIT): string {
  if (body.length <= limit) return body;
  let cut = limit - TRUNCATION_NOTE.length;
  const last = body.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return body.slice(0, cut) + TRUNCATION_NOTE;
}

export interface LatestRunQuery extends ApiAccess {
  owner: string;
  repo: string;
  /** The workflow's numeric id or its file name (`rerecord.yml`), as GITHUB_WORKFLOW_REF ends. */
  workflow: number | string;
  branch: string;
  /** The current run, which must not count as "the previous one". */
  excludeRunId?: number;
}

/** The id of the latest completed run of a workflow on a branch (newest first, as GitHub lists them). */
export async function findLatestRun(query: LatestRunQuery): Promise<number | undefined> {
  const octokit = octokitFor(query);
  try {
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      owner: query.owner,
      repo: query.repo,
      workflow_id: query.workflow,
      branch: query.branch,
      status: 'completed',
      per_page: 10,
    });
    return data.workflow_runs.find((run) => run.id !== query.excludeRunId)?.id;
  } catch (error) {
    throw explain(error, 'list workflow runs');
  }
}

interface HttpError {
  status: number;
  message: string;
}

function isHttpError(error: unknown): error is HttpError {
  return error instanceof Error && typeof (error as Partial<HttpError>).status === 'number';
}

function isAlreadyExists(error: unknown): boolean {
  return isHttpError(error) && error.status === 422 && /already exists/i.test(error.message);
}

const PERMISSION_PATTERN = /resource not accessible|not permitted to create or approve pull requests|must have (admin|push) access|write access/i;

/**
 * Rewrite the API's terse refusals into what to change. The default GITHUB_TOKEN is read-only in
 * many repositories, and creating pull requests is off by default for Actions.
 */
export function explain(error: unknown, action: string): Error {
  if (!isHttpError(error)) return error instanceof Error ? error : new Error(String(error));
  const detail = `HTTP ${error.status}: ${error.message}`;
  if ((error.status === 403 || error.status === 404) && PERMISSION_PATTERN.test(error.message)) {
    return new Error(
      `could not ${action} (${detail}). The workflow's token lacks permission: give the job\n` +
        `  permissions:\n    contents: write\n    pull-requests: write\n` +
        `and, to create pull requests, enable "Allow GitHub Actions to create and approve pull requests" ` +
        `(repository Settings > Actions > General > Workflow permissions; an organization can disable it for all its repositories).`,
      { cause: error },
    );
  }
  if (error.status === 401) return new Error(`could not ${action} (${detail}): the token was refused; check github-token.`, { cause: error });
  if (error.status === 422 && /no commits between/i.test(error.message)) {
    return new Error(`could not ${action} (${detail}): the branch has no changes relative to the base.`, { cause: error });
  }
  return new Error(`could not ${action} (${detail})`, { cause: error });
}
