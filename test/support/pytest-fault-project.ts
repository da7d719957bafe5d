// Small pytest + vcrpy projects for fault tests, against the stand-in API: each test file records
// one cassette from /items and then does what the fault needs (Python written out in the test).
// Every test process carries RR_TOKEN=<token>, so survivors can be found; `outside` sits beside
// the project and must never change. Needs Debian's python3 with pytest and vcrpy.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { git, REPO_ROOT } from './projects.js';
import { processesCarrying } from './process-scan.js';
import { runCli } from './run-bundle.js';
import { useStandinApi } from './suite.js';

const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
export const CASSETTES = 'tests/vcr_cassettes';
export const RUN = ['run', '--framework', 'pytest', '--retries', '0', '--api-key-env', 'STANDIN_API_KEY', '--json'];

export interface PytestProject {
  dir: string;
  outside: string;
  token: string;
}

export interface RunJson {
  files: Array<{ file: string; status: string; reason: string; cassettes: Array<{ cassette: string; outcome: string }> }>;
  processes: string | null;
}

/** A test file that records `name` from /items, then runs `after` (Python, indented by 4). */
export const recording = (name: string, after = '') => `from standin import api_vcr, get_json


def test_records():
    with api_vcr.use_cassette("${name}.yaml"):
        status, body = get_json("/items")
    assert status == 200
${after}
`;

export const OLD = (name: string) => `interactions: []\nversion: 1\n# old ${name}\n`;

/** Registers the stand-in API, a python3 first on PATH, and the clean-up of every project made. */
export function usePytestProjects(key: string) {
  const standin = useStandinApi(key, 'g2');
  let pythonBin: string;
  beforeAll(async () => {
    pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
    await symlink(PYTHON, path.join(pythonBin, 'python3'));
  });
  afterAll(() => rm(pythonBin, { recursive: true, force: true }));
  const made: PytestProject[] = [];
  afterEach(async () => {
    for (const project of made.splice(0)) {
      for (const { pid } of processesCarrying(`RR_TOKEN=${project.token}`)) process.kill(pid, 'SIGKILL');
      await rm(path.dirname(project.dir), { recursive: true, force: true });
    }
  });

  const env = (project: PytestProject): NodeJS.ProcessEnv => {
    const base = standin.env({ RR_TOKEN: project.token });
    return { ...base, PATH: `${pythonBin}${path.delimiter}${base.PATH ?? ''}` };
  };

  return {
    env,
    /** `tests`: test file name -> source; each gets an old cassette named after it (`test_a.py` -> `a.yaml`). `extra`: more project files. */
    async create(tests: Record<string, string>, extra: Record<string, string> = {}): Promise<PytestProject> {
      const parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-pyfault-'));
      const dir = path.join(parent, 'project');
      const outside = path.join(parent, 'outside');
      const token = `rrpy${Math.random().toString(36).slice(2, 10)}`;
      await mkdir(path.join(dir, CASSETTES), { recursive: true });
      await mkdir(outside);
      await writeFile(path.join(outside, 'victim.yaml'), OLD('victim'));
      await writeFile(path.join(dir, 'pytest.ini'), '[pytest]\ntestpaths = tests\naddopts = -p no:cacheprovider\n');
      await writeFile(path.join(dir, 'tests', 'standin.py'), await readFile(path.join(REPO_ROOT, 'test/projects/pytest/tests/standin.py')));
      for (const [name, body] of Object.entries(tests)) {
        await writeFile(path.join(dir, 'tests', name), body);
        await writeFile(path.join(dir, CASSETTES, `${name.replace(/^test_|\.py$/g, '')}.yaml`), OLD(name));
      }
      for (const [name, body] of Object.entries(extra)) await writeFile(path.join(dir, name), body);
      git(dir, 'init', '-q', '-b', 'main');
      git(dir, 'add', '-A');
      git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
      const project = { dir, outside, token };
      made.push(project);
      return project;
    },
    cli: (project: PytestProject, args: readonly string[]) => runCli(args, { cwd: project.dir, env: env(project) }),
    async run(project: PytestProject, extra: readonly string[] = []): Promise<{ code: number | null; json: RunJson; stderr: string }> {
      const result = await runCli([...RUN, ...extra], { cwd: project.dir, env: env(project) });
      try {
        return { code: result.code, json: JSON.parse(result.stdout) as RunJson, stderr: result.stderr };
      } catch {
        throw new Error(`no JSON on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
      }
    },
  };
}

/** sha256 of every file of the project (the .git folder and rerecord's own left out). */
export async function projectHashes(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, folder), { withFileTypes: true })) {
      if (['.git', '.rerecord', '__pycache__', '.pytest_cache'].includes(entry.name)) continue;
      const relative = path.posix.join(folder, entry.name);
      if (entry.isDirectory()) await walk(relative);
      else result[relative] = createHash('sha256').update(await readFile(path.join(dir, relative))).digest('hex');
    }
  };
  await walk('.');
  return result;
}

/** The folder beside the project holds its one victim, unchanged. */
export async function expectOutsideUntouched(project: PytestProject): Promise<void> {
  expect(await readdir(project.outside)).toEqual(['victim.yaml']);
  expect(await readFile(path.join(project.outside, 'victim.yaml'), 'utf8')).toBe(OLD('victim'));
}

export const fileResult = (json: RunJson, name: string) => json.files.find((file) => file.file === `tests/${name}`)!;
