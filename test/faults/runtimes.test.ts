// The reaper under real runtimes: an R testthat file and a node --test file (whose runner starts
// the file in a process of its own) each start a detached daemon; rerecord is killed with SIGKILL,
// or the file passes while its daemon waits to rewrite the cassette. No process may survive, and
// no late write may land. Needs R (CI installs it), like test/integration.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../support/projects.js';
import { isAlive, processesCarrying, reapersOf } from '../support/process-scan.js';
import { CLI, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { killSurvivors, readProbe, runMarker, waitUntil } from './shell-project.js';

const KEY = 'reap-5e6f7a8b-secret';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let marker: string | undefined;
afterEach(() => {
  killSurvivors(marker);
  marker = undefined;
});

interface Runtime {
  project: string;
  file: string;
  args: string[];
  /** A test file that starts `sleep 600` detached, reports `tag`/`daemon` in $PROBES/started, then waits for ever. */
  hanging: string;
  /** A test file that records `cassette`, then starts a daemon that rewrites it once $PROBES/go exists. */
  late: string;
  /** A test file that opens a cassette named `../../../outside/victim` (from the cassette folder: beside the project). */
  escaping: string;
  cassette: string;
}

const PROBE_SH = `printf 'tag=%s\\ndaemon=%s\\n' "$RERECORD_PROCESS_TAG" "$!" > "$PROBES/started.tmp" && mv "$PROBES/started.tmp" "$PROBES/started"`;
const LATE_SH = (cassette: string) => `while [ ! -e "$PROBES/go" ]; do sleep 0.05; done; echo LATE-WRITE > ${cassette}`;

const RUNTIMES: Record<string, Runtime> = {
  R: {
    project: 'test/projects/testthat',
    file: 'tests/testthat/test-daemon.R',
    args: ['--framework', 'testthat'],
    cassette: 'tests/fixtures/items.yml',
    hanging: `test_that("starts a daemon and hangs inside a cassette", {
  use_cassette("items", {
    res <- api_get("/items")
    system(${JSON.stringify(`setsid sleep 600 >/dev/null 2>&1 & ${PROBE_SH}`)})
    Sys.sleep(600)
  })
})
`,
    late: `test_that("records, then leaves a daemon behind", {
  use_cassette("items", {
    res <- api_get("/items")
  })
  expect_equal(httr::status_code(res), 200)
  system(${JSON.stringify(`setsid sh -c '${LATE_SH('../fixtures/items.yml')}' >/dev/null 2>&1 & ${PROBE_SH}`)})
})
`,
    escaping: `test_that("names a cassette outside the project", {
  use_cassette("../../../outside/victim", {
    res <- api_get("/items")
  })
  expect_equal(httr::status_code(res), 200)
})
`,
  },
  Node: {
    project: 'test/projects/node-nock',
    file: 'test/daemon.test.js',
    args: ['--framework', 'node', '--cassette-functions', 'withFixture'],
    cassette: 'test/fixtures/items.json',
    hanging: `'use strict';
const test = require('node:test');
const { spawn } = require('node:child_process');
const { withFixture, getJson } = require('./helpers/api');
test('starts a daemon and hangs inside a fixture', async () => {
  await withFixture('items.json', async () => {
    await getJson('/items');
    spawn('sh', ['-c', ${JSON.stringify(`setsid sleep 600 >/dev/null 2>&1 & ${PROBE_SH}`)}], { stdio: 'ignore' });
    await new Promise(() => setInterval(() => {}, 1000));
  });
});
`,
    late: `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { withFixture, getJson } = require('./helpers/api');
test('records, then leaves a daemon behind', async () => {
  await withFixture('items.json', async () => {
    const { status } = await getJson('/items');
    assert.equal(status, 200);
  });
  spawnSync('sh', ['-c', ${JSON.stringify(`setsid sh -c '${LATE_SH('test/fixtures/items.json')}' >/dev/null 2>&1 & ${PROBE_SH}`)}], { stdio: 'ignore' });
});
`,
    escaping: `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');
test('names a fixture outside the project', async () => {
  await withFixture('../../../outside/victim.json', async () => {
    const { status } = await getJson('/items');
    assert.equal(status, 200);
  });
});
`,
  },
};

async function projectWith(runtime: Runtime, body: string) {
  const project = await projects.copy(runtime.project);
  const probes = path.join(path.dirname(project.dir), 'probes');
  await mkdir(probes);
  await writeFile(path.join(project.dir, runtime.file), body);
  git(project.dir, 'add', '-A', '--', '.', ':!node_modules');
  git(project.dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'daemon test');
  const run = ['run', ...runtime.args, '--mode', 'priority', '--priority-patterns', 'daemon', '--retries', '0', '--timeout', '120s', '--api-key-env', 'STANDIN_API_KEY', '--json'];
  return { dir: project.dir, probes, run, env: standin.env({ PROBES: probes }) };
}

describe.each(Object.entries(RUNTIMES))('%s', (_name, runtime) => {
  it('a cassette named ../../../outside/victim: the record hook refuses it, the file outside is untouched, the file fails', async () => {
    const project = await projectWith(runtime, runtime.escaping);
    const outside = path.join(path.dirname(project.dir), 'outside');
    await mkdir(outside, { recursive: true });
    const victims = ['victim.yml', 'victim.json'];
    for (const name of victims) await writeFile(path.join(outside, name), `precious ${name}\n`);
    const result = await runCli(project.run, { cwd: project.dir, env: project.env });
    expect(result.code, result.stderr).toBe(1);
    for (const name of victims) expect(await readFile(path.join(outside, name), 'utf8')).toBe(`precious ${name}\n`);
    const report = JSON.parse(result.stdout).files[0];
    expect(report.status).toBe('failed');
    expect(git(project.dir, 'status', '--porcelain', '--', path.dirname(runtime.cassette))).toBe('');
  });

  it('SIGKILL of rerecord: the test processes and their detached daemon all die, and the next command puts the cassette back', async () => {
    const project = await projectWith(runtime, runtime.hanging);
    const before = await readFile(path.join(project.dir, runtime.cassette));
    const cli = start(CLI, project.run, { cwd: project.dir, env: project.env });
    const started = await readProbe(project, 'started');
    marker = runMarker(started.tag!);
    const reapers = reapersOf(marker);
    expect(reapers).toHaveLength(1);
    expect(processesCarrying(marker, { prefix: true }).length).toBeGreaterThanOrEqual(2);
    cli.kill('SIGKILL');
    expect((await cli.finished).signal).toBe('SIGKILL');
    await waitUntil(() => !isAlive(reapers[0]!), 'the reaper to finish');
    expect(isAlive(Number(started.daemon))).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
    // The hook had backed the cassette up and replaced it; only the transaction in the vault (.git/rerecord/) has it.
    expect(await readFile(path.join(project.dir, runtime.cassette)).catch(() => Buffer.alloc(0))).not.toEqual(before);
    expect(existsSync(path.join(project.dir, '.git/rerecord'))).toBe(true);
    const recovered = await runCli(['recover'], { cwd: project.dir, env: project.env });
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toContain(`restored ${runtime.cassette}`);
    expect(await readFile(path.join(project.dir, runtime.cassette))).toEqual(before);
    expect(git(project.dir, 'status', '--porcelain', '--', path.dirname(runtime.cassette))).toBe('');
  });

  it('a passing file whose daemon would rewrite its cassette later: the daemon is dead before inspection', async () => {
    const project = await projectWith(runtime, runtime.late);
    const result = await runCli(project.run, { cwd: project.dir, env: project.env });
    expect(result.code, result.stderr).toBe(0);
    const started = await readProbe(project, 'started');
    marker = runMarker(started.tag!);
    expect(JSON.parse(result.stdout).files[0]).toMatchObject({ file: runtime.file, status: 'succeeded' });
    // The daemon waits for a go it never gets: it is dead only because rerecord killed it.
    expect(isAlive(Number(started.daemon))).toBe(false);
    expect(processesCarrying(marker, { prefix: true })).toEqual([]);
    const kept = await readFile(path.join(project.dir, runtime.cassette), 'utf8');
    expect(kept).not.toContain('LATE-WRITE');
    expect(kept).toContain('g2');
  });
});
