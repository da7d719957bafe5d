// nock back with its fixtures folder set in a helper (`nockBack.fixtures = path.join(__dirname,
// 'nockFixtures')`): nock records the fixtures itself against the stand-in API, and rerecord's plan
// must name exactly those files; a re-record then journals the same paths.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, NODE, runCli } from '../support/run-bundle.js';
import { spawn } from 'node:child_process';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'nock-helper-key-31337';
const FIXTURES = 'test/support/nockFixtures';
const TEST_FILES = ['test/items.test.js', 'test/nested/users.test.js'];

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();

function nodeTest(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(NODE, ['--test', ...TEST_FILES], { cwd: dir, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function fixtures(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, FIXTURES), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')).sort();
}

describe('nock back with the fixtures folder set in a helper', () => {
  it('plans the files nock back writes, and re-records exactly those', async () => {
    const project = await projects.copy('test/projects/nock-helper');
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { framework: string; files: Array<{ file: string; cassettes: string[]; unresolved: string[] }> };
    expect(plan.framework).toBe('node');

    const recorded = await nodeTest(project.dir, standin.env({ NOCK_BACK_MODE: 'record' }));
    expect(recorded.code, recorded.output).toBe(0);
    const written = await fixtures(project.dir);
    expect(written).toEqual([`${FIXTURES}/items.json`, `${FIXTURES}/items/three.json`, `${FIXTURES}/users.json`]);
    expect(plan.files.flatMap((file) => file.cassettes).sort()).toEqual(written);
    expect(plan.files.every((file) => file.unresolved.length === 0)).toBe(true);

    const audit = JSON.parse((await runCli(['audit', '--json'], { cwd: project.dir, env: cleanEnv() })).stdout);
    expect(audit).toMatchObject({ cassettes: 3, counts: { orphan: 0, missing: 0 } });

    standin.api.setGeneration('g2');
    try {
      const run = await runCli(['run', '--api-key-env', 'STANDIN_API_KEY', '--retries', '0'], { cwd: project.dir, env: standin.env() });
      expect(run.code, run.stderr).toBe(0);
    } finally {
      standin.api.setGeneration('g1');
    }
    for (const file of written) expect(await readFile(path.join(project.dir, file), 'utf8'), file).toMatch(/"generation":\s*"g2"/);
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    for (const { file, cassettes } of plan.files) expect(manifest.files[file].cassettes, file).toEqual(cassettes);

    const offline = await nodeTest(project.dir, cleanEnv());
    expect(offline.code, offline.output).toBe(0);
  });
});
