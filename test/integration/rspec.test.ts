// The built CLI re-records a real RSpec + Ruby VCR project against the stand-in API.
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allText, readFailureReports, snapshotTree, type TempProject } from '../support/projects.js';
import { CLI, cleanEnv, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'rb-key-5150-top-secret';
const CASSETTES = 'spec/cassettes';
const COMMON = ['--timeout', '6s', '--retries', '0', '--workers', '4', '--api-key-env', 'STANDIN_API_KEY'];
const GOOD = ['items', 'item_two', 'Users_API/lists_users', 'users_page', 'status', 'dyn_1'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();

async function cassette(name: string): Promise<string> {
  return readFile(path.join(project.dir, CASSETTES, `${name}.yml`), 'utf8');
}

const generationOf = (text: string) => /"generation":"(g\d+)"/.exec(text)?.[1];

/** Plain `rspec` in the project, with no server and no key: the cassettes alone must carry it. */
function replay(dir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('rspec', [], { cwd: dir, env: cleanEnv({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: '' }) });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('RSpec + Ruby VCR, through the CLI', () => {
  it('re-records passing files, restores failed and timed-out ones byte for byte, learns what plan mapped, and replays offline', async () => {
    project = await projects.copy('test/projects/rspec');
    const before = await snapshotTree(project.dir, CASSETTES);
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(planned.code, planned.stderr).toBe(0);

    const result = await runCli(['run', '--framework', 'rspec', ...COMMON], { cwd: project.dir, env: env() });

    expect(result.code, result.stderr).toBe(1);
    for (const name of GOOD) {
      const text = await cassette(name);
      expect(generationOf(text), name).toBe('g2');
      expect(text, name).toContain('uri: http://api.test/');
      expect(text, name).toContain('recorded_with: VCR 5.0.0');
    }
    const after = await snapshotTree(project.dir, CASSETTES);
    expect(after.get(`${CASSETTES}/boom.yml`)).toEqual(before.get(`${CASSETTES}/boom.yml`));
    expect(after.get(`${CASSETTES}/hang.yml`)).toEqual(before.get(`${CASSETTES}/hang.yml`));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());

    const { failed, report, byFile } = await readFailureReports(project.dir);
    expect(failed).toEqual(['spec/boom_spec.rb', 'spec/hang_spec.rb']);
    expect(byFile['spec/boom_spec.rb']).toMatchObject({ status: 'failed', exitCode: 1, reason: expect.stringMatching(/^tests failed \(exit code 1\): \S/) });
    expect(byFile['spec/boom_spec.rb']!.outputTail).toMatch(/expected: "200"\s+got: "500"/);
    expect(byFile['spec/hang_spec.rb']!.reason).toMatch(/^timed out after 6\.0s; its process tree was killed$/);
    expect(report.summary).toEqual({ selected: 7, succeeded: 5, failed: 2, notRun: 0 });

    // What the hook journaled is what the source scan found, wherever the names are literal.
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    const plan = JSON.parse(planned.stdout);
    for (const file of ['spec/items_spec.rb', 'spec/users_spec.rb', 'spec/shared_a_spec.rb', 'spec/shared_b_spec.rb']) {
      const mapped = plan.files.find((f: { file: string }) => f.file === file);
      expect(mapped.unresolved, file).toEqual([]);
      expect(manifest.files[file].cassettes, file).toEqual(mapped.cassettes);
    }
    expect(manifest.files['spec/users_spec.rb'].cassettes).toEqual([`${CASSETTES}/Users_API/lists_users.yml`, `${CASSETTES}/users_page.yml`]);
    expect(manifest.files['spec/dynamic_spec.rb'].cassettes).toEqual([`${CASSETTES}/dyn_1.yml`]);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(result.stdout).toMatch(/5\/7 files re-recorded/);

    const offline = await replay(project.dir);
    expect(offline.code, offline.output).toBe(0);
    expect(offline.output).toMatch(/^9 examples, 0 failures$/m);
  });

  it('detects rspec and plans from the source: use_cassette, :vcr metadata, dynamic names, shared cassettes', async () => {
    project = await projects.copy('test/projects/rspec');
    const before = await snapshotTree(project.dir);
    const result = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const byFile = Object.fromEntries(plan.files.map((f: { file: string }) => [f.file, f]));
    expect(Object.keys(byFile).sort()).toEqual(
      ['boom', 'dynamic', 'hang', 'items', 'shared_a', 'shared_b', 'users'].map((name) => `spec/${name}_spec.rb`),
    );
    expect(byFile['spec/items_spec.rb']).toEqual({ file: 'spec/items_spec.rb', cassettes: [`${CASSETTES}/item_two.yml`, `${CASSETTES}/items.yml`], unresolved: [] });
    expect(byFile['spec/dynamic_spec.rb']).toMatchObject({ cassettes: [], unresolved: ['"dyn_#{id}" (line 5)'] });
    expect(plan.shared).toEqual([{ cassette: `${CASSETTES}/status.yml`, files: ['spec/shared_a_spec.rb', 'spec/shared_b_spec.rb'] }]);
    expect(await snapshotTree(project.dir)).toEqual(before);
  });

  it('loads the hook into a custom command too (RUBYOPT), here `ruby -S rspec`', async () => {
    project = await projects.copy('test/projects/rspec');
    const result = await runCli(['run', ...COMMON, '--command', 'ruby -S rspec {file}', '--test-pattern', 'items_spec.rb'], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(generationOf(await cassette('items'))).toBe('g2');
    expect(generationOf(await cassette('item_two'))).toBe('g2');
    expect(generationOf(await cassette('status'))).toBe('g1');
  });

  it('on SIGTERM leaves every cassette either re-recorded or original', async () => {
    project = await projects.copy('test/projects/rspec');
    const before = await snapshotTree(project.dir, CASSETTES);
    const child = start(CLI, ['run', ...COMMON, '--workers', '2', '--timeout', '60s', '--batch-size', '1', '--batch-delay', '300ms'], { cwd: project.dir, env: env() });
    await new Promise<void>((resolve) => child.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('[2/7]') && resolve()));
    child.kill('SIGTERM');
    const result = await child.finished;
    expect(result.code).toBe(143);

    const after = await snapshotTree(project.dir, CASSETTES);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of after) {
      if (bytes.equals(before.get(name)!)) continue;
      expect(generationOf(bytes.toString()), name).toBe('g2');
    }
    const log = await readFile(path.join(project.dir, '.rerecord/failures.txt'), 'utf8');
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(0);
    expect(await allText(project.dir)).not.toContain(KEY);
  });

  it('warm: files fork from one worker that loaded rspec-core and spec_helper once; what one file sets never reaches the next', async () => {
    project = await projects.copy('test/projects/rspec');
    for (const spec of ['boom', 'dynamic', 'hang', 'shared_a', 'shared_b', 'users']) await rm(path.join(project.dir, 'spec', `${spec}_spec.rb`));
    // Each file first checks that nothing of the other reached it, then leaves its marks.
    const checksThenLeaks = (name: string) => `RSpec.describe '${name}' do
  it 'sees nothing of another file, then leaks' do
    expect(ENV['RR_LEAK']).to be_nil
    expect($rr_leak).to be_nil
    expect(defined?(RrLeak)).to be_nil
    expect(Dir.pwd).to eq(${JSON.stringify(project.dir)})
    response = VCR.use_cassette('${name}') { api_get('/items') }
    expect(response.code).to eq('200')
    ENV['RR_LEAK'] = '${name}'
    $rr_leak = '${name}'
    Object.const_set(:RrLeak, '${name}')
    Dir.chdir('/')
  end
end
`;
    await writeFile(path.join(project.dir, 'spec/leak_a_spec.rb'), checksThenLeaks('leak_a'));
    await writeFile(path.join(project.dir, 'spec/leak_b_spec.rb'), checksThenLeaks('leak_b'));
    const result = await runCli(['run', ...COMMON, '--workers', '1', '--warm', 'on', '--json'], { cwd: project.dir, env: env() });
    const report = JSON.parse(result.stdout) as { processes: string; files: Array<{ file: string; status: string; reason: string }> };
    expect(report.files.map((file) => [file.file, file.status, file.reason]).sort()).toEqual([
      ['spec/items_spec.rb', 'succeeded', ''],
      ['spec/leak_a_spec.rb', 'succeeded', ''],
      ['spec/leak_b_spec.rb', 'succeeded', ''],
    ]);
    expect(report.processes).toMatch(/^forked from 1 warm worker \(each loaded rspec-core [\d.]+, the project's spec_helper, vcr [\d.]+/);
    expect(generationOf(await cassette('leak_b'))).toBe('g2');
  });
});
