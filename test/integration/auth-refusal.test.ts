// A wrong or misnamed key: every file gets 401. The run must not retry them nor go on calling the
// API file after file; it stops once the first files were refused alike, restores everything, and
// says what the API answered and what to check.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, snapshotTree } from '../support/projects.js';
import { NODE, runCli } from '../support/run-bundle.js';
import { useStandinApi } from '../support/suite.js';

const KEY = 'auth-7c1d9e3f5a-secret';
const standin = useStandinApi(KEY, 'g1');

// Records one GET as a YAML cassette when it has none, as a user's own helper would.
const TEST = (name: string) => `import { writeFileSync } from 'node:fs';
const response = await fetch(process.env.STANDIN_API_URL + '/items/${name}', { headers: { 'x-api-key': process.env.STANDIN_API_KEY } });
writeFileSync(new URL('./fixtures/${name}.yaml', import.meta.url), [
  'interactions:', '- request:', '    method: GET', '    uri: ' + process.env.STANDIN_API_URL + '/items/${name}', '    headers: {}', '    body: null',
  '  response:', '    status:', '      code: ' + response.status, '      message: x', '    headers: {}', '    body:', '      string: ' + JSON.stringify(await response.text()),
  'version: 1', ''].join('\\n'));
`;
const RUN = ['run', '--framework', 'custom', '--command', `${NODE} {file}`, '--test-dir', 'test', '--test-pattern', '*.test.mjs', '--cassette-dir', 'test/fixtures', '--cassette-functions', 'withCassette', '--cassette-path', '{name}.yaml', '--api-key-env', 'STANDIN_API_KEY', '--retries', '2', '--workers', '1', '--batch-delay', '0', '--verify', 'none', '--json'];

let parent: string | undefined;
afterEach(async () => {
  if (parent) await rm(parent, { recursive: true, force: true });
  parent = undefined;
});

async function project(names: readonly string[]): Promise<string> {
  parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-auth-'));
  const dir = path.join(parent, 'project');
  await mkdir(path.join(dir, 'test', 'fixtures'), { recursive: true });
  for (const name of names) {
    await writeFile(path.join(dir, 'test', `${name}.test.mjs`), `// withCassette("${name}")\n${TEST(name)}`);
    await writeFile(path.join(dir, 'test', 'fixtures', `${name}.yaml`), `interactions: []\nversion: 1\n`);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
  return dir;
}

describe('the API refuses the key', () => {
  it('stops after the first files were refused alike, retries none of them, and names the cause', async () => {
    const names = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6'];
    const dir = await project(names);
    const before = await snapshotTree(dir, 'test/fixtures');
    standin.api.state.requests.length = 0;
    const result = await runCli(RUN, { cwd: dir, env: standin.env({ STANDIN_API_KEY: 'a-stale-key-0000' }) });
    expect(result.code).toBe(1);
    const document = JSON.parse(result.stdout);
    const attempts = Object.fromEntries(document.files.map((file: { file: string; attempts: number }) => [file.file, file.attempts]));
    const refused = document.files.filter((file: { status: string }) => file.status === 'failed');
    expect(refused).toHaveLength(3);
    for (const file of refused) {
      expect(attempts[file.file]).toBe(1);
      expect(file.reason).toContain('401 on GET /items/');
      expect(file.environmentError).toContain('the API answered 401 Unauthorized: the key was refused; check that api-key-env names the variable');
    }
    const notRun = document.files.filter((file: { status: string }) => file.status === 'not-run');
    expect(notRun).toHaveLength(3);
    expect(notRun[0].reason).toContain('the first 3 file(s) all failed with the same environment error (the API answered 401 Unauthorized');
    // Three requests in all: one per refused file, none for retries or for the files after them.
    expect(standin.api.state.requests).toHaveLength(3);
    expect(await snapshotTree(dir, 'test/fixtures')).toEqual(before);
  });

  it('a 404 the old recording did not have is not retried either (the same request gets the same answer)', async () => {
    const dir = await project(['f1']);
    standin.api.state.requests.length = 0;
    standin.api.setOutage('/items/f1', 404);
    try {
      const result = await runCli([...RUN, '--poison-statuses', '404, 5xx'], { cwd: dir, env: standin.env() });
      const [file] = JSON.parse(result.stdout).files;
      expect(file).toMatchObject({ status: 'failed', attempts: 1 });
      expect(file.reason).toContain('poisoned recording: 404 on GET /items/f1');
      expect(standin.api.state.requests).toHaveLength(1);
    } finally {
      standin.api.setOutage('/items/f1', undefined);
    }
  });
});
