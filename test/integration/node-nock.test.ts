// The built CLI and action re-record a real node --test + nock back project against the stand-in API.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allText, readFailureReports, snapshotTree, type TempProject } from '../support/projects.js';
import { cleanEnv, runAction, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'sk-live-4242-very-secret';
const FIXTURES = 'test/fixtures';
const COMMON = ['--cassette-functions', 'withFixture', '--timeout', '12s', '--retries', '0', '--workers', '4', '--api-key-env', 'STANDIN_API_KEY'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();

async function fixture(name: string): Promise<string> {
  return readFile(path.join(project.dir, FIXTURES, name), 'utf8');
}

describe('node + nock back, through the CLI', () => {
  it('re-records passing files with fresh data and restores failing ones byte for byte', async () => {
    project = await projects.copy('test/projects/node-nock');
    const before = await snapshotTree(project.dir, FIXTURES);

    const result = await runCli(['run', ...COMMON], { cwd: project.dir, env: env() });

    expect(result.code, result.stderr).toBe(1);
    for (const name of ['items.json', 'item-two.json', 'users.json', 'status.json', 'dyn-1.json', 'dyn-3.json']) {
      expect(JSON.parse(await fixture(name))[0].response.generation, name).toBe('g2');
    }
    const after = await snapshotTree(project.dir, FIXTURES);
    expect(after.get('test/fixtures/boom.json')).toEqual(before.get('test/fixtures/boom.json'));
    expect(after.get('test/fixtures/hang.json')).toEqual(before.get('test/fixtures/hang.json'));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());

    const { failed, report, byFile } = await readFailureReports(project.dir);
    expect(failed).toEqual(['test/boom.test.js', 'test/hang.test.js']);
    expect(byFile['test/boom.test.js']).toMatchObject({ status: 'failed', attempts: 1, exitCode: 1, reason: expect.stringMatching(/^tests failed \(exit code 1\): \S/) });
    expect(byFile['test/hang.test.js']!.reason).toMatch(/^timed out after 12\.0s; its process tree was killed$/);
    expect(byFile['test/boom.test.js']!.outputTail).toMatch(/500/);
    expect(report.summary).toEqual({ selected: 7, succeeded: 5, failed: 2, notRun: 0 });

    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.files['test/dynamic.test.js'].cassettes).toEqual(['test/fixtures/dyn-1.json', 'test/fixtures/dyn-3.json']);
    expect(manifest.files['test/items.test.js'].cassettes).toEqual(['test/fixtures/item-two.json', 'test/fixtures/items.json']);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(result.stdout).toMatch(/5\/7 files re-recorded/);
    expect(result.stderr).toMatch(/\[7\/7\]/);
  });

  it("fails a passing file whose fixture ends up in a format nock does not write, and puts the old bytes back", async () => {
    project = await projects.copy('test/projects/node-nock');
    // After nock back saved items.json, the test overwrites it with a vcrpy cassette (valid JSON, readable, not nock's).
    const vcrpy = JSON.stringify({ interactions: [{ request: { method: 'GET', uri: 'http://127.0.0.1/items', body: null, headers: {} }, response: { status: { code: 200, message: 'OK' }, headers: {}, body: { string: '{}' } } }], version: 1 });
    await writeFile(
      path.join(project.dir, 'test/overwrite.test.js'),
      `'use strict';\nconst test = require('node:test');\nconst fs = require('node:fs');\nconst path = require('node:path');\nconst { withFixture, getJson } = require('./helpers/api');\n` +
        `test('lists the items, then clobbers the fixture', async () => {\n  await withFixture('items.json', () => getJson('/items'));\n  fs.writeFileSync(path.join(__dirname, 'fixtures', 'items.json'), ${JSON.stringify(vcrpy)});\n});\n`,
    );
    const before = await snapshotTree(project.dir, FIXTURES);
    const result = await runCli(['run', ...COMMON, '--priority-patterns', 'overwrite', '--mode', 'priority'], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(1);
    const { byFile } = await readFailureReports(project.dir);
    expect(byFile['test/overwrite.test.js']?.reason).toMatch(/new recording test\/fixtures\/items\.json reads as a vcrpy cassette, which framework node does not write \(the old one was nock\); not kept/);
    expect(await snapshotTree(project.dir, FIXTURES)).toEqual(before);
  });

  it('leaves recordings that replay green with no server running', async () => {
    project = await projects.copy('test/projects/node-nock');
    const rerecord = await runCli(['run', ...COMMON], { cwd: project.dir, env: env() });
    expect(rerecord.code).toBe(1);

    const files = (await snapshotTree(project.dir, 'test')).keys();
    const testFiles = [...files].filter((file) => /\.test\.m?js$/.test(file));
    const replay = await start('--test-reporter=tap', ['--test', ...testFiles], { cwd: project.dir, env: cleanEnv({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: 'none' }) }).finished;
    expect(replay.code, replay.stdout).toBe(0);
    expect(replay.stdout).toMatch(/^# fail 0$/m);
    expect(replay.stdout).toMatch(/^# pass 9$/m);
  });

  it('re-runs exactly the failure log with --failures', async () => {
    project = await projects.copy('test/projects/node-nock');
    await runCli(['run', ...COMMON], { cwd: project.dir, env: env() });
    const second = await runCli(['--failures', '--json', ...COMMON], { cwd: project.dir, env: env() });
    const document = JSON.parse(second.stdout);
    expect(document.files.map((f: { file: string }) => f.file).sort()).toEqual(['test/boom.test.js', 'test/hang.test.js']);
    expect(document).toMatchObject({ selected: 2, succeeded: 0, failed: 2, interrupted: false });
  });

  it('plans without running anything: mapping, dynamic names, shared cassettes', async () => {
    project = await projects.copy('test/projects/node-nock');
    const before = await snapshotTree(project.dir);
    const requestsBefore = standin.api.state.requests.length;
    const result = await runCli(['plan', '--json', '--cassette-functions', 'withFixture'], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const byFile = Object.fromEntries(plan.files.map((f: { file: string }) => [f.file, f]));
    expect(byFile['test/items.test.js']).toEqual({ file: 'test/items.test.js', cassettes: ['test/fixtures/item-two.json', 'test/fixtures/items.json'], unresolved: [] });
    expect(byFile['test/dynamic.test.js']!.unresolved).toEqual(['`dyn-${id}.json` (line 9)']);
    expect(plan.shared).toEqual([{ cassette: 'test/fixtures/status.json', files: ['test/shared-a.test.js', 'test/shared-b.test.js'] }]);
    expect(await snapshotTree(project.dir)).toEqual(before);
    expect(standin.api.state.requests.length).toBe(requestsBefore);
  });

  it('rejects bad input with exit code 2 and touches nothing', async () => {
    project = await projects.copy('test/projects/node-nock');
    const before = await snapshotTree(project.dir);
    const result = await runCli(['--workers', '0', '--mode', 'sometimes', '--api-key-env', 'STANDIN_API_KEY'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers: expected a whole number >= 1, got "0"');
    expect(result.stderr).toContain('--mode: expected one of all, priority, failures, missing, stale, got "sometimes"');
    expect(result.stderr).toContain('--api-key-env: names STANDIN_API_KEY, but no key was given');
    expect(await snapshotTree(project.dir)).toEqual(before);
  });

  it('on SIGTERM stops, leaves every fixture re-recorded or original, and logs what did not finish', async () => {
    project = await projects.copy('test/projects/node-nock');
    const before = await snapshotTree(project.dir, FIXTURES);
    const child = start(path.join(process.cwd(), 'dist/cli.js'), ['run', ...COMMON, '--timeout', '60s', '--workers', '2', '--batch-size', '1', '--batch-delay', '300ms'], {
      cwd: project.dir,
      env: env(),
    });
    // Wait until at least one file has been re-recorded, so the run is mid-way with something kept.
    let progress = '';
    await new Promise<void>((resolve) => child.stderr!.on('data', (chunk: Buffer) => /\[\d\/7\] ok /.test((progress += chunk.toString())) && resolve()));
    child.kill('SIGTERM');
    const result = await child.finished;
    expect(result.code).toBe(143);

    const after = await snapshotTree(project.dir, FIXTURES);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    let rerecorded = 0;
    for (const [name, bytes] of after) {
      const original = before.get(name)!;
      if (bytes.equals(original)) continue;
      rerecorded++;
      expect(JSON.parse(bytes.toString())[0].response.generation, name).toBe('g2');
    }
    expect(rerecorded).toBeGreaterThan(0);
    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8'));
    const unfinished = report.files.filter((f: { status: string }) => f.status !== 'succeeded').map((f: { file: string }) => f.file);
    const log = (await readFile(path.join(project.dir, '.rerecord/failures.txt'), 'utf8')).split('\n').filter(Boolean);
    expect(log.sort()).toEqual(unfinished.sort());
    expect(report.files.some((f: { status: string }) => f.status === 'not-run')).toBe(true);
  });
});

describe('node + nock back, through the bundled action', () => {
  it('sets outputs, writes the job summary and annotates failed files', async () => {
    project = await projects.copy('test/projects/node-nock');
    const result = await runAction(
      { 'cassette-functions': 'withFixture', timeout: '12s', retries: '0', 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY' },
      { cwd: project.dir, env: cleanEnv({ STANDIN_API_URL: standin.api.url }) },
    );
    expect(result.code, result.stdout).toBe(1);
    expect(result.outputs).toMatchObject({ selected: '7', succeeded: '5', failed: '2', 'failure-log': '.rerecord/failures.txt' });
    expect(JSON.parse(result.outputs['failed-files']!).sort()).toEqual(['test/boom.test.js', 'test/hang.test.js']);
    expect(result.stdout).toContain(`::add-mask::${KEY}`);
    expect(result.stdout).toMatch(/::error title=rerecord%3A test\/boom\.test\.js did not re-record,file=test\/boom\.test\.js::tests failed/);
    expect(result.summary).toMatch(/\| `test\/hang\.test\.js` \| ❌ failed \| timed out after 12\.0s/);
    expect(result.summary).toMatch(/5\/7 files re-recorded/);
    const withoutMask = result.stdout.replace(`::add-mask::${KEY}`, '');
    expect(withoutMask + result.stderr + result.summary).not.toContain(KEY);
    expect(await allText(project.dir)).not.toContain(KEY);
  });

  it('fails with exit code 2 and a named input on bad config', async () => {
    project = await projects.copy('test/projects/node-nock');
    const result = await runAction({ workers: 'lots', 'batch-delay': 'soon' }, { cwd: project.dir, env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain("input 'workers': expected a whole number >= 1, got \"lots\"");
    expect(result.stdout).toContain("input 'batch-delay': expected a duration");
  });
});
