// A failing test swaps its cassette folder for a symlink to a folder outside the project. Every
// restore and delete checks, at the moment it acts, that the folder it acts in still lies inside
// the project: nothing outside is read, written or deleted (there used to be: every file seen
// through the link was taken for a new file and deleted, and restores wrote through it); the
// cassettes are left alone, named, and their backups kept until the folder is put right and
// `rerecord recover` runs. Through the shell framework, and through the pytest/vcrpy record hook.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects, vaultRunFolders, type FaultProject } from '../support/fault-project.js';
import { git } from '../support/projects.js';

const { project } = useFaultProjects();

/** `outside` holds files named like the project's cassettes: a write or delete through the link would hit them. */
async function baitOutside(p: FaultProject, names: readonly string[]): Promise<void> {
  for (const name of names) await writeFile(path.join(p.outside, name), `outside's own ${name}\n`);
}

const failuresOf = async (dir: string) => JSON.parse(await readFile(path.join(dir, '.rerecord/failures.json'), 'utf8')) as { files: Array<{ file: string; reason: string }> };

describe('a cassette folder swapped for a symlink to outside during a run', () => {
  it('shell test: nothing outside changes, nothing is deleted through the link; rerecord recover puts every cassette back once the link is gone', async () => {
    const p = await project(
      { 'swap.sh': `# use_cassette("a")\nprintf 'half a recor' > "$FIX/a.yml"\nrm -rf "$FIX" && ln -s ../outside "$FIX"\nexit 1` },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    await baitOutside(p, ['a.yml', 'b.yml']);
    const before = await hashesInAndBeside(p);

    const result = await rerecord(p, ['run', ...customFlags(p.token)], p.env());

    expect(result.code, result.stderr).toBe(1);
    const after = await hashesInAndBeside(p);
    expect(after.outside).toEqual(before.outside);
    // The project as the test left it: the link in place of the folder, nothing written through it.
    expect(after.project).toEqual({ 'fixtures': `symlink:../outside`, 'tests/swap.sh': before.project['tests/swap.sh'] });
    const reason = (await failuresOf(p.dir)).files[0]!.reason;
    expect(reason).toMatch(/^tests failed \(exit code 1\); could not restore /);
    expect(reason).toMatch(/fixtures\/a\.yml \(fixtures\/ now leads outside the project \(to .*\/outside\); left alone\)/);
    expect(reason).toMatch(/fixtures\/b\.yml \(fixtures\/ now leads outside the project/);
    expect(reason).toMatch(/what it saved stays in .*\.git\/rerecord\/[0-9a-f]{16}\/\S+; fix the cause, then run `rerecord recover`/);
    expect(await vaultRunFolders(p)).toHaveLength(1);

    // Recovery refuses too while the link is there (exit 1, saying why), and touches nothing outside.
    const refused = await rerecord(p, ['recover'], p.env());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/could not recover every cassette a dead run left in flight: fixtures\/a\.yml \(fixtures\/ now leads outside the project/);
    expect(await hashesInAndBeside(p)).toEqual(after);

    // Put right: the link removed. Every cassette comes back byte for byte.
    await rm(path.join(p.dir, 'fixtures'));
    const recovered = await rerecord(p, ['recover'], p.env());
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/restored fixtures\/a\.yml/);
    expect(recovered.stdout).toMatch(/restored fixtures\/b\.yml/);
    expect(await hashesInAndBeside(p)).toEqual(before);
    expect(await vaultRunFolders(p)).toEqual([]);
  });
});

/** Debian's python3 has vcrpy and pytest; the `python3` first on PATH may not (pyenv): we put it first. */
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
let pythonBin: string;
beforeAll(async () => {
  pythonBin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-python-'));
  await symlink(PYTHON, path.join(pythonBin, 'python3'));
});
afterAll(() => rm(pythonBin, { recursive: true, force: true }));

const SWAPPING_TEST = `import os
import shutil

import vcr


def test_swaps_its_cassette_folder():
    # Named at run time: only the record hook's journal knows this cassette, not the plan.
    with vcr.use_cassette(os.path.join("tests", "cassettes", "sw" + "ap.yaml")):
        shutil.rmtree("tests/cassettes")
        os.symlink(os.path.join("..", "..", "outside"), "tests/cassettes")
        assert False, "failed after swapping tests/cassettes for a link to outside"
`;

describe('the same through the pytest/vcrpy record hook', () => {
  it('a test replacing tests/cassettes: the hook-journaled cassette and the rest are left alone, outside is untouched, and recover puts them back', async () => {
    // A pytest project instead of the shell one: its fixtures/ goes, tests/cassettes/ comes.
    const p = await project({}, { 'gone.yml': 'replaced below' });
    await rm(path.join(p.dir, 'fixtures'), { recursive: true });
    const cassettes = path.join(p.dir, 'tests/cassettes');
    await mkdir(cassettes, { recursive: true });
    await writeFile(path.join(p.dir, 'pytest.ini'), '[pytest]\ntestpaths = tests\n');
    await writeFile(path.join(p.dir, 'tests/test_swap.py'), `# ${p.token}\n${SWAPPING_TEST}`);
    await writeFile(path.join(cassettes, 'swap.yaml'), 'interactions: []\nversion: 1\n# old swap\n');
    await writeFile(path.join(cassettes, 'other.yaml'), 'interactions: []\nversion: 1\n# old other\n');
    git(p.dir, 'add', '-A');
    git(p.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'pytest project');
    await baitOutside(p, ['swap.yaml', 'other.yaml']);
    const before = await hashesInAndBeside(p);
    const env = p.env({ PATH: `${pythonBin}${path.delimiter}${p.env().PATH ?? ''}`, RR_TOKEN: p.token });

    const result = await rerecord(p, ['run', '--framework', 'pytest', '--cassette-dir', 'tests/cassettes', '--retries', '0', '--verify', 'none'], env);

    expect(result.code, result.stderr).toBe(1);
    const after = await hashesInAndBeside(p);
    expect(after.outside).toEqual(before.outside);
    expect(after.project['tests/cassettes']).toBe('symlink:../../outside');
    const reason = (await failuresOf(p.dir)).files[0]!.reason;
    expect(reason).toMatch(/^tests failed \(exit code 1\)/);
    expect(reason).toMatch(/could not restore .*tests\/cassettes\/swap\.yaml \(tests\/cassettes\/ now leads outside the project/);
    expect(reason).toMatch(/tests\/cassettes\/other\.yaml \(tests\/cassettes\/ now leads outside the project/);
    expect(reason).toMatch(/; fix the cause, then run `rerecord recover`/);

    await rm(cassettes);
    const recovered = await rerecord(p, ['recover'], env);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/restored tests\/cassettes\/swap\.yaml/);
    expect(recovered.stdout).toMatch(/restored tests\/cassettes\/other\.yaml/);
    const end = await hashesInAndBeside(p);
    expect({ outside: end.outside, project: Object.fromEntries(Object.entries(end.project).filter(([name]) => !name.startsWith('.pytest_cache/') && !name.includes('__pycache__'))) }).toEqual(before);
    expect(await vaultRunFolders(p)).toEqual([]);
  });
});
