// Needs ruby, rspec, VCR and webmock. Planning asks RSpec itself (`rspec --dry-run` with rerecord's
// collection formatter) which cassettes each spec names: examples generated from a support file's
// constants get their exact names, which the source alone cannot give. Checked against what VCR
// really writes when the suite re-records.
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'rb-collect-4471-secret';
const CASSETTES = 'spec/cassettes';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let cacheHome: string;

beforeAll(async () => {
  cacheHome = await mkdtemp(path.join(os.tmpdir(), 'rerecord-collect-cache-'));
});
afterAll(() => rm(cacheHome, { recursive: true, force: true }));

interface PlannedFile {
  file: string;
  cassettes: string[];
  unresolved: string[];
  possible?: string[];
}

async function plan(dir: string, ...args: string[]): Promise<{ files: PlannedFile[]; mappedBy?: string }> {
  const result = await runCli(['plan', '--framework', 'rspec', '--json', ...args], { cwd: dir, env: cleanEnv({ XDG_CACHE_HOME: cacheHome }) });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

describe('rspec --dry-run names the cassettes only run time knows', () => {
  it('maps every cassette VCR writes to its spec, names the group-spread ones possible, and the source alone would not have', async () => {
    const project = await projects.copy('test/projects/rspec-collect');
    const planned = await plan(project.dir);
    expect(planned.mappedBy).toBe('cassettes named by rspec --dry-run');
    const models = planned.files.find((entry) => entry.file === 'spec/models_spec.rb')!;
    expect(models.unresolved).toEqual([]);
    expect(models.cassettes).toEqual(['alpha', 'beta', 'gamma'].map((model) => `${CASSETTES}/Models/${model}/fetches_its_item.yml`));
    // A `use_cassette` in an example body: the source still names it.
    expect(planned.files.find((entry) => entry.file === 'spec/calls_spec.rb')!.cassettes).toEqual([`${CASSETTES}/calls.yml`]);

    const staticOnly = await plan(project.dir, '--collect', 'off');
    expect(staticOnly.mappedBy).toBeUndefined();
    expect(staticOnly.files.find((entry) => entry.file === 'spec/models_spec.rb')!.unresolved).not.toEqual([]);

    const ran = await runCli(['run', '--framework', 'rspec', '--workers', '2', '--retries', '0', '--api-key-env', 'STANDIN_API_KEY'], { cwd: project.dir, env: { ...standin.env(), XDG_CACHE_HOME: cacheHome } });
    expect(ran.code, ran.stderr).toBe(0);
    const written = (await filesUnder(path.join(project.dir, CASSETTES))).map((file) => `${CASSETTES}/${file}`).sort();
    const mapped = planned.files.flatMap((entry) => entry.cassettes);
    const possible = new Set(planned.files.flatMap((entry) => entry.possible ?? []));
    // Every cassette VCR wrote was planned; every planned one that is not merely possible was written.
    expect(written.filter((cassette) => !mapped.includes(cassette))).toEqual([]);
    expect(mapped.filter((cassette) => !possible.has(cassette) && !written.includes(cassette))).toEqual([]);
    // The example that made no request wrote nothing, and was planned as possible.
    expect(written).not.toContain(`${CASSETTES}/Quiet/computes_locally.yml`);
    expect(possible.has(`${CASSETTES}/Quiet/computes_locally.yml`)).toBe(true);
  });

  it('answers from its cache until a spec changes, and never sees the key', async () => {
    const project = await projects.copy('test/projects/rspec-collect');
    // A helper that would show the key if the collection process had it.
    await appendFile(path.join(project.dir, 'spec/spec_helper.rb'), "\nFile.write(File.join(__dir__, '..', 'collect-saw-key.txt'), ENV.fetch('STANDIN_API_KEY', ''))\n");
    const withKey = cleanEnv({ XDG_CACHE_HOME: cacheHome, STANDIN_API_KEY: KEY });
    const first = await runCli(['plan', '--framework', 'rspec', '--json', '--api-key-env', 'STANDIN_API_KEY'], { cwd: project.dir, env: withKey });
    expect(JSON.parse(first.stdout).mappedBy).toBe('cassettes named by rspec --dry-run');
    expect(await readFile(path.join(project.dir, 'collect-saw-key.txt'), 'utf8')).toBe('');

    expect((await plan(project.dir)).mappedBy).toMatch(/^cassettes named by rspec --dry-run \(cached/);
    await appendFile(path.join(project.dir, 'spec/quiet_spec.rb'), '# changed\n');
    expect((await plan(project.dir)).mappedBy).toBe('cassettes named by rspec --dry-run');
  });

  it('falls back to the source when RSpec cannot load the suite, saying why in its own words', async () => {
    const project = await projects.copy('test/projects/rspec-collect');
    await writeFile(path.join(project.dir, 'spec/support/models.rb'), "raise 'models table unavailable'\n");
    const planned = await plan(project.dir);
    expect(planned.mappedBy).toMatch(/^mapped statically: rspec --dry-run failed \(exit \d+\): .*models table unavailable/);
    expect(planned.files.find((entry) => entry.file === 'spec/calls_spec.rb')!.cassettes).toEqual([`${CASSETTES}/calls.yml`]);
  });
});
