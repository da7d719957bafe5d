// Tier test/hooks: needs python3 with pytest and vcrpy (RERECORD_TEST_PYTHON, default /usr/bin/python3).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookDirectory } from '../../../src/frameworks/hook-directory.js';
import { pytest } from '../../../src/frameworks/pytest/index.js';

/** Debian's python3 has vcrpy and pytest; the `python3` first on PATH may not. */
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
describe('pytest record hook (rerecord_vcrpy plugin)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-pytest-hook-'));
    await mkdir(path.join(dir, 'backup'));
    await mkdir(path.join(dir, 'cassettes'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // No network: the "API" is a tiny server in the test process; cassettes name it by its port.
  async function runPytest(testSource: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
    await writeFile(path.join(dir, 'test_hooked.py'), testSource);
    const run = promisify(execFile)(PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(dir, 'test_hooked.py')], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONDONTWRITEBYTECODE: '1', ...env },
    });
    return run.then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
  }

  const hookEnv = () => ({
    RERECORD_JOURNAL: path.join(dir, 'journal.jsonl'),
    RERECORD_BACKUP_DIR: path.join(dir, 'backup'),
    ...pytest.launch('/unused', ['x'], { hookDirectory: hookDirectory('pytest'), journal: path.join(dir, 'journal.jsonl'), backupDirectory: path.join(dir, 'backup') }, process.env).env,
  });

  // A test file that opens `a.yaml` twice (pinned to replay only) and `b.yaml` once, and sends
  // nothing: what gets recorded is the integration test's business.
  const testSource = `
import vcr

my_vcr = vcr.VCR(cassette_library_dir="cassettes", record_mode="none")

def test_one():
    with my_vcr.use_cassette("a.yaml") as cassette:
        assert cassette.record_mode == "all"

def test_two():
    # Later opens replay what this process recorded and record anything new.
    with my_vcr.use_cassette("a.yaml") as cassette:
        assert cassette.record_mode == "new_episodes"
    with my_vcr.use_cassette("b.yaml") as cassette:
        assert cassette.record_mode == "all"
`;

  it('backs up, journals and deletes each cassette on its first open, and forces record mode', async () => {
    await writeFile(path.join(dir, 'cassettes', 'a.yaml'), 'interactions: []\nversion: 1\n');
    await writeFile(path.join(dir, 'backup', '1-a.yaml'), 'taken');
    const result = await runPytest(testSource, hookEnv());
    expect(result.code, result.output).toBe(0);
    const journal = (await readFile(path.join(dir, 'journal.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(journal).toEqual([
      { cassette: path.join(dir, 'cassettes', 'a.yaml'), existed: true, backup: path.join(dir, 'backup', '2-a.yaml') },
      { cassette: path.join(dir, 'cassettes', 'b.yaml'), existed: false, backup: null },
    ]);
    expect(await readFile(path.join(dir, 'backup', '2-a.yaml'), 'utf8')).toBe('interactions: []\nversion: 1\n');
    // Nothing was requested, so vcrpy wrote nothing back: the old file is gone (rerecord restores it).
    expect(await readdir(path.join(dir, 'cassettes'))).toEqual([]);
  });

  it('does nothing without its environment', async () => {
    await writeFile(path.join(dir, 'cassettes', 'a.yaml'), 'interactions: []\nversion: 1\n');
    const env = hookEnv();
    delete (env as Record<string, string | undefined>).RERECORD_JOURNAL;
    const result = await runPytest(testSource, env);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/record_mode/);
    expect(await readdir(path.join(dir, 'cassettes'))).toEqual(['a.yaml']);
  });

  it('says why a file with no tests fails (pytest exit code 5)', async () => {
    const result = await runPytest('def helper():\n    pass\n', hookEnv());
    expect(result.code).toBe(5);
    expect(result.output).toContain('rerecord: no tests collected, so nothing was re-recorded (pytest exit code 5)');
  });
});
