// rerecord killed with SIGKILL (nothing of it runs any more: no handler, no finally) must not
// leave a single test process behind: the reaper notices and kills every marked process, daemons
// that left the session included. Linux only, like the reaper.
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { environOf, isAlive, processesCarrying, reapersOf } from '../support/process-scan.js';
import { cleanEnv, CLI, start } from '../support/run-bundle.js';
import { useHarness } from './harness.js';
import { probe, readProbe, runMarker, shellRun, useShellProjects, waitUntil, type ShellProject } from './shell-project.js';

// A daemon in a session of its own (its parent exits at once: re-parented, ppid chain gone), a
// plain background sleep in the test's group, and the test itself sleeping in the foreground.
const STUBBORN_TEST = `
  setsid sh -c 'sleep 600' >/dev/null 2>&1 &
  daemon=$!
  sleep 600 &
  sleeper=$!
  ${probe('started', { daemon: '$daemon', sleeper: '$sleeper', leader: '$$' })}
  sleep 600`;

const runChild = useHarness('run-child');
beforeAll(async () => {
  // Beside the bundle, as in dist/.
  await copyFile(path.resolve('src/run/reaper-process.cjs'), path.join(runChild.dir, 'reaper-process.cjs'));
});

const shellProjects = useShellProjects();
let project: ShellProject;

/** Kills `victim` with SIGKILL once the test reported in, then waits for the reaper to finish. */
async function killAndWaitForReaper(victim: ReturnType<typeof start>, started: Record<string, string>): Promise<string> {
  const marker = shellProjects.watchRun(started.tag!);
  const reapers = reapersOf(marker);
  expect(reapers, 'one reaper watches the run').toHaveLength(1);
  expect(processesCarrying(marker, { prefix: true }).length, 'the test processes run').toBeGreaterThanOrEqual(3);
  victim.kill('SIGKILL');
  const finished = await victim.finished;
  expect(finished.signal).toBe('SIGKILL');
  // The reaper exits only after two scans in a row found nothing of the run.
  await waitUntil(() => !isAlive(reapers[0]!), 'the reaper to finish');
  return marker;
}

describe('SIGKILL of rerecord', () => {
  it('a process running runChild: the daemon, the background sleep and the test all die', async () => {
    project = await shellProjects.create({});
    const victim = start(runChild.file, [STUBBORN_TEST], { cwd: project.dir, env: cleanEnv({ PROBES: project.probes }) });
    const started = await readProbe(project, 'started');
    const reaped = await killAndWaitForReaper(victim, started);
    expect(processesCarrying(reaped, { prefix: true })).toEqual([]);
    for (const pid of [started.daemon, started.sleeper, started.leader]) expect(isAlive(Number(pid)), `pid ${pid}`).toBe(false);
  });

  it('the bundled CLI mid-run: no test process of the run survives it', async () => {
    project = await shellProjects.create({ stubborn: STUBBORN_TEST, quick: 'echo recorded > test/fixtures/quick.yml' });
    const victim = start(CLI, shellRun('--workers', '2'), { cwd: project.dir, env: cleanEnv({ PROBES: project.probes, SOME_SECRET: 'do-not-copy-me' }) });
    const started = await readProbe(project, 'started');
    // The reaper gets an environment of its own: no secret, no marker (it must never reap itself).
    const [reaper] = reapersOf(runMarker(started.tag!));
    expect(environOf(reaper!).join('\n')).not.toMatch(/do-not-copy-me|RERECORD_PROCESS_TAG/);
    const reaped = await killAndWaitForReaper(victim, started);
    expect(processesCarrying(reaped, { prefix: true })).toEqual([]);
    for (const pid of [started.daemon, started.sleeper, started.leader]) expect(isAlive(Number(pid)), `pid ${pid}`).toBe(false);
  });
});
