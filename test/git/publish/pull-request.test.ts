// Tier test/git: needs git and a free loopback port (stand-in GitHub API).
// The pull-request flow end to end: real git (bare origin, clone) and the real @actions/github
// client against the stand-in GitHub API.
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishBranch } from '../../../src/publish/git.js';
import { BODY_LIMIT, findLatestRun, truncateBody, upsertPullRequest } from '../../../src/github/pull-requests.js';
import { createOriginAndClone, git, isolateGitConfig, writeFiles, type OriginAndClone } from '../../support/git-repos.js';
import { startStandinGithub } from '../../support/standin-github.mjs';
import { readZip } from '../../support/standin-results.mjs';
import { readRunnerContext } from '../../../src/config/runner-context.js';

/** The tests' repositories, with git started from the test process's environment as the CLI starts it. */
const repoAt = (cwd: string) => ({ cwd, inherited: process.env });

const TOKEN = 'ghs_standin_token';
type Standin = Awaited<ReturnType<typeof startStandinGithub>>;

let restoreConfig: () => void;
beforeAll(() => {
  restoreConfig = isolateGitConfig();
});
afterAll(() => restoreConfig());

let github: Standin;
let repos: OriginAndClone | undefined;
beforeEach(async () => {
  github = await startStandinGithub({ token: TOKEN, owner: 'octo' });
});
afterEach(async () => {
  await github.close();
  await repos?.remove();
  repos = undefined;
});

const target = () => ({ token: TOKEN, apiUrl: github.url, owner: 'octo', repo: 'proj' });
const BRANCH = 'rerecord/refresh';

describe('publish: pull-request', () => {
  it('creates the branch and pull request, updates both on a change, and does nothing on a re-run', async () => {
    repos = await createOriginAndClone({ 'README.md': 'r\n', 'cassettes/a.yml': 'a: 1\n', 'cassettes/b.yml': 'b: 1\n' });
    const { clone } = repos;
    const base = git(clone, 'rev-parse', 'HEAD');
    const publish = () => publishBranch(repoAt(clone), { branch: BRANCH, base: 'main', paths: ['cassettes/a.yml', 'cassettes/b.yml'], message: 'Re-record cassettes' });
    const upsert = (title: string) => upsertPullRequest({ ...target(), head: BRANCH, base: 'main', title, body: `## ${title}`, labels: ['cassettes'] });

    await writeFiles(clone, { 'cassettes/a.yml': 'a: 2\n' });
    const first = await publish();
    expect(first).toMatchObject({ changed: true, outcome: 'pushed' });
    expect(repos.originSha(BRANCH)).toBe(first.sha);
    expect(await upsert('Refresh 1')).toEqual({ url: 'https://github.com/octo/proj/pull/1', number: 1, operation: 'created', warnings: [] });

    await writeFiles(clone, { 'cassettes/b.yml': 'b: 2\n' });
    const second = await publish();
    expect(second.changed).toBe(true);
    expect(second.sha).not.toBe(first.sha);
    expect(repos.originSha(BRANCH)).toBe(second.sha);
    // Force-pushed: still one commit on top of the base, holding both changes.
    expect(git(repos.origin, 'rev-parse', `${BRANCH}~1`)).toBe(base);
    expect(git(repos.origin, 'show', '--name-only', '--format=', BRANCH).split('\n').sort()).toEqual(['cassettes/a.yml', 'cassettes/b.yml']);
    expect(await upsert('Refresh 2')).toEqual({ url: 'https://github.com/octo/proj/pull/1', number: 1, operation: 'updated', warnings: [] });

    const third = await publish();
    expect(third).toEqual({ sha: second.sha, changed: false, outcome: 'up-to-date' });
    expect(repos.originSha(BRANCH)).toBe(second.sha);

    const pulls = github.pulls('all');
    expect(pulls).toHaveLength(1);
    expect(pulls[0]).toMatchObject({ number: 1, state: 'open', title: 'Refresh 2', body: '## Refresh 2', head: { ref: BRANCH }, base: { ref: 'main' } });
    expect(pulls[0].labels.map((label: { name: string }) => label.name)).toEqual(['cassettes']);
    const listed = github.requests('GET', /\/pulls$/)[0];
    expect(listed?.query).toMatchObject({ head: `octo:${BRANCH}`, base: 'main', state: 'open' });
    expect(github.requests('POST', /\/pulls$/)).toHaveLength(1);
    expect(github.requests('PATCH')).toHaveLength(1);
    expect(github.state.requests.every((request) => request.authorization === `token ${TOKEN}`)).toBe(true);
    // The workspace is as the run left it: the base checked out, the cassettes as files.
    expect(git(clone, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(clone, 'status', '--porcelain').split('\n').map((line) => line.trim()).sort()).toEqual(['M cassettes/a.yml', 'M cassettes/b.yml']);
  });

  it('publishes from a subfolder of the repository', async () => {
    repos = await createOriginAndClone({ 'README.md': 'r\n', 'ruby/spec/cassettes/a.yml': 'a: 1\n' });
    await writeFiles(repos.clone, { 'ruby/spec/cassettes/a.yml': 'a: 2\n' });
    const published = await publishBranch(repoAt(path.join(repos.clone, 'ruby')), { branch: BRANCH, base: 'main', paths: ['spec/cassettes/a.yml'], message: 'm' });
    expect(published.changed).toBe(true);
    expect(git(repos.origin, 'show', `${BRANCH}:ruby/spec/cassettes/a.yml`)).toBe('a: 2');
    const pr = await upsertPullRequest({ ...target(), head: BRANCH, base: 'main', title: 't', body: 'b' });
    expect(pr.operation).toBe('created');
  });
});

describe('upsertPullRequest', () => {
  const spec = () => ({ ...target(), head: BRANCH, base: 'main', title: 'Refresh cassettes', body: 'body' });

  it('names the permissions and the repository setting when the token may not create pull requests', async () => {
    github.refuse('create-pull');
    const failure = upsertPullRequest(spec());
    await expect(failure).rejects.toThrow(/HTTP 403: Resource not accessible by integration/);
    await expect(failure).rejects.toThrow(/contents: write\n\s+pull-requests: write/);
    await expect(failure).rejects.toThrow(/Allow GitHub Actions to create and approve pull requests/);
  });

  it('explains the organization-level refusal the same way', async () => {
    github.refuse('create-pull', 403, 'GitHub Actions is not permitted to create or approve pull requests.');
    await expect(upsertPullRequest(spec())).rejects.toThrow(/pull-requests: write[\s\S]*Allow GitHub Actions to create and approve pull requests/);
  });

  it('says the token was refused on 401', async () => {
    await expect(upsertPullRequest({ ...spec(), token: 'wrong' })).rejects.toThrow(/HTTP 401: Bad credentials.*token was refused/);
  });

  it('keeps the pull request when labels cannot be added, with a warning', async () => {
    github.refuse('add-labels');
    const result = await upsertPullRequest({ ...spec(), labels: ['cassettes'] });
    expect(result.operation).toBe('created');
    expect(result.warnings).toEqual([expect.stringMatching(/could not label pull request #1: .*pull-requests: write/s)]);
  });

  it('updates the pull request another job created between our look-up and our create', async () => {
    await upsertPullRequest(spec());
    // Our look-up misses it; creating then collides with the existing one.
    github.staleListings(1);
    const result = await upsertPullRequest({ ...spec(), title: 'Second' });
    expect(result).toMatchObject({ number: 1, operation: 'updated' });
    expect(github.requests('POST', /\/pulls$/)).toHaveLength(2);
    expect(github.pulls()).toHaveLength(1);
    expect(github.pulls()[0]?.title).toBe('Second');
  });

  it('truncates a body over GitHub\'s limit with a note', async () => {
    const result = await upsertPullRequest({ ...spec(), body: 'x'.repeat(BODY_LIMIT + 5000) });
    const stored = github.pulls()[0]?.body as string;
    expect(result.operation).toBe('created');
    expect(stored.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(stored).toMatch(/Truncated: GitHub limits pull request descriptions to 65536 characters/);
    expect(truncateBody('short')).toBe('short');
    // Never cut through a surrogate pair.
    const emoji = truncateBody('😀'.repeat(BODY_LIMIT));
    expect(emoji.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('requests users and teams once, on creation, and sets the milestone on creation and on every update', async () => {
    const people = { reviewers: ['alice'], teamReviewers: ['api-team', 'qa'], milestone: 3 };
    expect(await upsertPullRequest({ ...spec(), ...people })).toMatchObject({ operation: 'created', warnings: [] });
    expect(await upsertPullRequest({ ...spec(), ...people, milestone: 4 })).toMatchObject({ operation: 'updated', warnings: [] });
    const requested = github.requests('POST', /\/pulls\/1\/requested_reviewers$/);
    expect(requested.map((request) => request.body)).toEqual([{ reviewers: ['alice'], team_reviewers: ['api-team', 'qa'] }]);
    expect(github.requests('PATCH', /\/issues\/1$/).map((request) => request.body)).toEqual([{ milestone: 3 }, { milestone: 4 }]);
    const [pull] = github.pulls();
    expect(pull.requested_teams.map((team: { slug: string }) => team.slug)).toEqual(['api-team', 'qa']);
    expect(pull.milestone).toMatchObject({ number: 4 });
  });

  it('asks for teams alone, and asks nothing when no one is named', async () => {
    await upsertPullRequest({ ...spec(), teamReviewers: ['api-team'] });
    await upsertPullRequest({ ...spec(), head: 'other' });
    expect(github.requests('POST', /requested_reviewers$/).map((request) => [request.path, request.body])).toEqual([['/repos/octo/proj/pulls/1/requested_reviewers', { reviewers: [], team_reviewers: ['api-team'] }]]);
    expect(github.requests('PATCH', /\/issues\//)).toEqual([]);
  });

  it('keeps the pull request when the milestone cannot be set, with a warning', async () => {
    github.refuse('update-issue', 422, 'Validation Failed: milestone does not exist');
    const result = await upsertPullRequest({ ...spec(), milestone: 99 });
    expect(result.operation).toBe('created');
    expect(result.warnings).toEqual([expect.stringMatching(/could not put pull request #1 in milestone 99: .*HTTP 422/)]);
  });

  it('reaches the API root the runner context read from GITHUB_API_URL', async () => {
    const runner = readRunnerContext({ GITHUB_API_URL: `${github.url}/` }, '/');
    expect((await upsertPullRequest({ ...spec(), apiUrl: runner.apiUrl })).number).toBe(1);
  });
});

describe('findLatestRun', () => {
  it('finds the latest completed run of the workflow on the branch, not the current one', async () => {
    const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1, 0, minutes)).toISOString();
    github.seedRun({ id: 11, repo: 'proj', branch: 'main', conclusion: 'failure', createdAt: at(1) });
    github.seedRun({ id: 12, repo: 'proj', branch: 'main', conclusion: 'success', createdAt: at(2) });
    github.seedRun({ id: 13, repo: 'proj', branch: 'feature', createdAt: at(3) });
    github.seedRun({ id: 14, repo: 'proj', branch: 'main', workflow: 'other.yml', createdAt: at(4) });
    github.seedRun({ id: 15, repo: 'proj', branch: 'main', status: 'in_progress', createdAt: at(5) });
    github.seedRun({ id: 16, repo: 'proj', branch: 'main', createdAt: at(6) });
    const query = { ...target(), workflow: 'rerecord.yml', branch: 'main' };
    expect(await findLatestRun(query)).toBe(16);
    expect(await findLatestRun({ ...query, excludeRunId: 16 })).toBe(12);
    expect(await findLatestRun({ ...query, workflow: 4242, excludeRunId: 16 })).toBe(12);
    expect(await findLatestRun({ ...query, branch: 'nowhere' })).toBeUndefined();
    expect(github.requests('GET', /\/actions\/workflows\/rerecord\.yml\/runs$/)[0]?.query).toMatchObject({ branch: 'main', status: 'completed' });
  });

  it('serves seeded artifacts of a run', async () => {
    const run = github.seedRun({ repo: 'proj', branch: 'main' });
    const artifact = github.seedArtifact({ runId: run.id, repo: 'proj', name: 'rerecord-failures', files: { 'failures.txt': 'spec/a_spec.rb\n' } });
    const response = await fetch(`${github.url}/repos/octo/proj/actions/runs/${run.id}/artifacts?name=rerecord-failures`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const listed = (await response.json()) as { total_count: number; artifacts: Array<{ id: number; name: string }> };
    expect(listed).toMatchObject({ total_count: 1, artifacts: [{ id: artifact.id, name: 'rerecord-failures' }] });
    const redirect = await fetch(`${github.url}/repos/octo/proj/actions/artifacts/${artifact.id}/zip`, { headers: { authorization: `token ${TOKEN}` }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const zip = Buffer.from(await (await fetch(redirect.headers.get('location')!)).arrayBuffer());
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(readZip(zip)['failures.txt']?.toString()).toBe('spec/a_spec.rb\n');
  });
});
