// Needs python3 with pytest (pytest-recording vendored in test/vendor/py-stack). Planning asks
// pytest itself (`--collect-only` with rerecord's plugin) which cassettes each test names: ids from
// objects, lambdas and derived tuple ids, a `vcr_config` extending the conftest's, a
// `vcr_cassette_dir` fixture. Checked against what pytest-recording really writes.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { PY_STACK } from '../support/vendor.js';

const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const KEY = 'pycollect-key-31e5-secret';
const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();
let pythonBin: string;
let cacheHome: string;

beforeAll(async () => {
  pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
  await symlink(PYTHON, path.join(pythonBin, 'python3'));
  cacheHome = await mkdtemp(path.join(os.tmpdir(), 'rerecord-collect-cache-'));
});
afterAll(async () => {
  await rm(pythonBin, { recursive: true, force: true });
  await rm(cacheHome, { recursive: true, force: true });
});

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = cleanEnv({ PYTHONPATH: PY_STACK, XDG_CACHE_HOME: cacheHome, ...extra });
  return { ...base, PATH: `${pythonBin}${path.delimiter}${base.PATH ?? ''}` };
}

interface PlannedFile {
  file: string;
  cassettes: string[];
  unresolved: string[];
  possible?: string[];
}

async function plan(dir: string, ...args: string[]): Promise<{ files: PlannedFile[]; mappedBy?: string }> {
  const result = await runCli(['plan', '--framework', 'pytest', '--json', ...args], { cwd: dir, env: env() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

function record(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, ['-m', 'pytest', '-q', '--record-mode=once'], { cwd: dir, env: env({ STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY }) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function written(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, 'tests'), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.(?:yaml|json)$/.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('pytest --collect-only names the cassettes only run time knows', () => {
  it('maps exactly what pytest-recording writes; a module-wide mark makes possible cassettes; the source alone would not have', async () => {
    const project = await projects.copy('test/projects/pytest-runtime-ids');
    const planned = await plan(project.dir);
    expect(planned.mappedBy).toBe('cassettes named by pytest --collect-only');
    expect(planned.files.flatMap((entry) => entry.unresolved)).toEqual([]);
    const mapped = planned.files.flatMap((entry) => entry.cassettes);
    expect(mapped).toContain('tests/recorded/test_runtime_ids/test_derived_ids[ServerError-payload0-503].json');

    const staticOnly = await plan(project.dir, '--collect', 'off');
    expect(staticOnly.files.find((entry) => entry.file === 'tests/test_runtime_ids.py')!.unresolved).not.toEqual([]);

    const recorded = await record(project.dir);
    expect(recorded.code, recorded.output).toBe(0);
    const files = await written(project.dir);
    const possible = new Set(planned.files.flatMap((entry) => entry.possible ?? []));
    expect(files.filter((file) => !mapped.includes(file))).toEqual([]);
    expect(mapped.filter((cassette) => !possible.has(cassette) && !files.includes(cassette))).toEqual([]);
    expect(possible.has('tests/cassettes/test_quiet_module/test_computes_locally.yaml')).toBe(true);
    expect(files).not.toContain('tests/cassettes/test_quiet_module/test_computes_locally.yaml');
    expect(files).toContain('tests/cassettes/test_quiet_module/test_requests.yaml');
  });

  it('falls back to the source when pytest cannot collect, saying why in its own words', async () => {
    const project = await projects.copy('test/projects/pytest-runtime-ids');
    await writeFile(path.join(project.dir, 'tests/conftest.py'), 'import pytest\n\ndef broken(:\n    pass\n');
    const planned = await plan(project.dir);
    expect(planned.mappedBy).toMatch(/^mapped statically: pytest --collect-only (failed|wrote nothing)\b.*SyntaxError/);
    expect(planned.files.length).toBeGreaterThan(0);
  });
});
