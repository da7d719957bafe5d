// Warm workers under fault (src/frameworks/WORKERS.md), on a real pytest + vcrpy project against
// the stand-in API: state set by one file never reaches the next; a worker killed under a file, a
// child that segfaults, hangs past the timeout or leaves daemons (exec'd or only forked) costs that
// file one failed attempt with its cassettes back byte for byte, and the lane goes on; a worker
// that cannot load falls back to fresh processes (auto) or stops the run before any test (on);
// rerecord killed with -9 takes workers and children with it. Needs Debian's python3 with pytest
// and vcrpy (CI installs them), like test/integration.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, REPO_ROOT } from '../support/projects.js';
import { processesCarrying } from '../support/process-scan.js';
import { cleanEnv, runCli, start } from '../support/run-bundle.js';
import { CASSETTES, expectOutsideUntouched, fileResult, projectHashes, recording, RUN, usePytestProjects } from '../support/pytest-fault-project.js';

const projects = usePytestProjects('warm-7d1c-secret');
const run = projects.run;
const hashes = projectHashes;
const outsideUntouched = expectOutsideUntouched;

describe('warm workers (pytest + vcrpy)', () => {
  it('forks every file from one warm worker, and what a file changes in its process never reaches the next', async () => {
    const leaks = `    import os, standin
    os.environ["LEAKED_BY_A"] = "1"
    standin.LEAKED_BY_A = True
    standin.api_vcr.LEAKED_BY_A = True
    os.chdir("/")
`;
    const checks = `    import os, standin
    assert "LEAKED_BY_A" not in os.environ
    assert not hasattr(standin, "LEAKED_BY_A")
    assert not hasattr(standin.api_vcr, "LEAKED_BY_A")
    assert os.getcwd() == ${JSON.stringify('PROJECT')}
`;
    const project = await projects.create({ 'test_a_leaks.py': recording('a_leaks', leaks), 'test_b_checks.py': recording('b_checks', checks) });
    await writeFile(path.join(project.dir, 'tests/test_b_checks.py'), recording('b_checks', checks.replace('PROJECT', project.dir)));
    git(project.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'cwd');

    const { code, json } = await run(project, ['--warm', 'on', '--workers', '1']);

    expect(json.files.map((file) => [file.file, file.status, file.reason])).toEqual([
      ['tests/test_a_leaks.py', 'succeeded', ''],
      ['tests/test_b_checks.py', 'succeeded', ''],
    ]);
    expect(code).toBe(0);
    expect(json.processes).toMatch(/^forked from 1 warm worker \(each loaded pytest [\d.]+, vcrpy [\d.]+/);
    expect(await readFile(path.join(project.dir, CASSETTES, 'b_checks.yaml'), 'utf8')).toContain('"generation":"g2"');
    await outsideUntouched(project);
  });

  it('a worker killed under a file fails that file alone, restored byte for byte; the next file gets a new worker', async () => {
    const killsWorker = `    import os, time
    os.kill(os.getppid(), 9)
    time.sleep(30)
`;
    const project = await projects.create({ 'test_a_kills_worker.py': recording('a_kills_worker', killsWorker), 'test_b_fine.py': recording('b_fine'), 'test_c_fine.py': recording('c_fine') });
    const before = await hashes(project.dir);

    const { code, json } = await run(project, ['--warm', 'on', '--workers', '1', '--timeout', '20s']);

    expect(code).toBe(1);
    expect(fileResult(json, 'test_a_kills_worker.py').reason).toMatch(/^the warm worker \(pid \d+\) died \(killed by SIGKILL\) while the test ran; the next file gets a new worker/);
    expect(fileResult(json, 'test_a_kills_worker.py').cassettes).toEqual([{ cassette: `${CASSETTES}/a_kills_worker.yaml`, outcome: 'restored' }]);
    expect(fileResult(json, 'test_b_fine.py').status).toBe('succeeded');
    expect(fileResult(json, 'test_c_fine.py').status).toBe('succeeded');
    expect(json.processes).toMatch(/^forked from 2 warm workers/);
    const after = await hashes(project.dir);
    expect(after[`${CASSETTES}/a_kills_worker.yaml`]).toBe(before[`${CASSETTES}/a_kills_worker.yaml`]);
    expect(after[`${CASSETTES}/b_fine.yaml`]).not.toBe(before[`${CASSETTES}/b_fine.yaml`]);
    expect(processesCarrying(`RR_TOKEN=${project.token}`)).toEqual([]);
    await outsideUntouched(project);
  });

  it('a child that segfaults, hangs past the timeout, or leaves exec\'d and forked-only daemons is killed and restored; the worker serves on', async () => {
    const segfaults = `    import ctypes
    ctypes.string_at(0)
`;
    const hangs = `    import time
    time.sleep(600)
`;
    // One daemon exec'd in a session of its own; one only forked (it keeps the worker's environment
    // in /proc, not the child's tag) that rewrites the cassette once the file has ended.
    const daemons = `    import os, subprocess, time
    subprocess.Popen(["setsid", "sleep", "600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:
        os.setsid()
        time.sleep(3)
        with open(${JSON.stringify(`${CASSETTES}/c_daemons.yaml`)}, "w") as late:
            late.write("LATE WRITE")
        os._exit(0)
`;
    const project = await projects.create({
      'test_a_segfaults.py': recording('a_segfaults', segfaults),
      'test_b_hangs.py': recording('b_hangs', hangs),
      'test_c_daemons.py': recording('c_daemons', daemons),
      'test_d_fine.py': recording('d_fine'),
    });
    const before = await hashes(project.dir);

    const { code, json } = await run(project, ['--warm', 'on', '--workers', '1', '--timeout', '4s']);

    expect(code).toBe(1);
    expect(fileResult(json, 'test_a_segfaults.py').reason).toMatch(/^crashed: killed by SIGSEGV/);
    expect(fileResult(json, 'test_b_hangs.py').reason).toMatch(/^timed out after 4.0s; its process tree was killed/);
    expect(fileResult(json, 'test_c_daemons.py').status).toBe('succeeded');
    expect(fileResult(json, 'test_d_fine.py').status).toBe('succeeded');
    // Every file ran in the one worker: none of these faults cost it.
    expect(json.processes).toMatch(/^forked from 1 warm worker /);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const after = await hashes(project.dir);
    expect(after[`${CASSETTES}/a_segfaults.yaml`]).toBe(before[`${CASSETTES}/a_segfaults.yaml`]);
    expect(after[`${CASSETTES}/b_hangs.yaml`]).toBe(before[`${CASSETTES}/b_hangs.yaml`]);
    expect(await readFile(path.join(project.dir, CASSETTES, 'c_daemons.yaml'), 'utf8')).toContain('"generation":"g2"');
    expect(processesCarrying(`RR_TOKEN=${project.token}`)).toEqual([]);
    await outsideUntouched(project);
  });

  it('a project setup that leaves a thread running: auto runs every file fresh and says why once; on stops before any test (exit 2)', async () => {
    // The worker runs the imports of conftest.py once: a module that starts a thread when imported
    // leaves it running in the worker, where a fork would copy it stopped.
    const poller = 'import threading, time\nthreading.Thread(target=time.sleep, args=(600,), name="poller", daemon=True).start()\n';
    const project = await projects.create({ 'test_a.py': recording('a'), 'test_b.py': recording('b') }, { 'tests/poller.py': poller, 'tests/conftest.py': 'import poller\n' });
    const before = await hashes(project.dir);

    const refused = await runCli([...RUN, '--warm', 'on'], { cwd: project.dir, env: projects.env(project) });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pre-flight: warm is on, but the warm worker could not start: the project's setup left \d+ threads? running.*poller/);
    expect(await hashes(project.dir)).toEqual(before);

    const { code, json, stderr } = await run(project, ['--workers', '2']);
    expect(code).toBe(0);
    expect(json.files.map((file) => file.status)).toEqual(['succeeded', 'succeeded']);
    expect(json.processes).toMatch(/^a fresh process per file \(the warm worker could not start: the project's setup left/);
    expect(stderr.match(/warm workers: /g)).toHaveLength(1);
    expect(processesCarrying(`RR_TOKEN=${project.token}`)).toEqual([]);
  });

  it('rerecord killed with -9 mid-file takes its workers and children with it; recover puts every cassette back', async () => {
    const waits = `    import os, time
    open(os.path.join(os.environ["PROBES"], "started"), "w").close()
    time.sleep(600)
`;
    const project = await projects.create({ 'test_a_waits.py': recording('a_waits', waits), 'test_b_waits.py': recording('b_waits', waits) });
    const probes = path.join(path.dirname(project.dir), 'probes');
    await mkdir(probes);
    const before = await hashes(project.dir);
    const child = start(path.join(REPO_ROOT, 'dist', 'cli.js'), [...RUN, '--warm', 'on', '--workers', '2'], { cwd: project.dir, env: { ...projects.env(project), PROBES: probes } });
    const deadline = Date.now() + 60_000;
    while (!existsSync(path.join(probes, 'started')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(path.join(probes, 'started'))).toBe(true);
    expect(processesCarrying(`RR_TOKEN=${project.token}`).length).toBeGreaterThanOrEqual(2);
    child.kill('SIGKILL');
    await child.finished;
    const gone = Date.now() + 15_000;
    while (processesCarrying(`RR_TOKEN=${project.token}`).length > 0 && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processesCarrying(`RR_TOKEN=${project.token}`)).toEqual([]);

    const recovered = await runCli(['recover'], { cwd: project.dir, env: cleanEnv() });
    expect(recovered.code).toBe(0);
    expect(await hashes(project.dir)).toEqual(before);
    await outsideUntouched(project);
  });

  it('a bare `pytest` command runs warm in the Python of its #! line; a command that is not the runner runs fresh and says why', async () => {
    const project = await projects.create({ 'test_a.py': recording('a') });
    const bin = path.join(path.dirname(project.dir), 'venv-bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'pytest'), '#!/usr/bin/python3\nimport sys\nfrom pytest import console_main\nsys.exit(console_main())\n', { mode: 0o755 });
    const env = { ...projects.env(project), PATH: `${bin}${path.delimiter}${projects.env(project).PATH ?? ''}` };

    const warm = JSON.parse((await runCli([...RUN, '--command', 'pytest -q {file}'], { cwd: project.dir, env })).stdout) as { processes: string; files: Array<{ status: string }> };
    expect(warm.files.map((file) => file.status)).toEqual(['succeeded']);
    expect(warm.processes).toMatch(/^forked from 1 warm worker/);

    const fresh = await runCli([...RUN, '--command', 'sh -c "exec pytest -q $0" {file}'], { cwd: project.dir, env });
    expect((JSON.parse(fresh.stdout) as { processes: string }).processes).toBe("a fresh process per file (the command `sh -c exec pytest -q $0 {file}` does not start the framework's own runner directly)");
    expect(fresh.stderr).toContain("warm workers: the command `sh -c exec pytest -q $0 {file}` does not start the framework's own runner directly; every test file runs in a fresh process instead");
  });
});
