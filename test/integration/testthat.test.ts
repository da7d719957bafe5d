// The built CLI and action re-record a real R testthat + vcr project against the stand-in API.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allText, snapshotTree, type TempProject } from '../support/projects.js';
import { CLI, cleanEnv, runAction, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'r-key-7f3a9c-secret';
const FIXTURES = 'tests/fixtures';
const COMMON = ['--timeout', '20s', '--retries', '0', '--workers', '4', '--api-key-env', 'STANDIN_API_KEY'];
const GOOD = ['items', 'item_two', 'item_one', 'users', 'users_page', 'status', 'dyn_one'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();

async function generationOf(name: string): Promise<string | undefined> {
  const text = await readFile(path.join(project.dir, FIXTURES, `${name}.yml`), 'utf8');
  return /\\?"generation\\?":\\?"(g\d+)/.exec(text)?.[1];
}

async function replay(dir: string): Promise<{ code: number | null; output: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn('Rscript', ['-e', 'r <- as.data.frame(testthat::test_dir("tests/testthat", stop_on_failure = FALSE)); cat("\\nPASSED", sum(r$passed), "FAILED", sum(r$failed) + sum(r$error), "\\n")'], {
      cwd: dir,
      env: cleanEnv({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: '' }),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('R testthat + vcr', () => {
  it('the action re-records fresh data, restores failed and timed-out files byte for byte, and the result replays green offline', async () => {
    project = await projects.copy('test/projects/testthat');
    const before = await snapshotTree(project.dir, FIXTURES);

    const result = await runAction(
      { 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY', timeout: '20s', retries: '0', workers: '4' },
      { cwd: project.dir, env: cleanEnv({ STANDIN_API_URL: standin.api.url }) },
    );

    expect(result.code, result.stdout).toBe(1);
    expect(result.outputs).toMatchObject({ selected: '8', succeeded: '6', failed: '2' });
    expect(JSON.parse(result.outputs['failed-files']!).sort()).toEqual(['tests/testthat/test-boom.R', 'tests/testthat/test-hang.R']);
    for (const name of GOOD) expect(await generationOf(name), name).toBe('g2');
    const after = await snapshotTree(project.dir, FIXTURES);
    expect(after.get('tests/fixtures/boom.yml')).toEqual(before.get('tests/fixtures/boom.yml'));
    expect(after.get('tests/fixtures/hang.yml')).toEqual(before.get('tests/fixtures/hang.yml'));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());

    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8'));
    const boom = report.files.find((f: { file: string }) => f.file === 'tests/testthat/test-boom.R');
    expect(boom).toMatchObject({ status: 'failed', exitCode: 1, reason: expect.stringMatching(/^tests failed \(exit code 1\): \S/) });
    expect(boom.outputTail).toMatch(/500/);
    expect(report.files.find((f: { file: string }) => f.file === 'tests/testthat/test-hang.R').reason).toMatch(/^timed out after 20\.0s/);
    expect(result.summary).toMatch(/6\/8 files re-recorded/);

    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.files['tests/testthat/test-dynamic.R'].cassettes).toEqual(['tests/fixtures/dyn_one.yml']);
    expect(manifest.files['tests/testthat/test-users.R'].cassettes).toEqual(['tests/fixtures/users.yml', 'tests/fixtures/users_page.yml']);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout.replace(`::add-mask::${KEY}`, '') + result.stderr + result.summary).not.toContain(KEY);

    const offline = await replay(project.dir);
    const [, passed, failed] = /PASSED (\d+) FAILED (\d+)/.exec(offline.output) ?? [];
    expect(Number(failed), offline.output).toBe(0);
    expect(Number(passed)).toBeGreaterThanOrEqual(15);
  });

  it('plans from the source: literal names, name =, no prefix guessing, dynamic names unresolved, shared cassettes', async () => {
    project = await projects.copy('test/projects/testthat');
    const result = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const cassettesOf = (file: string) => plan.files.find((f: { file: string }) => f.file === `tests/testthat/${file}`);
    expect(cassettesOf('test-items.R').cassettes).toEqual(['tests/fixtures/item_two.yml', 'tests/fixtures/items.yml']);
    expect(cassettesOf('test-item.R').cassettes).toEqual(['tests/fixtures/item_one.yml']);
    expect(cassettesOf('test-dynamic.R')).toMatchObject({ cassettes: [], unresolved: ['paste0("dyn_", "one") (line 3)'] });
    expect(plan.shared).toEqual([{ cassette: 'tests/fixtures/status.yml', files: ['tests/testthat/test-shared-a.R', 'tests/testthat/test-shared-b.R'] }]);
  });

  it('on SIGTERM leaves every cassette either re-recorded or original', async () => {
    project = await projects.copy('test/projects/testthat');
    const before = await snapshotTree(project.dir, FIXTURES);
    const child = start(CLI, ['run', ...COMMON, '--workers', '2', '--timeout', '60s'], { cwd: project.dir, env: env() });
    await new Promise<void>((resolve) => child.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('[2/8]') && resolve()));
    child.kill('SIGTERM');
    const result = await child.finished;
    expect(result.code).toBe(143);

    const after = await snapshotTree(project.dir, FIXTURES);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of after) {
      if (bytes.equals(before.get(name)!)) continue;
      expect(bytes.toString(), name).toMatch(/\\?"generation\\?":\\?"g2/);
    }
    const log = await readFile(path.join(project.dir, '.rerecord/failures.txt'), 'utf8');
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(0);
    expect(await allText(project.dir)).not.toContain(KEY);
  });
});
