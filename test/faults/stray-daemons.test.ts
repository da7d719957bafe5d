// Daemons a test leaves behind, through the bundled CLI: one holding the output pipe must not stretch
// a timeout or hang the run, and none may write into a cassette after rerecord looked at it.
import { describe, expect, it } from 'vitest';
import { isAlive, processesCarrying } from '../support/process-scan.js';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { cassetteHashes, probe, readProbe, shellRun, useShellProjects, type ShellProject } from './shell-project.js';

const shellProjects = useShellProjects();
let project: ShellProject;

async function run(tests: Record<string, string>, ...extra: string[]) {
  project = await shellProjects.create(tests);
  const before = await cassetteHashes(project);
  const result = await runCli(shellRun(...extra), { cwd: project.dir, env: cleanEnv({ PROBES: project.probes }) });
  const started = await readProbe(project, 'started');
  const marker = shellProjects.watchRun(started.tag!);
  return { result, before, started, marker, document: JSON.parse(result.stdout) };
}

describe('stray daemons', () => {
  it('a test that times out while its daemon holds stdout fails as timed out; both die, the cassette is restored', async () => {
    const { result, before, started, marker, document } = await run(
      { held: `setsid sh -c 'sleep 600' & ${probe('started', { daemon: '$!' })}; echo half > test/fixtures/held.yml; sleep 600` },
      '--timeout', '3s',
    );
    expect(result.code, result.stderr).toBe(1);
    expect(document.files[0]).toMatchObject({ file: 'test/held.sh', status: 'failed' });
    expect(document.files[0].reason).toMatch(/^timed out after 3(\.0)?s/);
    expect(isAlive(Number(started.daemon))).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
    expect(await cassetteHashes(project)).toEqual(before);
  });

  it('a passing test whose never-ending daemon holds stdout does not hang the run; the daemon is killed', async () => {
    const { result, started, marker, document } = await run({
      forever: `setsid sh -c 'while :; do echo tick; sleep 1; done' & ${probe('started', { daemon: '$!' })}; printf 'http_interactions: []\\nrecorded_with: new\\n' > test/fixtures/forever.yml; exit 0`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(document.files[0]).toMatchObject({ file: 'test/forever.sh', status: 'succeeded' });
    expect(isAlive(Number(started.daemon))).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
  });

  it('a daemon that would rewrite the cassette after the test passed is dead before rerecord inspects it', async () => {
    const { result, started, marker, document } = await run({
      late: `printf 'http_interactions: []\\nrecorded_with: new\\n' > test/fixtures/late.yml
        setsid sh -c 'while [ ! -e "$PROBES/go" ]; do sleep 0.05; done; echo LATE-WRITE > test/fixtures/late.yml' >/dev/null 2>&1 &
        ${probe('started', { daemon: '$!' })}`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(document.files[0]).toMatchObject({ file: 'test/late.sh', status: 'succeeded' });
    // The daemon waits for a go it never gets: it can only be dead because rerecord killed it.
    expect(isAlive(Number(started.daemon))).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
  });
});
