// Publishing through the bundled action: a pull request against a stand-in GitHub REST API, and a
// three-shard matrix whose final job merges the shards' artifacts (real @actions/artifact client
// against a stand-in results service) into one commit. Real git, with a bare repository as origin.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runAction, startAction } from '../support/run-bundle.js';
import { startStandinResults } from '../support/standin-results.mjs';
import { useOrigins, useStandinApi, useStandinGithub, useTempProjects } from '../support/suite.js';
import { git } from '../support/git-repos.js';

const KEY = 'pub-5d6e7f8a9b-secret';
const TOKEN = 'ghs_publishtoken0123456789';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
const COMMON = { 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY', 'cassette-functions': 'withFixture', retries: '0', mode: 'priority' };

const github = useStandinGithub(TOKEN);

afterEach(async () => {
  standin.api.setGeneration('g2');
});

const originOf = useOrigins();

const show = (origin: string, ref: string, file: string) => git(origin, 'show', `${ref}:${file}`);

describe('publish: pull-request', () => {
  it('opens the pull request, updates it on the next drift, and does nothing when nothing changed', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const inputs = { ...COMMON, 'priority-patterns': 'items,users', publish: 'pull-request', 'github-token': TOKEN, 'pr-labels': 'cassettes' };
    const env = () => cleanEnv({ STANDIN_API_URL: standin.api.url, GITHUB_API_URL: github.api.url, GITHUB_REPOSITORY: 'acme/widgets' });

    const first = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(first.code, first.stdout).toBe(0);
    expect(first.outputs).toMatchObject({ 'pull-request-operation': 'created', 'pull-request-number': '1' });
    expect(first.outputs['pull-request-url']).toMatch(/\/acme\/widgets\/pull\/1$/);
    expect(JSON.parse(show(origin, 'rerecord/cassettes', 'test/fixtures/items.json'))[0].response.generation).toBe('g2');
    expect(JSON.parse(show(origin, 'rerecord/cassettes', '.rerecord/manifest.json')).files['test/items.test.js']).toBeDefined();
    expect(JSON.parse(show(origin, 'main', 'test/fixtures/items.json'))[0].response.generation).toBe('g1');
    expect(first.outputs['commit-sha']).toBe(git(origin, 'rev-parse', 'rerecord/cassettes'));
    const [pull] = github.api.pulls('open') as Array<{ body: string; labels: Array<{ name: string }>; base: { ref: string } }>;
    expect(pull!.body).toContain('$.generation');
    expect(pull!.labels.map((label) => label.name)).toEqual(['cassettes']);
    expect(pull!.base.ref).toBe('main');

    standin.api.setGeneration('g3');
    const second = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(second.outputs).toMatchObject({ 'pull-request-operation': 'updated', 'pull-request-number': '1' });
    expect(JSON.parse(show(origin, 'rerecord/cassettes', 'test/fixtures/users.json'))[0].response.generation).toBe('g3');
    expect(github.api.pulls('all')).toHaveLength(1);

    // The API still answers g3, but main still holds g1: the same change as the open pull request.
    const branchBefore = git(origin, 'rev-parse', 'rerecord/cassettes');
    const third = await runAction(inputs, { cwd: await checkout(), env: env() });
    expect(third.outputs['pull-request-operation']).toBe('unchanged');
    expect(git(origin, 'rev-parse', 'rerecord/cassettes')).toBe(branchBefore);
    expect(third.stdout + first.stdout).not.toContain(TOKEN);
  });

  it('a cancelled run (SIGTERM mid-run) publishes nothing: no push, no pull request, no API write', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const inputs = { ...COMMON, mode: 'all', timeout: '60s', publish: 'pull-request', 'github-token': TOKEN };
    const writesBefore = github.api.requests('POST').length + github.api.requests('PATCH').length;
    const { child, result } = await startAction(inputs, { cwd: await checkout(), env: cleanEnv({ STANDIN_API_URL: standin.api.url, GITHUB_API_URL: github.api.url, GITHUB_REPOSITORY: 'acme/widgets' }) });
    // Once one file has finished (its progress line), the run is surely mid-way: hang.test.js waits for the 60 s timeout.
    await new Promise<void>((resolve) => {
      let seen = '';
      child.stdout!.on('data', (chunk) => {
        seen += chunk;
        if (/\[1\/\d+\]/.test(seen)) resolve();
      });
    });
    child.kill('SIGTERM');
    const run = await result;
    expect(run.code, run.stdout).toBe(143);
    expect(run.stdout).toMatch(/nothing published/);
    expect(github.api.requests('POST').length + github.api.requests('PATCH').length).toBe(writesBefore);
    expect(git(origin, 'branch', '--list', 'rerecord/cassettes')).toBe('');
  });

  it('says which permissions the workflow needs when the token may not open pull requests', async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    github.api.refuse('create-pull');
    try {
      const result = await runAction(
        { ...COMMON, 'priority-patterns': 'items', publish: 'pull-request', 'github-token': TOKEN, branch: 'rerecord/denied' },
        { cwd: await checkout(), env: cleanEnv({ STANDIN_API_URL: standin.api.url, GITHUB_API_URL: github.api.url, GITHUB_REPOSITORY: 'acme/widgets' }) },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/contents: write%0A\s*pull-requests: write/);
    } finally {
      github.api.allow('create-pull');
    }
  });
});

describe('a three-shard matrix and its publish job', () => {
  it('yields one commit with the union of the shards\' cassettes, one merged failure log and an updated manifest', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const jobEnv = (job: string) => cleanEnv({ ...results.env({ jobBackendId: job }), STANDIN_API_URL: standin.api.url });
      const shardInputs = { ...COMMON, 'priority-patterns': 'items,users,shared,dynamic,boom' };
      const shards = await Promise.all(
        [1, 2, 3].map(async (index) => runAction({ ...shardInputs, shard: `${index}/3` }, { cwd: await checkout(), env: jobEnv(`shard-${index}`) })),
      );
      expect(shards.map((shard) => Number(shard.outputs.selected)).reduce((a, b) => a + b)).toBe(6);
      expect(results.artifacts.map((artifact: { name: string }) => artifact.name).sort()).toEqual([
        'rerecord-failures-1-of-3',
        'rerecord-failures-2-of-3',
        'rerecord-failures-3-of-3',
        'rerecord-shard-1-of-3',
        'rerecord-shard-2-of-3',
        'rerecord-shard-3-of-3',
      ]);

      const publisher = await checkout();
      const mainBefore = git(origin, 'rev-parse', 'main');
      const published = await runAction({ ...COMMON, step: 'publish', shard: '1/3', publish: 'commit' }, { cwd: publisher, env: jobEnv('publish') });
      expect(published.code, published.stdout).toBe(0);
      expect(git(origin, 'rev-list', '--count', `${mainBefore}..main`)).toBe('1');
      const changed = git(origin, 'diff', '--name-only', mainBefore, 'main').split('\n').sort();
      expect(changed).toEqual([
        '.rerecord/manifest.json',
        'test/fixtures/dyn-1.json',
        'test/fixtures/dyn-3.json',
        'test/fixtures/item-two.json',
        'test/fixtures/items.json',
        'test/fixtures/status.json',
        'test/fixtures/users.json',
      ]);
      expect(published.outputs['commit-sha']).toBe(git(origin, 'rev-parse', 'main'));
      expect(await readFile(path.join(publisher, '.rerecord/failures.txt'), 'utf8')).toBe('test/boom.test.js\n');
      const manifest = JSON.parse(show(origin, 'main', '.rerecord/manifest.json'));
      expect(Object.keys(manifest.files).sort()).toEqual([
        'test/boom.test.js',
        'test/dynamic.test.js',
        'test/items.test.js',
        'test/shared-a.test.js',
        'test/shared-b.test.js',
        'test/users.test.mjs',
      ]);
      expect(manifest.files['test/dynamic.test.js'].cassettes).toEqual(['test/fixtures/dyn-1.json', 'test/fixtures/dyn-3.json']);
    } finally {
      await results.close();
    }
  });
});

describe('failures-from: artifact', () => {
  it('re-runs exactly the files the previous run of the workflow on this branch failed', async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const previous = github.api.seedRun({ owner: 'acme', repo: 'widgets', workflow: 'refresh.yml', branch: 'main' });
    // One shard's log with its JSON twin (what is read), the other's as an older rerecord left it: the text alone.
    const twin = { version: 1, toRerun: ['test/items.test.js'], files: [{ file: 'test/items.test.js', status: 'failed', cassettes: [] }] };
    github.api.seedArtifact({ runId: previous.id, owner: 'acme', repo: 'widgets', name: 'rerecord-failures-1-of-2', files: { 'failures.txt': 'test/items.test.js\n', 'failures.json': JSON.stringify(twin) } });
    github.api.seedArtifact({ runId: previous.id, owner: 'acme', repo: 'widgets', name: 'rerecord-failures-2-of-2', files: { 'failures.txt': 'test/users.test.mjs\n' } });
    github.api.seedArtifact({ runId: previous.id, owner: 'acme', repo: 'widgets', name: 'rerecord-cassettes', files: { 'x.json': '[]' } });
    const result = await runAction(
      { ...COMMON, mode: 'failures', 'failures-from': 'artifact', 'github-token': TOKEN },
      {
        cwd: await checkout(),
        env: cleanEnv({
          STANDIN_API_URL: standin.api.url,
          GITHUB_API_URL: github.api.url,
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_REPOSITORY: 'acme/widgets',
          GITHUB_WORKFLOW_REF: 'acme/widgets/.github/workflows/refresh.yml@refs/heads/main',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_REF_NAME: 'main',
          GITHUB_RUN_ID: '999999',
          ACTIONS_RUNTIME_TOKEN: 'unused-for-other-runs',
          ACTIONS_RESULTS_URL: `${github.api.url}/`,
        }),
      },
    );
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs.selected).toBe('2');
    expect(result.stdout).toMatch(/test\/items\.test\.js/);
    expect(result.stdout).toMatch(/test\/users\.test\.mjs/);
  });

  it('says so clearly when there is no earlier run', async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const result = await runAction(
      { ...COMMON, mode: 'failures', 'failures-from': 'artifact', 'github-token': TOKEN },
      {
        cwd: await checkout(),
        env: cleanEnv({
          STANDIN_API_URL: standin.api.url,
          GITHUB_API_URL: github.api.url,
          GITHUB_REPOSITORY: 'acme/widgets',
          GITHUB_WORKFLOW_REF: 'acme/widgets/.github/workflows/nightly.yml@refs/heads/main',
          GITHUB_REF: 'refs/heads/main',
          GITHUB_REF_NAME: 'main',
        }),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('no completed earlier run of nightly.yml on main; run once with mode all first');
  });
});
