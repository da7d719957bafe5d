// The built CLI re-records a real pytest + vcrpy project against the stand-in API.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allText, readFailureReports, snapshotTree, type TempProject } from '../support/projects.js';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

/** Debian's python3 has vcrpy and pytest; the `python3` first on PATH may not (pyenv): we put it first. */
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const KEY = 'py-key-5c1e-secret';
const CASSETTES = 'tests/vcr_cassettes';
const COMMON = ['--timeout', '5s', '--retries', '0', '--workers', '4', '--api-key-env', 'STANDIN_API_KEY'];
const FRESH = ['items', 'item_two', 'users', 'status', 'dyn-1', 'dyn-3'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let project: TempProject;
let pythonBin: string;
const withPython = (extra: Record<string, string>) => {
  const env = cleanEnv(extra);
  return { ...env, PATH: `${pythonBin}${path.delimiter}${env.PATH ?? ''}` };
};
const env = () => withPython({ STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY });

beforeAll(async () => {
  pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
  await symlink(PYTHON, path.join(pythonBin, 'python3'));
});
afterAll(() => rm(pythonBin, { recursive: true, force: true }));

async function cassette(name: string): Promise<string> {
  return readFile(path.join(project.dir, CASSETTES, `${name}.yaml`), 'utf8');
}

const generations = (text: string) => [...text.matchAll(/"generation":"(g\d+)"/g)].map((match) => match[1]);

/** Runs pytest on the whole suite in the project, the way a developer replays cassettes. */
function pytestReplay(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: dir,
      env: withPython({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: '' }),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('pytest + vcrpy, through the CLI', () => {
  it('detects pytest, re-records passing files, restores failing ones, learns the static mapping, and replays offline', async () => {
    project = await projects.copy('test/projects/pytest');
    const before = await snapshotTree(project.dir, CASSETTES);
    const planned = JSON.parse((await runCli(['plan', '--json'], { cwd: project.dir, env: env() })).stdout);

    const result = await runCli(['run', ...COMMON], { cwd: project.dir, env: env() });

    expect(result.code, result.stderr).toBe(1);
    // users.yaml is opened by two tests: the second replays the first's fresh recording.
    for (const name of FRESH) expect(generations(await cassette(name)), name).toEqual(['g2']);
    const after = await snapshotTree(project.dir, CASSETTES);
    expect(after.get(`${CASSETTES}/boom.yaml`)).toEqual(before.get(`${CASSETTES}/boom.yaml`));
    expect(after.get(`${CASSETTES}/hang.yaml`)).toEqual(before.get(`${CASSETTES}/hang.yaml`));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    // Recorded against 127.0.0.1:<port>, stored against the fixed origin the tests replay with.
    expect(await cassette('items')).toContain('uri: http://api.test/items\n');
    expect(await cassette('items')).not.toMatch(/127\.0\.0\.1|Host:/);

    const { failed, report, byFile } = await readFailureReports(project.dir);
    expect(failed).toEqual(['tests/test_boom.py', 'tests/test_hang.py']);
    expect(byFile['tests/test_boom.py']).toMatchObject({ status: 'failed', attempts: 1, exitCode: 1 });
    expect(byFile['tests/test_boom.py']!.reason).toBe('tests failed (exit code 1): FAILED tests/test_boom.py::test_boom_endpoint_answers - assert 500 == 200; new recording held 500 on GET /boom (tests/vcr_cassettes/boom.yaml)');
    expect(byFile['tests/test_boom.py']!.outputTail).toMatch(/assert 500 == 200/);
    expect(byFile['tests/test_hang.py']!.reason).toMatch(/^timed out after 5\.0s; its process tree was killed$/);
    expect(report.summary).toEqual({ selected: 7, succeeded: 5, failed: 2, notRun: 0 });

    // What the hook journaled is what the source says, wherever the source says it.
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    const literalFiles = planned.files.filter((f: { unresolved: string[] }) => f.unresolved.length === 0);
    for (const { file, cassettes } of literalFiles) {
      if (manifest.files[file]) expect(manifest.files[file].cassettes, file).toEqual(cassettes);
    }
    expect(Object.keys(manifest.files).filter((file) => literalFiles.some((f: { file: string }) => f.file === file)).length).toBeGreaterThanOrEqual(4);
    expect(manifest.files['tests/test_dynamic.py'].cassettes).toEqual([`${CASSETTES}/dyn-1.yaml`, `${CASSETTES}/dyn-3.yaml`]);
    expect(manifest.files['tests/test_items.py'].cassettes).toEqual([`${CASSETTES}/item_two.yaml`, `${CASSETTES}/items.yaml`]);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(result.stdout).toMatch(/5\/7 files re-recorded/);

    const offline = await pytestReplay(project.dir);
    expect(offline.code, offline.output).toBe(0);
    expect(offline.output).toMatch(/\b10 passed\b/);
  });

  it('keeps the hook with a custom command, and names the reason when a file collects no tests', async () => {
    project = await projects.copy('test/projects/pytest');
    await writeFile(path.join(project.dir, 'tests/test_empty.py'), 'def helper():\n    return 1\n');
    const result = await runCli(
      ['run', ...COMMON, '--framework', 'pytest', '--command', `${PYTHON} -m pytest -q -p no:cacheprovider {file}`, '--mode', 'priority', '--priority-patterns', 'test_items,test_empty'],
      { cwd: project.dir, env: env() },
    );
    expect(result.code, result.stderr).toBe(1);
    expect(generations(await cassette('items'))).toEqual(['g2']);
    expect(generations(await cassette('users'))).toEqual(['g1']);
    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8'));
    const empty = report.files.find((f: { file: string }) => f.file === 'tests/test_empty.py');
    expect(empty).toMatchObject({ status: 'failed', exitCode: 5, reason: 'tests failed (exit code 5)' });
    expect(empty.outputTail).toContain('rerecord: no tests collected');
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.files['tests/test_items.py'].cassettes).toEqual([`${CASSETTES}/item_two.yaml`, `${CASSETTES}/items.yaml`]);
  });

  it('plans from the source: cassette dir from the helper module, dynamic names unresolved, shared cassettes', async () => {
    project = await projects.copy('test/projects/pytest');
    const before = await snapshotTree(project.dir);
    const requestsBefore = standin.api.state.requests.length;
    const result = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const byFile = Object.fromEntries(plan.files.map((f: { file: string }) => [f.file, f]));
    expect(Object.keys(byFile).sort()).toEqual(
      ['boom', 'dynamic', 'hang', 'items', 'shared_a', 'shared_b', 'users'].map((name) => `tests/test_${name}.py`),
    );
    expect(byFile['tests/test_items.py']).toEqual({ file: 'tests/test_items.py', cassettes: [`${CASSETTES}/item_two.yaml`, `${CASSETTES}/items.yaml`], unresolved: [] });
    expect(byFile['tests/test_users.py']!.cassettes).toEqual([`${CASSETTES}/users.yaml`]);
    expect(byFile['tests/test_dynamic.py']).toMatchObject({ cassettes: [], unresolved: ['f"dyn-{item_id}.yaml" (line 9)'] });
    expect(plan.shared).toEqual([{ cassette: `${CASSETTES}/status.yaml`, files: ['tests/test_shared_a.py', 'tests/test_shared_b.py'] }]);
    expect(await snapshotTree(project.dir)).toEqual(before);
    expect(standin.api.state.requests.length).toBe(requestsBefore);
  });
});
