// A free lock is no proof that a run is dead: with `.rerecord/lock` removed while a run is live
// (a person, or a test's own `git clean -fdX`), other commands must not "recover" the live run's
// transaction. Each run folder carries its own owner (pid and process start stamp), checked before
// it is touched.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, startRerecord, useFaultProjects, vaultRunFolders, waitForFile } from '../support/fault-project.js';

const { project } = useFaultProjects();

describe('the lock removed while a run is live', () => {
  it('plan, recover and run leave the live run alone; its failing test still gets every byte back', async () => {
    const p = await project(
      { 'live.sh': `# use_cassette("a")\nprintf 'half a recor' > "$FIX/a.yml"\ntouch "$PROBES/started"\nwhile [ ! -e "$PROBES/go" ]; do sleep 0.05; done\nexit 1` },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    const before = await hashesInAndBeside(p);
    const live = startRerecord(p, ['run', ...customFlags(p.token)], p.env());
    await waitForFile(path.join(p.probes, 'started'));
    await rm(path.join(p.dir, '.rerecord/lock'));
    const [folder] = await vaultRunFolders(p);
    const midRun = await hashesInAndBeside(p);

    const plan = await rerecord(p, ['plan', ...customFlags(p.token)], p.env());
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).not.toMatch(/recovered|died with|put back/);

    const recover = await rerecord(p, ['recover'], p.env());
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(new RegExp(`left alone the transaction in ${folder}: rerecord \\(pid ${live.pid} on .*\\) is still running`));
    expect(recover.stdout).not.toMatch(/recovered \d+ interrupted/);

    const second = await rerecord(p, ['run', ...customFlags(p.token)], p.env());
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`another rerecord is running in .* \\(its lock file was removed, but its transaction is live\\): rerecord \\(pid ${live.pid} on .*\\) is still running`));

    // Nothing of the live run was touched: its transaction is there, its test's bytes are as it left them.
    expect(await vaultRunFolders(p)).toEqual([folder]);
    expect(await hashesInAndBeside(p)).toEqual(midRun);

    await writeFile(path.join(p.probes, 'go'), '');
    const done = await live.finished;
    expect(done.code, done.stderr).toBe(1);
    expect(await hashesInAndBeside(p)).toEqual(before);
    expect(await vaultRunFolders(p)).toEqual([]);
  });
});
