// A pytest-recording module under `pytestmark = pytest.mark.vcr` where most tests make no request
// (vcrpy writes no cassette for them), and a project fixture that writes its own `*.xai.yaml`
// recordings beside vcrpy's: after one real run, `missing` selects nothing and audit cries no wolf.
import { readFile, readdir, rm, symlink, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { PY_STACK } from '../support/vendor.js';

const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const KEY = 'quiet-key-31bb-secret';
const FOLDER = 'tests/cassettes/test_quiet';

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

interface PlanJson {
  files: Array<{ file: string }>;
  uncounted?: string;
}

interface Finding {
  severity: string;
  kind: string;
  cassette: string;
  message: string;
}

describe('pytest-recording with quiet tests and a recorder of its own', () => {
  it('after one run: missing selects nothing, and audit finds no missing, unreadable or orphan, only foreign notices', async () => {
    const project = await projects.copy('test/projects/pytest-quiet');
    // Before any run: only the cassettes of the tests' own marks are expected (3 spread ones are possible).
    const before = JSON.parse((await runCli(['plan', '--mode', 'missing', '--json'], { cwd: project.dir, env: env() })).stdout) as PlanJson;
    expect(before.files.map((file) => file.file)).toEqual(['tests/test_quiet.py']);
    expect(before.uncounted).toBe('not counted missing: 4 possible cassettes (a mark spread over tests that may make no request)');

    const run = await runCli(['run', '--api-key-env', 'STANDIN_API_KEY', '--workers', '1', '--retries', '0'], {
      cwd: project.dir,
      env: env({ STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY }),
    });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // The fixture's own files are kept as written, with no warning that rerecord cannot read them.
    expect(run.stderr + run.stdout).not.toContain('cannot read this format');
    // vcrpy wrote only the cassette of the test that made a request; the fixture wrote its own files.
    expect((await readdir(path.join(project.dir, FOLDER))).sort()).toEqual([
      'test_frames_of_its_own.xai.yaml',
      'test_lists_items.yaml',
      'test_marked_but_cached.xai.yaml',
    ]);
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.files['tests/test_quiet.py'].unwritten).toContain(`${FOLDER}/test_marked_but_cached.yaml`);

    const planned = await runCli(['plan', '--mode', 'missing', '--json'], { cwd: project.dir, env: env() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as PlanJson;
    expect(plan.files).toEqual([]);
    // The run opened every cassette (so none is merely possible now) and wrote one.
    expect(plan.uncounted).toBe('not counted missing: 4 cassettes left unwritten when their test file last passed');
    const text = await runCli(['plan', '--mode', 'missing'], { cwd: project.dir, env: env() });
    expect(text.stdout).toContain('not counted missing: 4 cassettes left unwritten');

    const audit = await runCli(['audit', '--json', '--fail-on', 'warning'], { cwd: project.dir, env: env() });
    expect(audit.code, audit.stderr + audit.stdout).toBe(0);
    const report = JSON.parse(audit.stdout) as { counts: Record<string, number>; findings: Finding[]; notes: string[] };
    expect(report.counts).toMatchObject({ secret: 0, token: 0, poisoned: 0, missing: 0, unreadable: 0, orphan: 0, foreign: 2 });
    expect(report.findings.filter((f) => f.severity !== 'notice')).toEqual([]);
    expect(report.findings.filter((f) => f.kind === 'foreign').map((f) => [f.cassette, f.message])).toEqual([
      [`${FOLDER}/test_frames_of_its_own.xai.yaml`, 'foreign (not a vcrpy cassette)'],
      [`${FOLDER}/test_marked_but_cached.xai.yaml`, 'foreign (not a vcrpy cassette)'],
    ]);
    expect(report.notes).toContainEqual(expect.stringMatching(/^not counted missing: /));
  });
});
