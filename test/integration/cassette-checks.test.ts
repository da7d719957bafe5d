// What makes a re-record reviewable, on a real R testthat + vcr project: noise-only recordings put
// back, real drift reported by JSON path, poisoned recordings and leaked keys refused; audit; diff.
import { execFileSync } from 'node:child_process';
import { cp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allText, git, snapshotTree, type TempProject } from '../support/projects.js';
import { cleanEnv, runAction, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'chk-91b2c3d4e5-secret';
const FIXTURES = 'tests/fixtures';
const FAST = ['--retries', '0', '--workers', '4', '--timeout', '20s', '--api-key-env', 'STANDIN_API_KEY', '--json'];
// Everything but the files that fail by design (boom, hang).
const HEALTHY = ['--mode', 'priority', '--priority-patterns', 'item,users,shared,dynamic'];

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();
afterEach(() => {
  standin.api.setGeneration('g1');
  standin.api.setExtraField(false);
  standin.api.setOutage('/items/1', undefined);
});

const changedOnDisk = (dir: string) => git(dir, 'status', '--porcelain', '--', FIXTURES).trim();

describe('noise and drift', () => {
  it('a re-record where only Date, request ids and recorded_at change leaves zero cassettes changed on disk', async () => {
    project = await projects.copy('test/projects/testthat');
    const result = await runCli(['run', ...FAST, ...HEALTHY], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ selected: 6, succeeded: 6, failed: 0, drift: { changed: 0, added: 0, noiseOnly: 7 } });
    // 7 cassettes: shared.yml is re-recorded by two test files and counted once.
    expect(changedOnDisk(project.dir)).toBe('');
  });

  it('a field the API added is reported, with its JSON path, and only that cassette changes', async () => {
    project = await projects.copy('test/projects/testthat');
    standin.api.setExtraField(true);
    const result = await runCli(['run', ...FAST, ...HEALTHY], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(changedOnDisk(project.dir)).toBe(`M ${FIXTURES}/items.yml`);
    const items = JSON.parse(result.stdout).files.find((f: { file: string }) => f.file === 'tests/testthat/test-items.R');
    const diff = items.drift.find((d: { cassette: string }) => d.cassette === `${FIXTURES}/items.yml`);
    expect(diff.status).toBe('changed');
    expect(JSON.stringify(diff.changes)).toContain('$.items[0].price');

    const human = await runCli(['run', '--retries', '0', '--api-key-env', 'STANDIN_API_KEY', ...HEALTHY], { cwd: project.dir, env: env() });
    expect(human.stdout).toMatch(/0 cassettes changed, 0 added/);
  });
});

describe('guards', () => {
  it('a 503 caught during the run poisons the recording: the file fails and its cassette is restored', async () => {
    project = await projects.copy('test/projects/testthat');
    // A lenient test (it checks only that a response came back) would happily record an outage.
    await cp(path.join(project.dir, FIXTURES, 'item_one.yml'), path.join(project.dir, FIXTURES, 'lenient.yml'));
    await writeFile(
      path.join(project.dir, 'tests/testthat/test-lenient.R'),
      'test_that("item one answers", {\n  use_cassette("lenient", {\n    res <- api_get("/items/1")\n  })\n  expect_s3_class(res, "response")\n})\n',
    );
    git(project.dir, 'add', '-A');
    git(project.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'lenient test');
    standin.api.setOutage('/items/1', 503);
    const result = await runCli(['run', ...FAST, '--mode', 'priority', '--priority-patterns', 'lenient'], { cwd: project.dir, env: env() });
    expect(result.code).toBe(1);
    const [file] = JSON.parse(result.stdout).files;
    expect(file).toMatchObject({ file: 'tests/testthat/test-lenient.R', status: 'failed' });
    expect(file.reason).toMatch(/^poisoned recording: 503 on GET \/items\/1 .*tests\/fixtures\/lenient\.yml/);
    expect(changedOnDisk(project.dir)).toBe('');
  });

  it('a suite with no key filter leaks the key: caught, cassettes restored, finding named without the key', async () => {
    project = await projects.copy('test/projects/testthat');
    const helper = path.join(project.dir, 'tests/testthat/helper-vcr.R');
    const unfiltered = (await readFile(helper, 'utf8')).replace(/vcr_configure\([^]*?\n\)\n/, 'vcr_configure(dir = "../fixtures")\n');
    await writeFile(helper, unfiltered);
    git(project.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'no filter');
    const result = await runCli(['run', ...FAST, '--mode', 'priority', '--priority-patterns', 'test-item.R'], { cwd: project.dir, env: env() });
    expect(result.code).toBe(1);
    const [file] = JSON.parse(result.stdout).files;
    expect(file.reason).toMatch(/^leaked secret: tests\/fixtures\/item_one\.yml:\d+: api-key \(raw\)/);
    expect(changedOnDisk(project.dir)).toBe('');
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(await allText(project.dir)).not.toContain(KEY);
  });

  it('with on-leak redact the key is replaced by the placeholder and the recording kept', async () => {
    project = await projects.copy('test/projects/testthat');
    const helper = path.join(project.dir, 'tests/testthat/helper-vcr.R');
    await writeFile(helper, (await readFile(helper, 'utf8')).replace(/vcr_configure\([^]*?\n\)\n/, 'vcr_configure(dir = "../fixtures")\n'));
    standin.api.setGeneration('g3');
    const result = await runCli(['run', ...FAST, '--on-leak', 'redact', '--placeholder', '[KEY]', '--mode', 'priority', '--priority-patterns', 'test-item.R'], {
      cwd: project.dir,
      env: env(),
    });
    expect(result.code, result.stderr).toBe(0);
    const cassette = await readFile(path.join(project.dir, FIXTURES, 'item_one.yml'), 'utf8');
    expect(cassette).toContain('[KEY]');
    expect(cassette).toContain('g3');
    expect(cassette).not.toContain(KEY);
    expect(result.stderr).toMatch(/warning: tests\/testthat\/test-item\.R: redacted 1 secret occurrence/);
  });
});

describe('record-host-map', () => {
  it('rewrites the origin in new recordings before they are compared and kept', async () => {
    project = await projects.copy('test/projects/testthat');
    standin.api.setGeneration('g5');
    const result = await runCli(['run', ...FAST, '--mode', 'priority', '--priority-patterns', 'test-item.R', '--record-host-map', 'http://127.0.0.1=https://api.example.com'], {
      cwd: project.dir,
      env: env(),
    });
    expect(result.code, result.stderr).toBe(0);
    const cassette = await readFile(path.join(project.dir, FIXTURES, 'item_one.yml'), 'utf8');
    expect(cassette).toContain('uri: https://api.example.com/items/1');
    expect(cassette).not.toContain('127.0.0.1');
    expect(cassette).toContain('g5');
    // The tests asked 127.0.0.1 and the recording now names api.example.com: only the project's own replay set-up can replay it.
    expect(JSON.parse(result.stdout).files[0].verified).toMatch(/^skipped: record-host-map rewrote the origin/);
  });
});

describe('audit and diff', () => {
  it('audit judges no orphan while a test names cassettes only run time knows, reports shared names and planted tokens, and fails on secrets', async () => {
    project = await projects.copy('test/projects/testthat');
    const clean = await runCli(['audit', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(clean.code, clean.stderr).toBe(0);
    const report = JSON.parse(clean.stdout);
    expect(report.cassettes).toBe(9);
    // dyn_one.yml may be what the paste0() name makes: an orphan would be a guess, so one line says none was judged.
    expect(report.counts).toMatchObject({ secret: 0, token: 0, poisoned: 0, missing: 0, orphan: 0, shared: 1 });
    expect(report.notes).toContain('orphans not judged: 1 test file uses cassette names only run time knows (a run teaches the manifest those)');
    expect(report.oldest.source).toBe('recorded');

    const users = path.join(project.dir, FIXTURES, 'users.yml');
    const token = `ghp_${'a1B2c3D4e5'.repeat(4)}`;
    await writeFile(users, (await readFile(users, 'utf8')).replace('X-Api-Key: <<<API_KEY>>>', `Authorization: token ${token}`));
    const dirty = await runCli(['audit', '--api-key-env', 'STANDIN_API_KEY'], { cwd: project.dir, env: cleanEnv({ STANDIN_API_KEY: KEY }) });
    expect(dirty.code).toBe(1);
    expect(dirty.stdout).toMatch(/error\s+token\s+tests\/fixtures\/users\.yml:\d+\s+holds what looks like a github-token/);
    expect(dirty.stdout).not.toContain(token);
  });

  it('diff of two cassette folders: one entry per cassette, noise-only told apart from change', async () => {
    project = await projects.copy('test/projects/testthat');
    const before = path.join(project.dir, 'before');
    await cp(path.join(project.dir, FIXTURES), before, { recursive: true });
    standin.api.setExtraField(true);
    standin.api.setGeneration('g1');
    // Keep every new recording (even noise) by diffing against a copy taken before the run.
    await runCli(['run', ...FAST, ...HEALTHY], { cwd: project.dir, env: env() });
    await writeFile(path.join(project.dir, FIXTURES, 'status.yml'), (await readFile(path.join(project.dir, FIXTURES, 'status.yml'), 'utf8')).replace(/date: .*/, 'date: Tue, 01 Dec 2026 00:00:00 GMT'));
    const result = await runCli(['diff', before, path.join(project.dir, FIXTURES), '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(1);
    const entries = JSON.parse(result.stdout) as Array<{ cassette: string; status: string; changes: unknown[] }>;
    expect(Object.fromEntries(entries.map((e) => [e.cassette, e.status]))).toEqual({ 'items.yml': 'changed', 'status.yml': 'noise-only' });
    expect(entries.find((e) => e.cassette === 'status.yml')!.changes).toEqual([]);
    expect((await snapshotTree(before)).size).toBe(9);
  });
});

describe('audit as an action step and stale mode', () => {
  it('step: audit annotates findings on their lines, sets outputs and fails on a leaked key', async () => {
    project = await projects.copy('test/projects/testthat');
    const item = path.join(project.dir, FIXTURES, 'item_one.yml');
    await writeFile(item, (await readFile(item, 'utf8')).replace('X-Api-Key: <<<API_KEY>>>', `X-Api-Key: ${KEY}`));
    const result = await runAction({ step: 'audit', 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY' }, { cwd: project.dir, env: cleanEnv() });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.outputs.findings!)).toMatchObject({ secret: 1, orphan: 0, shared: 1 });
    expect(result.summary).toContain('- orphans not judged: 1 test file uses');
    expect(result.stdout).toMatch(/::error title=rerecord audit%3A secret,file=tests\/fixtures\/item_one\.yml,line=\d+::holds api-key \(raw\)/);
    expect(result.summary).toMatch(/\| error \| secret \| `tests\/fixtures\/item_one\.yml:\d+` \|/);
    expect(result.stdout.replace(`::add-mask::${KEY}`, '') + result.summary).not.toContain(KEY);
  });

  it('mode stale picks the files whose cassettes were last committed longer ago than max-age', async () => {
    project = await projects.copy('test/projects/node-nock');
    const plan = async (maxAge: string) => {
      const result = await runCli(['plan', '--json', '--mode', 'stale', '--max-age', maxAge, '--cassette-functions', 'withFixture'], { cwd: project.dir, env: cleanEnv() });
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout).files.map((f: { file: string }) => f.file);
    };
    expect(await plan('1h')).toEqual([]);
    // Backdate the commit (age is the committer date), then touch users.json in a fresh one.
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--amend', '-q', '--no-edit'], {
      cwd: project.dir,
      env: { ...process.env, GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' },
    });
    const users = path.join(project.dir, 'test/fixtures/users.json');
    await writeFile(users, `${await readFile(users, 'utf8')}\n`);
    git(project.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'fresh users');
    expect((await plan('30d')).sort()).toEqual(['test/boom.test.js', 'test/hang.test.js', 'test/items.test.js', 'test/shared-a.test.js', 'test/shared-b.test.js']);
  });
});
