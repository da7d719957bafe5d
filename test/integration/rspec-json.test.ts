// RSpec + VCR with JSON cassettes (default_cassette_options), shared examples (it_behaves_like,
// it_should_behave_like, include_examples) and a `let` cassette name: VCR records the cassettes
// itself against the stand-in API, and rerecord's plan must name exactly those files.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'rspec-json-key-4d4d';
const CASSETTES = 'spec/cassettes';

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();

function rspec(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('rspec', [], { cwd: dir, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function cassettes(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, CASSETTES), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')).sort();
}

describe('RSpec with JSON cassettes, shared examples and let names', () => {
  it('plans exactly the cassettes VCR writes, and re-records them in place', async () => {
    const project = await projects.copy('test/projects/rspec-json');
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { framework: string; files: Array<{ file: string; cassettes: string[]; unresolved: string[] }> };
    expect(plan.framework).toBe('rspec');

    const recorded = await rspec(project.dir, standin.env());
    expect(recorded.code, recorded.output).toBe(0);
    const written = await cassettes(project.dir);
    expect(plan.files.flatMap((file) => file.cassettes).sort()).toEqual(written);
    expect(plan.files.every((file) => file.unresolved.length === 0)).toBe(true);
    expect(written).toEqual([
      `${CASSETTES}/Items_API/behaves_like_a_listing/answers_with_a_list.json`,
      `${CASSETTES}/Items_API/when_checked/reports_ok.json`,
      `${CASSETTES}/Users/it_should_behave_like_a_listing/answers_with_a_list.json`,
      `${CASSETTES}/Users/lists_users.json`,
      `${CASSETTES}/item_three.json`,
      `${CASSETTES}/users_page.yml`,
    ]);

    const audit = JSON.parse((await runCli(['audit', '--json'], { cwd: project.dir, env: cleanEnv() })).stdout);
    expect(audit).toMatchObject({ cassettes: 6, counts: { orphan: 0, missing: 0 } });

    standin.api.setGeneration('g2');
    try {
      const run = await runCli(['run', '--api-key-env', 'STANDIN_API_KEY', '--retries', '0'], { cwd: project.dir, env: standin.env() });
      expect(run.code, run.stderr + run.stdout).toBe(0);
    } finally {
      standin.api.setGeneration('g1');
    }
    expect(await cassettes(project.dir)).toEqual(written);
    for (const file of written) expect(await readFile(path.join(project.dir, file), 'utf8'), file).toMatch(/\\?"generation\\?":\\?"g2/);
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    for (const { file, cassettes: mapped } of plan.files) expect(manifest.files[file].cassettes, file).toEqual(mapped);

    const offline = await rspec(project.dir, cleanEnv({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: '' }));
    expect(offline.code, offline.output).toBe(0);
  });
});
