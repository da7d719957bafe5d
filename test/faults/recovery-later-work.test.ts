// After rerecord is killed with SIGKILL, a person goes on working: checks out a teammate's cassette
// over one the dead run had half-written, and writes a new cassette by hand. Recovery must put back
// only what is still as the dead run left it (its reaper writes down when the run and its tests
// stopped), leave the rest alone and name it; plan, audit and diff never put anything back.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects, vaultRunFolders, killRunOnceProbed } from '../support/fault-project.js';
import { git } from '../support/projects.js';
import { waitUntil } from './shell-project.js';

const { project } = useFaultProjects();

describe('recovery after a person went on working', () => {
  it("restores only what the dead run left; a teammate's checkout and a new hand-written cassette stay, named; read-only commands restore nothing", async () => {
    const p = await project(
      {
        'a.sh': `# use_cassette("a")\nprintf 'half a' > "$FIX/a.yml"\ntouch "$PROBES/a"\nsleep 30`,
        'b.sh': `# use_cassette("b")\nprintf 'half b' > "$FIX/b.yml"\ntouch "$PROBES/b"\nsleep 30`,
      },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b'), 'c.yml': cassetteYaml('old c') },
    );
    // A teammate's branch with another recording of a.yml.
    git(p.dir, 'checkout', '-q', '-b', 'teammate');
    await writeFile(path.join(p.dir, 'fixtures/a.yml'), cassetteYaml("teammate's a"));
    git(p.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', "teammate's a");
    git(p.dir, 'checkout', '-q', 'main');
    const original = await hashesInAndBeside(p);

    await killRunOnceProbed(p, ['a', 'b']);
    // The reaper writes down when every process of the run was gone.
    const [runFolder] = await vaultRunFolders(p);
    await waitUntil(() => existsSync(path.join(runFolder!, 'ended.json')), 'the reaper to say when the run ended');

    // The person's work, after the run ended.
    git(p.dir, 'checkout', 'teammate', '--', 'fixtures/a.yml');
    await writeFile(path.join(p.dir, 'fixtures/new.yml'), cassetteYaml('written by hand'));
    const worked = await hashesInAndBeside(p);
    expect(worked.project['fixtures/b.yml']).not.toBe(original.project['fixtures/b.yml']);

    // plan, audit and diff only read: they say a dead run needs `rerecord recover`, and put nothing back.
    const deadRunSaid = /rerecord \S+ \(pid \d+ on .*\) died with 2 test file\(s\) in flight; nothing was put back .*run `rerecord recover`/;
    const plan = await rerecord(p, ['plan', ...customFlags(p.token)], p.env());
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(deadRunSaid);
    const audit = await rerecord(p, ['audit', ...customFlags(p.token, ['--fail-on', 'never'])], p.env());
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stderr).toMatch(deadRunSaid);
    const diff = await rerecord(p, ['diff', 'HEAD', 'teammate', '--', 'fixtures'], p.env());
    expect(diff.stderr).toMatch(deadRunSaid);
    expect(await hashesInAndBeside(p)).toEqual(worked);
    expect(existsSync(path.join(p.dir, '.rerecord/recovered'))).toBe(false);
    expect(await vaultRunFolders(p)).toHaveLength(1);

    const recovered = await rerecord(p, ['recover'], p.env());
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/recovered 1 interrupted run \(rerecord run \(pid \d+ .*\), no longer running\): 1 file put back/);
    expect(recovered.stdout).toMatch(/restored fixtures\/b\.yml \(its unkept version moved to \.rerecord\/recovered\//);
    expect(recovered.stdout).toMatch(/left fixtures\/a\.yml as it is: changed after the interrupted run ended \(it ended at .*\), so by someone since; its bytes from before that run are in \.rerecord\/recovered\/\S+before-a\.yml/);
    expect(recovered.stdout).toMatch(/left fixtures\/new\.yml as it is: changed after the interrupted run ended/);
    const after = await hashesInAndBeside(p);
    expect(after).toEqual({ ...worked, project: { ...worked.project, 'fixtures/b.yml': original.project['fixtures/b.yml']! } });
    expect(after.project['fixtures/c.yml']).toBe(original.project['fixtures/c.yml']);
    // What the dead run found in a.yml is kept beside, for a person to compare.
    const keptAt = /its bytes from before that run are in (\S+before-a\.yml)/.exec(recovered.stdout)![1]!;
    expect(await readFile(path.join(p.dir, keptAt), 'utf8')).toBe(cassetteYaml('old a'));
    expect(await vaultRunFolders(p)).toEqual([]);
    expect(execFileSync('git', ['status', '--porcelain', '--', 'fixtures'], { cwd: p.dir, encoding: 'utf8' })).toBe('M  fixtures/a.yml\n?? fixtures/new.yml\n');
  });
});
