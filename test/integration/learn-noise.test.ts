// learn-noise through the built CLI: a node + nock back file whose answer carries a fresh id on
// every call. The run that probes records it twice, learns the id field for GET /tokens and stores
// it in the manifest; a later run where only that id changed puts the old bytes back.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TempProject } from '../support/projects.js';
import { runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'sk-live-5151-learn-noise-key';
const FIXTURE = 'test/fixtures/tokens.json';
const RUN = ['run', '--test-pattern', 'tokens.test.js', '--cassette-functions', 'withFixture', '--timeout', '20s', '--retries', '0', '--verify', 'none', '--api-key-env', 'STANDIN_API_KEY'];
const TEST = `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

test('makes a token', () =>
  withFixture('tokens.json', async () => {
    const { status, body } = await getJson('/tokens');
    assert.equal(status, 200);
    assert.equal(typeof body.token.id, 'string');
  }));
`;

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();
const fixture = () => readFile(path.join(project.dir, FIXTURE), 'utf8');

describe('learn-noise', () => {
  it('a probing run learns the random id field; a later run calls a change of only that field noise', async () => {
    project = await projects.copy('test/projects/node-nock');
    await writeFile(path.join(project.dir, 'test/tokens.test.js'), TEST);
    const first = await runCli(RUN, { cwd: project.dir, env: env() });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const recorded = JSON.parse(await fixture());
    expect(recorded[0].response.generation).toBe('g1');

    // The API changed (generation) and the id is fresh: drift, probed.
    standin.api.setGeneration('g2');
    const probing = await runCli([...RUN, '--learn-noise', 'true'], { cwd: project.dir, env: env() });
    expect(probing.code, probing.stdout + probing.stderr).toBe(0);
    expect(probing.stdout + probing.stderr).toContain('learned: $.token.id on GET /tokens');
    const afterProbe = await fixture();
    expect(JSON.parse(afterProbe)[0].response.generation).toBe('g2');
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.noise).toEqual({ 'GET /tokens': { fields: ['$.token.id'], headers: [] } });
    // What the kept recording holds, not what the probe spent too.
    expect(manifest.files['test/tokens.test.js'].requests).toBe(1);
    // Both recordings reached the API: /tokens was asked three times in all.
    expect(standin.api.state.requests.filter((request) => request === 'GET /tokens')).toHaveLength(3);

    // Only the id changes now: noise, the old bytes are back.
    const later = await runCli(RUN, { cwd: project.dir, env: env() });
    expect(later.code, later.stdout + later.stderr).toBe(0);
    expect(await fixture()).toBe(afterProbe);
    expect(standin.api.state.requests.filter((request) => request === 'GET /tokens')).toHaveLength(4);
  });
});
