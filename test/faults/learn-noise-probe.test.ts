// learn-noise records a drifted file a second time inside the same attempt. rerecord killed with
// SIGKILL while that second recording has written the cassette: recovery puts back the cassette as
// it was before the run, byte for byte, and no test process is left.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../support/process-scan.js';
import { snapshotTree, type TempProject } from '../support/projects.js';
import { CLI, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { waitUntil } from './shell-project.js';

const KEY = 'sk-live-6262-probe-kill-key';
const RUN = ['run', '--test-pattern', 'tokens.test.js', '--cassette-functions', 'withFixture', '--timeout', '120s', '--retries', '0', '--verify', 'none', '--api-key-env', 'STANDIN_API_KEY'];
// Counts its runs in $PROBES; the third (the probe of the second rerecord run) hangs once its
// recording is saved, after saying so with its pid.
const TEST = `'use strict';
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');
const { withFixture, getJson } = require('./helpers/api');

test('makes a token', async () => {
  await withFixture('tokens.json', () => getJson('/tokens'));
  const count = path.join(process.env.PROBES, 'runs');
  const runs = (fs.existsSync(count) ? Number(fs.readFileSync(count, 'utf8')) : 0) + 1;
  fs.writeFileSync(count, String(runs));
  if (runs === 3) {
    fs.writeFileSync(path.join(process.env.PROBES, 'probing'), String(process.pid));
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  }
});
`;

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();
let project: TempProject;
const probesDirs: string[] = [];
afterEach(async () => {
  for (const dir of probesDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('SIGKILL during the learn-noise probe', () => {
  it('recovery puts back the cassette from before the run; the probing test process is gone', async () => {
    project = await projects.copy('test/projects/node-nock');
    const probes = await mkdtemp(path.join(os.tmpdir(), 'rr-probe-kill-'));
    probesDirs.push(probes);
    await writeFile(path.join(project.dir, 'test/tokens.test.js'), TEST);
    const env = () => standin.env({ PROBES: probes });
    const first = await runCli(RUN, { cwd: project.dir, env: env() });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const before = await snapshotTree(project.dir, 'test');

    standin.api.setGeneration('g2');
    const run = start(CLI, [...RUN, '--learn-noise', 'true'], { cwd: project.dir, env: env() });
    const probing = path.join(probes, 'probing');
    await waitUntil(() => existsSync(probing), 'the probe recording', 120_000);
    const pid = Number(await readFile(probing, 'utf8'));
    // The probe's recording is on disk: the cassette holds g2 now.
    expect(JSON.parse(await readFile(path.join(project.dir, 'test/fixtures/tokens.json'), 'utf8'))[0].response.generation).toBe('g2');
    run.kill('SIGKILL');
    await run.finished;

    const recovered = await runCli(['recover'], { cwd: project.dir, env: env() });
    expect(recovered.code, recovered.stdout + recovered.stderr).toBe(0);
    expect(await snapshotTree(project.dir, 'test')).toEqual(before);
    await waitUntil(() => !isAlive(pid), 'the probing test process to be killed');
  });
});

