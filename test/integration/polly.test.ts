// The built CLI re-records a real node --test + Polly.js (fetch adapter, fs persister) project
// against the stand-in API.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allText, readFailureReports, snapshotTree, type TempProject } from '../support/projects.js';
import { cleanEnv, runCli, start } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'sk-polly-5150-very-secret';
const RECORDINGS = 'test/__recordings__';
const COMMON = ['--cassette-functions', 'withRecording', '--timeout', '12s', '--retries', '0', '--workers', '4', '--api-key-env', 'STANDIN_API_KEY'];
const HAR = (folder: string) => `${RECORDINGS}/${folder}/recording.har`;
const GOOD = ['items_981021583', 'item-two_985055568', 'users_1585235219/list_217798785', 'status_3125508079', 'dyn-1_3379447138', 'dyn-3_3345891900'];

const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
let project: TempProject;
const env = () => standin.env();

interface Har {
  log: { entries: Array<{ request: { url: string; headers: Array<{ name: string }> }; response: { content: { text: string } } }> };
}

async function har(folder: string): Promise<Har> {
  return JSON.parse(await readFile(path.join(project.dir, HAR(folder)), 'utf8')) as Har;
}

describe('node + Polly.js, through the CLI', () => {
  it('re-records passing files with fresh data, restores failing ones byte for byte, and replays green offline', async () => {
    project = await projects.copy('test/projects/polly');
    const before = await snapshotTree(project.dir, RECORDINGS);

    // No --framework: @pollyjs/core in package.json picks the polly preset.
    const result = await runCli(['run', ...COMMON], { cwd: project.dir, env: env() });

    expect(result.code, result.stderr).toBe(1);
    for (const folder of GOOD) {
      const { entries } = (await har(folder)).log;
      expect(entries, folder).toHaveLength(1);
      expect(JSON.parse(entries[0]!.response.content.text).generation, folder).toBe('g2');
      expect(entries[0]!.request.url, folder).toMatch(/^http:\/\/api\.test\//);
      expect(entries[0]!.request.headers.map((header) => header.name.toLowerCase()), folder).not.toContain('x-api-key');
    }
    const after = await snapshotTree(project.dir, RECORDINGS);
    expect(after.get(HAR('boom_3348403114'))).toEqual(before.get(HAR('boom_3348403114')));
    expect(after.get(HAR('hang_3350868953'))).toEqual(before.get(HAR('hang_3350868953')));
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());

    const { failed, report, byFile } = await readFailureReports(project.dir);
    expect(failed).toEqual(['test/boom.test.js', 'test/hang.test.js']);
    expect(byFile['test/boom.test.js']).toMatchObject({ status: 'failed', attempts: 1, exitCode: 1, reason: expect.stringMatching(/^tests failed \(exit code 1\): \S/) });
    expect(byFile['test/boom.test.js']!.outputTail).toMatch(/500/);
    expect(byFile['test/hang.test.js']!.reason).toMatch(/^timed out after 12\.0s; its process tree was killed$/);
    expect(report.summary).toEqual({ selected: 7, succeeded: 5, failed: 2, notRun: 0 });

    // What the hook journaled agrees with the static mapping wherever names are literal.
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    const planned = await runCli(['plan', '--json', '--cassette-functions', 'withRecording'], { cwd: project.dir, env: env() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout);
    expect(plan.framework).toBe('polly');
    for (const file of ['test/items.test.js', 'test/users.test.mjs', 'test/shared-a.test.js', 'test/shared-b.test.js', 'test/boom.test.js', 'test/hang.test.js']) {
      const staticMapping = plan.files.find((f: { file: string }) => f.file === file);
      expect(manifest.files[file].cassettes, file).toEqual(staticMapping.cassettes);
    }
    expect(manifest.files['test/dynamic.test.js'].cassettes).toEqual([HAR('dyn-1_3379447138'), HAR('dyn-3_3345891900')]);
    expect(manifest.files['test/users.test.mjs'].cassettes).toEqual([HAR('users_1585235219/list_217798785')]);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);
    expect(result.stdout).toMatch(/5\/7 files re-recorded/);

    // No server, no key: Polly matches without headers, host or port.
    const testFiles = [...(await snapshotTree(project.dir, 'test')).keys()].filter((file) => /\.test\.m?js$/.test(file));
    const replay = await start('--test-reporter=tap', ['--test', ...testFiles], { cwd: project.dir, env: cleanEnv({ STANDIN_API_URL: 'http://127.0.0.1:9', STANDIN_API_KEY: 'none' }) }).finished;
    expect(replay.code, replay.stdout).toBe(0);
    expect(replay.stdout).toMatch(/^# fail 0$/m);
    expect(replay.stdout).toMatch(/^# pass 9$/m);
  });

  it('plans without running anything: mapping through Polly\'s folder names, dynamic names, shared recordings', async () => {
    project = await projects.copy('test/projects/polly');
    const before = await snapshotTree(project.dir);
    const requestsBefore = standin.api.state.requests.length;
    const result = await runCli(['plan', '--json', '--cassette-functions', 'withRecording'], { cwd: project.dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    const byFile = Object.fromEntries(plan.files.map((f: { file: string }) => [f.file, f]));
    expect(byFile['test/items.test.js']).toEqual({ file: 'test/items.test.js', cassettes: [HAR('item-two_985055568'), HAR('items_981021583')], unresolved: [] });
    expect(byFile['test/dynamic.test.js']!.unresolved).toEqual(['`dyn-${id}` (line 9)']);
    expect(plan.shared).toEqual([{ cassette: HAR('status_3125508079'), files: ['test/shared-a.test.js', 'test/shared-b.test.js'] }]);
    // Every literal name maps onto a recording that exists.
    const files = await snapshotTree(project.dir, RECORDINGS);
    for (const cassette of plan.files.flatMap((f: { cassettes: string[] }) => f.cassettes)) expect(files.has(cassette), cassette).toBe(true);
    expect(await snapshotTree(project.dir)).toEqual(before);
    expect(standin.api.state.requests.length).toBe(requestsBefore);
  });
});
