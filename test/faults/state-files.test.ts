// rerecord's config file (.rerecord.yml) is never a cassette: not in the plan, not for a record
// hook. Each case injects the fault for real (the config file named as a cassette, or asked of a
// record hook) on the built CLI and real child processes, then checks the sha256 of every file in
// the project and beside it, and that no test process survived.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../support/projects.js';
import { cassetteYaml, customFlags, makeFaultProject, rerecord, treeHashes, waitForNoSurvivors, type FaultProject } from '../support/fault-project.js';
import { CASSETTES, expectOutsideUntouched, fileResult, projectHashes, recording, usePytestProjects } from '../support/pytest-fault-project.js';

const made: FaultProject[] = [];
afterEach(async () => {
  for (const project of made.splice(0)) {
    const left = await waitForNoSurvivors(project.token, 10_000);
    await project.remove();
    expect(left, 'processes that outlived rerecord').toEqual([]);
  }
});

async function project(tests: Record<string, string>, cassettes: Record<string, string | Buffer>): Promise<FaultProject> {
  const p = await makeFaultProject(tests, cassettes);
  made.push(p);
  return p;
}

/** A test script line that writes a fresh, valid recording of `name`. */
const writes = (name: string, body = 'fresh') => `printf '%s' '${cassetteYaml(body).replaceAll("'", "'\\''")}' > "$FIX/${name}.yml"`;
const commit = (dir: string) => {
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'state');
};

describe('the config file is never a cassette', () => {
  const CONFIG = 'retries: 0\nbatch-delay: 0s\n';
  it.each([
    ['a cassette folder of .', '.rerecord', ['--cassette-dir', '.']],
    ['a cassette named ../.rerecord', '../.rerecord', []],
  ])('%s mapping .rerecord.yml: refused in the plan with the reason; the file stays in place while the test runs', async (_how, name, flags) => {
    const p = await project(
      {
        'c.sh': `# use_cassette("${name}")\n# use_cassette("${flags.length > 0 ? 'fixtures/c' : 'c'}")\ncmp -s .rerecord.yml "$FIX/../config-copy" || { echo ".rerecord.yml was moved aside"; exit 1; }\n${writes('c')}`,
      },
      { 'c.yml': cassetteYaml('old c') },
    );
    await writeFile(path.join(p.dir, '.rerecord.yml'), CONFIG);
    await writeFile(path.join(p.dir, 'config-copy'), CONFIG);
    commit(p.dir);
    const before = await treeHashes(p.dir);
    const outside = await treeHashes(p.outside);

    const plan = await rerecord(p, ['plan', ...customFlags(p.token, flags)]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`tests/c.sh: cassette ".rerecord.yml" is rerecord's config file .rerecord.yml, never a cassette; refused`);
    const result = await rerecord(p, ['run', ...customFlags(p.token, [...flags, '--json'])]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { files: Array<{ status: string }> }).files.map((file) => file.status)).toEqual(['succeeded']);
    const after = await treeHashes(p.dir);
    expect(await readFile(path.join(p.dir, 'fixtures/c.yml'), 'utf8')).toContain('fresh');
    expect({ ...after, 'fixtures/c.yml': 'kept' }).toEqual({ ...before, 'fixtures/c.yml': 'kept' });
    expect(await treeHashes(p.outside)).toEqual(outside);
  });
});

describe('a record hook asked for the config file or a test file (pytest + vcrpy)', () => {
  const projects = usePytestProjects('state-files-key-7c1d');
  it('refuses .rerecord.yml before touching it; a test file a name resolves to at run time goes back from its backup', async () => {
    const asks = (cassette: string, check = '') => `from standin import api_vcr, get_json
import os


def test_records():${check}
    with api_vcr.use_cassette("${cassette}"):
        status, body = get_json("/items")
    assert status == 200
`;
    // tests/vcr_cassettes/../../.rerecord.yml is the config file; ../test_c_victim.py is a test file.
    const project = await projects.create(
      {
        'test_a_config.py': asks('../../.rerecord.yml'),
        'test_b_testfile.py': asks('../test_c_victim.py'),
        'test_c_victim.py': recording('c_victim'),
      },
      { '.rerecord.yml': 'retries: 0\n' },
    );
    const before = await projectHashes(project.dir);

    const { code, json } = await projects.run(project, ['--workers', '1', '--warm', 'off']);

    expect(code).toBe(1);
    expect(fileResult(json, 'test_a_config.py').status).toBe('failed');
    expect(fileResult(json, 'test_a_config.py').reason).toMatch(/RuntimeError: rerecord: refusin/);
    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8')) as { files: Array<{ file: string; outputTail: string }> };
    expect(report.files.find((file) => file.file === 'tests/test_a_config.py')?.outputTail).toMatch(/rerecord: refusing cassette \S*\.rerecord\.yml: .*or is \.rerecord\.yml\); nothing was touched/);
    expect(fileResult(json, 'test_b_testfile.py').status).toBe('failed');
    expect(fileResult(json, 'test_b_testfile.py').reason).toMatch(/test_c_victim\.py \(a test file or the config file, never a cassette; put back from its backup\)/);
    const after = await projectHashes(project.dir);
    // test_c_victim.py re-recorded its own cassette; everything else, the config and the test file included, is as it was.
    expect({ ...after, [`${CASSETTES}/c_victim.yaml`]: 'kept' }).toEqual({ ...before, [`${CASSETTES}/c_victim.yaml`]: 'kept' });
    await expectOutsideUntouched(project);
  });
});
