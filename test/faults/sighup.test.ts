// A closed terminal or a dropped ssh session sends SIGHUP: handled like SIGTERM, so the run stops,
// restores what was in flight and exits 129 (128 + 1), leaving no test process behind.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, processesCarrying } from '../support/process-scan.js';
import { cleanEnv, CLI, start } from '../support/run-bundle.js';
import { cassetteHashes, probe, readProbe, shellRun, useShellProjects, type ShellProject } from './shell-project.js';

const shellProjects = useShellProjects();
let project: ShellProject;

describe('SIGHUP', () => {
  it('stops the run, restores the cassette in flight and exits 129', async () => {
    project = await shellProjects.create({
      hangs: `echo half-recorded > test/fixtures/hangs.yml; setsid sh -c 'sleep 600' & ${probe('started', { daemon: '$!', leader: '$$' })}; sleep 600`,
    });
    const before = await cassetteHashes(project);
    const cli = start(CLI, shellRun(), { cwd: project.dir, env: cleanEnv({ PROBES: project.probes }) });
    const started = await readProbe(project, 'started');
    const marker = shellProjects.watchRun(started.tag!);
    cli.kill('SIGHUP');
    const result = await cli.finished;
    expect(result.code, result.stderr).toBe(129);
    expect(result.stderr).toMatch(/received SIGHUP/);
    expect(await cassetteHashes(project)).toEqual(before);
    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('test/hangs.sh');
    for (const pid of [started.daemon, started.leader]) expect(isAlive(Number(pid)), `pid ${pid}`).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
  });
});
