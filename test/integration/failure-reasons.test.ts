// Every failure says why: the framework's own first failure and the statuses the failed file's new
// recording held, where the full report is, and a pre-flight that stops a run whose runtime cannot
// load the VCR library before any test file runs.
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFailureReports, snapshotTree } from '../support/projects.js';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const KEY = 'reasons-7d2a-secret';
const CASSETTES = 'tests/vcr_cassettes';
const COMMON = ['--timeout', '60s', '--retries', '0', '--workers', '2', '--api-key-env', 'STANDIN_API_KEY'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let pythonBin: string;
const env = () => {
  const base = cleanEnv({ STANDIN_API_URL: standin.api.url, STANDIN_API_KEY: KEY });
  return { ...base, PATH: `${pythonBin}${path.delimiter}${base.PATH ?? ''}` };
};

beforeAll(async () => {
  pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
  await symlink(PYTHON, path.join(pythonBin, 'python3'));
});
afterAll(() => rm(pythonBin, { recursive: true, force: true }));

describe('failure reasons, through the CLI', () => {
  it("a pytest file failing against a 503 names pytest's summary line and the 503 its recording held", async () => {
    const project = await projects.copy('test/projects/pytest');
    standin.api.setOutage('/users', 503);
    try {
      const result = await runCli(['run', ...COMMON, '--mode', 'priority', '--priority-patterns', 'test_users'], { cwd: project.dir, env: env() });
      expect(result.code, result.stderr).toBe(1);
      const { byFile } = await readFailureReports(project.dir);
      const reason = byFile['tests/test_users.py']!.reason as string;
      expect(reason).toMatch(/^tests failed \(exit code 1\): FAILED tests\/test_users\.py::TestUsers::\S+ - /);
      expect(reason).toContain(`new recording held 503 on GET /users (${CASSETTES}/users.yaml)`);
      // The final table says where the whole story is.
      expect(result.stdout).toContain('Full failure report (output, reason and attempts of every file): .rerecord/failures.json');
    } finally {
      standin.api.setOutage('/users', undefined);
    }
  });

  it('a Python that lacks vcrpy is exit 2 with one message before any test file runs', async () => {
    const project = await projects.copy('test/projects/pytest');
    const before = await snapshotTree(project.dir);
    const requests = standin.api.state.requests.length;
    // -S leaves out site-packages, where vcrpy is installed: the Python a wrong setup would run.
    const result = await runCli(['run', ...COMMON, '--framework', 'pytest', '--command', `${PYTHON} -S -m pytest {file}`], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`pre-flight: vcr (vcrpy) and pytest in ${PYTHON} -S did not load (ModuleNotFoundError: No module named 'vcr'); no test file was run.`);
    expect(result.stderr.match(/pre-flight/g)).toHaveLength(1);
    expect(standin.api.state.requests.length).toBe(requests);
    const after = await snapshotTree(project.dir);
    for (const [file, bytes] of before) expect(after.get(file), file).toEqual(bytes);
  });

  it('the pre-flight passes with the Python that has vcrpy', async () => {
    const project = await projects.copy('test/projects/pytest');
    const result = await runCli(['run', ...COMMON, '--mode', 'priority', '--priority-patterns', 'test_items'], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain('pre-flight');
  });
});
