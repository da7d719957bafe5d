// Idempotent publishing through the bundled action, against the stand-in GitHub: a re-run against
// an unchanged API is a no-op (no push, no API write), drift vanishing closes the pull request, and
// the pull request carries what a reviewer needs (draft, reviewers, assignees, failed files and why).
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runAction } from '../support/run-bundle.js';
import { startStandinResults } from '../support/standin-results.mjs';
import { useOrigins, useStandinApi, useStandinGithub, useTempProjects } from '../support/suite.js';
import { git } from '../support/git-repos.js';

const KEY = 'idem-3c4d5e6f-secret';
const TOKEN = 'ghs_idempotenttoken0123456789';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
const COMMON = { 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY', 'cassette-functions': 'withFixture', retries: '0', mode: 'priority', publish: 'pull-request', 'github-token': TOKEN };

const github = useStandinGithub(TOKEN);

afterEach(async () => {
  standin.api.setGeneration('g2');
});

const originOf = useOrigins();

const env = () =>
  cleanEnv({ STANDIN_API_URL: standin.api.url, GITHUB_API_URL: github.api.url, GITHUB_REPOSITORY: 'acme/widgets', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4242' });
const writes = () => ['POST', 'PATCH', 'PUT', 'DELETE'].flatMap((method) => github.api.requests(method));
const branchSha = (origin: string, branch: string) => git(origin, 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`);

describe('publish: pull-request, run again', () => {
  it('a re-run against an unchanged API pushes nothing and writes nothing to the API', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const inputs = { ...COMMON, 'priority-patterns': 'items,users,boom', branch: 'rerecord/idem', draft: 'true', reviewers: 'octocat', assignees: 'hubot,monalisa' };
    const first = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(first.code, first.stdout).toBe(1); // boom.test.js fails against the stand-in's 500
    expect(first.outputs).toMatchObject({ 'pull-request-operation': 'created' });
    const pull = github.api.pulls('open').find((p: { head: { ref: string } }) => p.head.ref === 'rerecord/idem') as {
      draft: boolean;
      body: string;
      requested_reviewers: Array<{ login: string }>;
      assignees: Array<{ login: string }>;
    };
    expect(pull.draft).toBe(true);
    expect(pull.requested_reviewers.map((user) => user.login)).toEqual(['octocat']);
    expect(pull.assignees.map((user) => user.login)).toEqual(['hubot', 'monalisa']);
    expect(pull.body).toContain('[Workflow run](https://github.com/acme/widgets/actions/runs/4242)');
    expect(pull.body).toContain('[failure report](https://github.com/acme/widgets/actions/runs/4242#artifacts)');
    expect(pull.body).toMatch(/- `test\/boom\.test\.js`: tests failed \(exit code 1\): \S/);

    const sha = branchSha(origin, 'rerecord/idem');
    const writesBefore = writes().length;
    const again = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(again.code, again.stdout).toBe(1);
    expect(again.outputs).toMatchObject({ 'pull-request-operation': 'unchanged', 'pull-request-number': String((pull as unknown as { number: number }).number) });
    expect(branchSha(origin, 'rerecord/idem')).toBe(sha);
    expect(writes().length).toBe(writesBefore);
    expect(again.stdout).toMatch(/already holds these cassettes: nothing pushed, nothing updated/);
  });

  it('drift vanishing closes the pull request with a comment and deletes its branch when asked', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const inputs = { ...COMMON, 'priority-patterns': 'items,users', branch: 'rerecord/vanish' };
    const first = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(first.code, first.stdout).toBe(0);
    const number = Number(first.outputs['pull-request-number']);

    // The API answers what main holds again: nothing real is left to propose.
    standin.api.setGeneration('g1');
    const kept = await runAction({ ...inputs, 'keep-pull-request-open': 'true' }, { cwd: await checkout(), env: env() });
    expect(kept.code, kept.stdout).toBe(0);
    expect(kept.outputs['pull-request-operation']).toBe('unchanged');
    expect(github.api.pulls('open').some((p: { number: number }) => p.number === number)).toBe(true);

    const closed = await runAction({ ...inputs, 'delete-branch': 'true' }, { cwd: await checkout(), env: env() });
    expect(closed.code, closed.stdout).toBe(0);
    expect(closed.outputs).toMatchObject({ 'pull-request-operation': 'closed', 'pull-request-number': String(number) });
    const pull = github.api.pulls('closed').find((p: { number: number }) => p.number === number) as { comments: Array<{ body: string }> };
    expect(pull).toBeDefined();
    expect(pull.comments.at(-1)!.body).toMatch(/found no real change left against `main`.*closing it/);
    expect(branchSha(origin, 'rerecord/vanish')).toBe('');
  });

  it('a pull request that also carries cassettes this run did not re-record stays open', async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const inputs = { ...COMMON, branch: 'rerecord/partial' };
    const first = await runAction({ ...inputs, 'priority-patterns': 'items,users' }, { cwd: await checkout(), env: env() });
    expect(first.code, first.stdout).toBe(0);
    standin.api.setGeneration('g1');
    const partial = await runAction({ ...inputs, 'priority-patterns': 'items' }, { cwd: await checkout(), env: env() });
    expect(partial.code, partial.stdout).toBe(0);
    expect(partial.outputs['pull-request-operation']).toBe('unchanged');
    expect(partial.stdout).toMatch(/also changes test\/fixtures\/users\.json, which this run did not re-record: left open/);
  });
});

describe('publish: artifact', () => {
  it('sets artifact-id and artifact-url', async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const run = await runAction(
        { 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY', 'cassette-functions': 'withFixture', retries: '0', mode: 'priority', 'priority-patterns': 'items', publish: 'artifact' },
        { cwd: await checkout(), env: cleanEnv({ ...results.env(), STANDIN_API_URL: standin.api.url }) },
      );
      expect(run.code, run.stdout).toBe(0);
      const uploaded = results.artifacts.find((artifact: { name: string }) => artifact.name === 'rerecord-cassettes') as { id: number };
      expect(run.outputs['artifact-id']).toBe(String(uploaded.id));
      expect(run.outputs['artifact-url']).toMatch(new RegExp(`^https://github\\.com/acme/widgets/actions/runs/\\d+/artifacts/${uploaded.id}$`));
    } finally {
      await results.close();
    }
  });
});
