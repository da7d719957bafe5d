// pytest-recording (vendored in test/vendor/py-stack) records a suite with nested test
// folders, parametrized tests, a vcr_cassette_dir fixture and a JSON vcr_config; rerecord's plan
// must name exactly the files the library wrote, and its hook must re-record them in place.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempProject } from '../support/projects.js';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { PY_STACK } from '../support/vendor.js';

const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const KEY = 'pyrec-key-77aa-secret';

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();
let pythonBin: string;

beforeAll(async () => {
  pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
  await symlink(PYTHON, path.join(pythonBin, 'python3'));
});
afterAll(() => rm(pythonBin, { recursive: true, force: true }));

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = cleanEnv({ PYTHONPATH: PY_STACK, ...extra });
  return { ...base, PATH: `${pythonBin}${path.delimiter}${base.PATH ?? ''}` };
}

function pytest(dir: string, args: string[], extra: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-m', 'pytest', '-q', ...args], { cwd: dir, env: env(extra) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Every recorded file below tests/ (what the library wrote; tests/data holds test data), relative to the project. */
async function recordings(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'tests'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(?:ya?ml|json)$/.test(entry.name) && !entry.parentPath.endsWith(`${path.sep}data`))
    .map((entry) => path.posix.join(path.relative(dir, entry.parentPath).split(path.sep).join('/'), entry.name))
    .sort();
}

interface PlannedFile {
  file: string;
  cassettes: string[];
  unresolved: string[];
}

describe('pytest-recording, through the CLI', () => {
  let project: TempProject;

  it('plans exactly the files pytest-recording writes, re-records them through the hook, and audits clean', async () => {
    project = await projects.copy('test/projects/pytest-recording');
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: env() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { framework: string; files: PlannedFile[] };
    expect(plan.framework).toBe('pytest');
    const predicted = plan.files.flatMap((file) => file.cassettes).sort();

    const recorded = await pytest(project.dir, ['--record-mode=once'], { STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY });
    expect(recorded.code, recorded.output).toBe(0);
    const written = await recordings(project.dir);

    // pytest's own collection names every cassette the library wrote, run-time ids included.
    expect(predicted).toEqual(written);
    expect(plan.files.flatMap((file) => file.unresolved)).toEqual([]);
    // From the source alone: every prediction is a file the library wrote; what it wrote beyond them
    // belongs to the one test whose ids only run time knows, reported with its file and line.
    const staticPlanned = await runCli(['plan', '--json', '--collect', 'off'], { cwd: project.dir, env: env() });
    const staticPlan = JSON.parse(staticPlanned.stdout) as { files: PlannedFile[] };
    const staticPredicted = staticPlan.files.flatMap((file) => file.cassettes);
    expect(written).toEqual(expect.arrayContaining(staticPredicted));
    expect(written.filter((file) => !staticPredicted.includes(file))).toEqual([
      'tests/api/cassettes/test_things/test_dynamic[1].yaml',
      'tests/api/cassettes/test_things/test_dynamic[2].yaml',
    ]);
    const things = staticPlan.files.find((file) => file.file === 'tests/api/test_things.py')!;
    expect(things.unresolved).toEqual([expect.stringMatching(/^@pytest\.mark\.vcr on test_dynamic: parametrized, .*\(line 51\)$/)]);
    expect(predicted).toContain('tests/custom/recorded/test_custom_dir/test_users_as_json.json');
    expect(predicted).toContain('tests/api/cassettes/test_things/test_pages[False--status].yaml');

    const audit = await runCli(['audit', '--json'], { cwd: project.dir, env: env() });
    const report = JSON.parse(audit.stdout) as { counts: Record<string, number>; cassettes: number };
    // tests/data/sample.json shares the folder but is no cassette: neither audited nor unreadable.
    expect(report.cassettes).toBe(written.length);
    expect(report.counts).toMatchObject({ orphan: 0, missing: 0, unreadable: 0 });

    standin.api.setGeneration('g2');
    try {
      const run = await runCli(['run', '--api-key-env', 'STANDIN_API_KEY', '--workers', '2', '--retries', '0'], {
        cwd: project.dir,
        env: env({ STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY }),
      });
      expect(run.code, run.stderr + run.stdout).toBe(0);
    } finally {
      standin.api.setGeneration('g1');
    }
    expect(await recordings(project.dir)).toEqual(written);
    for (const file of written) expect(await readFile(path.join(project.dir, file), 'utf8'), file).toMatch(/g2/);
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    for (const { file, cassettes, unresolved } of plan.files) {
      if (unresolved.length === 0) expect(manifest.files[file].cassettes, file).toEqual(cassettes);
      else expect(manifest.files[file].cassettes, file).toEqual(expect.arrayContaining(cassettes));
    }

    const offline = await pytest(project.dir, ['--record-mode=none'], { STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: '' });
    expect(offline.code, offline.output).toBe(0);
    expect(offline.output).toMatch(/\b18 passed\b/);
  });

  it('exits 2 naming test-dir and test-pattern when nothing matches, and when audit finds no cassette', async () => {
    project = await projects.copy('test/projects/pytest-recording');
    const before = await readdir(project.dir, { recursive: true });
    const run = await runCli(['run', '--test-pattern', '**/*_spec.py'], { cwd: project.dir, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('test-pattern "**/*_spec.py" matched no file under test-dir "tests"; it holds');
    const audit = await runCli(['audit', '--fail-on', 'warning'], { cwd: project.dir, env: env() });
    expect(audit.code).toBe(2);
    expect(audit.stderr).toMatch(/audit found no cassette: cassette-dir "tests" holds no .*test-pattern .*test-dir "tests"/);
    expect(await readdir(project.dir, { recursive: true })).toEqual(before);
  });
});
