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

describe('the inputs users of create-pull-request expect', () => {
  it('signs the commit through the GitHub API, names the author, asks teams, sets the milestone and fills the templates', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    github.api.serveRepository('acme/widgets', origin);
    const mainBefore = git(origin, 'rev-parse', 'main');
    const inputs = {
      ...COMMON,
      'priority-patterns': 'items',
      publish: 'pull-request',
      'github-token': TOKEN,
      branch: 'rerecord/signed',
      'sign-commits': 'true',
      author: 'Jane Doe <jane@example.com>',
      reviewers: 'alice',
      'team-reviewers': 'api-team',
      milestone: '5',
      'pr-title': 'Cassettes: {changed-count} changed',
      'pr-body': 'Refreshed in {run-url}.\n\n{drift}\n{failed}',
    };
    const env = cleanEnv({ STANDIN_API_URL: standin.api.url, GITHUB_API_URL: github.api.url, GITHUB_REPOSITORY: 'acme/widgets', GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '4711' });
    const writesBefore = github.api.requests().length;
    const result = await runAction(inputs, { cwd: await checkout(), env });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs['pull-request-operation']).toBe('created');

    // The branch GitHub made: one commit on main, the new recording in it, committed by GitHub (verified), authored by Jane.
    const sha = git(origin, 'rev-parse', 'rerecord/signed');
    expect(result.outputs['commit-sha']).toBe(sha);
    expect(git(origin, 'rev-parse', 'rerecord/signed^')).toBe(mainBefore);
    expect(JSON.parse(show(origin, 'rerecord/signed', 'test/fixtures/items.json'))[0].response.generation).toBe('g2');
    expect(git(origin, 'log', '-1', '--format=%an <%ae>|%cn', 'rerecord/signed')).toBe('Jane Doe <jane@example.com>|github-actions[bot]');
    expect(github.api.state.signatures.get(sha)).toEqual({ verified: true, reason: 'valid' });
    expect(result.stdout).toContain(`commit ${sha} made through the GitHub API: verified`);

    const log = github.api.state.requests.slice(writesBefore).filter((request) => request.method !== 'GET').map((request) => `${request.method} ${request.path.replace(/\/\d+/g, '/N')}`);
    // One blob per file the commit changes (the cassettes and the manifest), then one tree, the commit, the branch; then the pull request.
    const committed = git(origin, 'show', '--name-only', '--format=', 'rerecord/signed').split('\n');
    expect(committed).toEqual(expect.arrayContaining(['.rerecord/manifest.json', 'test/fixtures/items.json']));
    expect(log).toEqual([
      ...committed.map(() => 'POST /repos/acme/widgets/git/blobs'),
      'POST /repos/acme/widgets/git/trees',
      'POST /repos/acme/widgets/git/commits',
      'POST /repos/acme/widgets/git/refs',
      'POST /repos/acme/widgets/pulls',
      'PATCH /repos/acme/widgets/issues/N',
      'POST /repos/acme/widgets/pulls/N/requested_reviewers',
    ]);
    const pull = github.api.pulls('open').find((p: { head: { ref: string } }) => p.head.ref === 'rerecord/signed') as {
      number: number;
      title: string;
      body: string;
      milestone: { number: number };
      requested_reviewers: Array<{ login: string }>;
      requested_teams: Array<{ slug: string }>;
    };
    expect(pull.title).toBe(`Cassettes: ${committed.length - 1} changed`); // the cassettes, not the manifest
    expect(pull.body.startsWith('Refreshed in https://github.com/acme/widgets/actions/runs/4711.\n\n### Drift\n')).toBe(true);
    expect(pull.body).toContain('$.generation');
    expect(pull.milestone.number).toBe(5);
    expect(pull.requested_reviewers.map((user) => user.login)).toEqual(['alice']);
    expect(pull.requested_teams.map((team) => team.slug)).toEqual(['api-team']);
  });

  it('commits as the given author and committer with publish: commit', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const result = await runAction(
      { ...COMMON, 'priority-patterns': 'items', publish: 'commit', author: 'Jane Doe <jane@example.com>', committer: 'Build Bot <bot@example.com>' },
      { cwd: await checkout(), env: cleanEnv({ STANDIN_API_URL: standin.api.url }) },
    );
    expect(result.code, result.stdout).toBe(0);
    expect(git(origin, 'log', '-1', '--format=%an <%ae>|%cn <%ce>', 'main')).toBe('Jane Doe <jane@example.com>|Build Bot <bot@example.com>');
    expect(result.outputs['commit-sha']).toBe(git(origin, 'rev-parse', 'main'));
  });

  it('refuses a misspelt placeholder and sign-commits with publish: commit before any test runs (exit 2, nothing touched)', async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const cwd = await checkout();
    const statusBefore = git(cwd, 'status', '--porcelain');
    const requestsBefore = standin.api.state.requests.length;
    const result = await runAction(
      { ...COMMON, 'priority-patterns': 'items', publish: 'commit', 'sign-commits': 'true', 'pr-body': '{drfit}' },
      { cwd, env: cleanEnv({ STANDIN_API_URL: standin.api.url }) },
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("input 'pr-body': expected a text whose placeholders are among");
    expect(result.stdout).toContain('did you mean {drift}?');
    expect(result.stdout).toContain("input 'sign-commits': signs the commit of publish: pull-request");
    expect(git(cwd, 'status', '--porcelain')).toBe(statusBefore);
    expect(git(origin, 'rev-list', '--count', 'main')).toBe(git(cwd, 'rev-list', '--count', 'HEAD'));
    expect(standin.api.state.requests.length).toBe(requestsBefore);
  });
});

describe('publish: artifact', () => {
  it('passes compression-level and retention-days to the upload, and follows if-no-files-found when nothing changed', async () => {
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
      const env = () => cleanEnv({ ...results.env(), STANDIN_API_URL: standin.api.url });
      const stored = await runAction({ ...COMMON, 'priority-patterns': 'items', publish: 'artifact', 'artifact-name': 'stored', 'compression-level': '0', 'retention-days': '2' }, { cwd: await checkout(), env: env() });
      expect(stored.code, stored.stdout).toBe(0);
      const deflated = await runAction({ ...COMMON, 'priority-patterns': 'items', publish: 'artifact', 'artifact-name': 'deflated' }, { cwd: await checkout(), env: env() });
      expect(deflated.code, deflated.stdout).toBe(0);
      const artifact = (name: string) => results.artifacts.find((candidate: { name: string }) => candidate.name === name)!;
      // compression-level 0 stores every entry; the default (6) deflates them.
      expect(Object.keys(artifact('stored').methods)).toEqual(expect.arrayContaining(['.rerecord/manifest.json', 'test/fixtures/items.json']));
      expect(new Set(Object.values(artifact('stored').methods))).toEqual(new Set([0]));
      expect(Object.keys(artifact('deflated').methods).sort()).toEqual(Object.keys(artifact('stored').methods).sort());
      expect(new Set(Object.values(artifact('deflated').methods))).toEqual(new Set([8]));
      expect(JSON.parse(artifact('stored').files['test/fixtures/items.json']!.toString())[0].response.generation).toBe('g2');
      const days = (artifact('stored').expiresAt.getTime() - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(1);
      expect(days).toBeLessThanOrEqual(2);
      expect(stored.outputs['artifact-id']).toBe(String(artifact('stored').id));

      // The API answers what the cassettes hold: no real change, nothing to upload.
      standin.api.setGeneration('g1');
      const warned = await checkout().then((cwd) => runAction({ ...COMMON, 'priority-patterns': 'items', publish: 'artifact', 'artifact-name': 'none-warn' }, { cwd, env: env() }));
      expect(warned.code, warned.stdout).toBe(0);
      expect(warned.stdout).toMatch(/^::warning::no cassette really changed: nothing to upload as artifact none-warn$/m);
      const ignored = await checkout().then((cwd) => runAction({ ...COMMON, 'priority-patterns': 'items', publish: 'artifact', 'artifact-name': 'none-ignore', 'if-no-files-found': 'ignore' }, { cwd, env: env() }));
      expect(ignored.code, ignored.stdout).toBe(0);
      expect(ignored.stdout).toMatch(/^no cassette really changed: nothing to upload as artifact none-ignore$/m);
      expect(ignored.stdout).not.toMatch(/::(warning|error)::no cassette/);
      const errored = await checkout().then((cwd) => runAction({ ...COMMON, 'priority-patterns': 'items', publish: 'artifact', 'artifact-name': 'none-error', 'if-no-files-found': 'error' }, { cwd, env: env() }));
      expect(errored.code, errored.stdout).toBe(1);
      expect(errored.stdout).toMatch(/::error::no cassette really changed: nothing to upload as artifact none-error \(if-no-files-found: error\)/);
      // The run was reported as always before failing.
      expect(errored.outputs.succeeded).toBe('1');
      expect(errored.summary).toContain('### Drift');
      expect(results.artifacts.map((candidate: { name: string }) => candidate.name).filter((name: string) => name.startsWith('none-'))).toEqual([]);
    } finally {
      await results.close();
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
