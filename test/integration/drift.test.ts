// Only real drift reaches review, and no real drift is thrown away: a custom framework whose test
// records a vcrpy-style cassette with `parsed_body` (the custom serialiser many Python projects copy)
// against the stand-in API. A re-record where only Date and request ids change puts the old bytes
// back; one where a real field inside parsed_body changed keeps the new bytes and names the path
// with its old and new values; `rerecord diff` shows the same between two git revisions.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { git } from '../support/projects.js';
import { cleanEnv, NODE, runCli } from '../support/run-bundle.js';
import { useStandinApi } from '../support/suite.js';

const run = promisify(execFile);
const KEY = 'drift-5e7a9c1b3d-secret';
const CASSETTE = 'test/fixtures/capital.yaml';
const standin = useStandinApi(KEY, 'g1');
const env = () => standin.env();
const RUN = ['run', '--framework', 'custom', '--command', `${NODE} {file}`, '--test-dir', 'test', '--test-pattern', '*.test.mjs', '--cassette-dir', 'test/fixtures', '--cassette-functions', 'withCassette', '--cassette-path', '{name}.yaml', '--api-key-env', 'STANDIN_API_KEY', '--retries', '0', '--json'];

// The test a user would write: replay when the cassette exists, else record it, as vcrpy does, with
// the JSON bodies stored parsed under `parsed_body` (and the key kept out of the cassette).
const TEST = `import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const file = new URL('./fixtures/capital.yaml', import.meta.url);

async function withCassette(name, run) {
  if (existsSync(file)) return run(readFileSync(file, 'utf8'));
  const uri = process.env.STANDIN_API_URL + '/items/1';
  const response = await fetch(uri, { headers: { 'x-api-key': process.env.STANDIN_API_KEY } });
  const body = await response.json();
  const yaml = [
    'interactions:',
    '- request:',
    '    body: null',
    '    headers: {}',
    '    method: GET',
    '    uri: ' + uri,
    '  response:',
    '    headers:',
    '      content-type:',
    '      - application/json',
    '      date:',
    "      - '" + response.headers.get('date') + "'",
    '      x-request-id:',
    "      - '" + response.headers.get('x-request-id') + "'",
    '    parsed_body: ' + JSON.stringify(body),
    '    status:',
    '      code: ' + response.status,
    '      message: OK',
    'version: 1',
    '',
  ].join('\\n');
  mkdirSync(new URL('./fixtures/', import.meta.url), { recursive: true });
  writeFileSync(file, yaml);
  return run(yaml);
}

await withCassette('capital', (text) => {
  if (!text.includes('"name":"alpha"')) throw new Error('expected item alpha');
});
`;

let parent: string | undefined;
afterEach(async () => {
  standin.api.setGeneration('g1');
  if (parent) await rm(parent, { recursive: true, force: true });
  parent = undefined;
});

async function project(): Promise<string> {
  parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-drift-'));
  const dir = path.join(parent, 'project');
  await mkdir(path.join(dir, 'test'), { recursive: true });
  await writeFile(path.join(dir, 'test/capital.test.mjs'), TEST);
  await writeFile(path.join(dir, '.gitignore'), '.rerecord/\n');
  // Record the committed cassette with the test itself (not synchronously: the stand-in API runs in
  // this process and must answer).
  await run(NODE, ['test/capital.test.mjs'], { cwd: dir, env: env() });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
  return dir;
}

describe('a parsed_body cassette (vcrpy custom serialiser) re-recorded by a custom framework', () => {
  it('only Date and request ids changed: noise-only, the old bytes are back', async () => {
    const dir = await project();
    const before = await readFile(path.join(dir, CASSETTE));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new Date header
    const result = await runCli(RUN, { cwd: dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ succeeded: 1, drift: { changed: 0, added: 0, noiseOnly: 1 } });
    expect((await readFile(path.join(dir, CASSETTE))).equals(before)).toBe(true);
  });

  it('a real field inside parsed_body changed: the new bytes are kept and the drift names the path, old and new', async () => {
    const dir = await project();
    standin.api.setGeneration('g2');
    const result = await runCli(RUN, { cwd: dir, env: env() });
    expect(result.code, result.stderr).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document).toMatchObject({ succeeded: 1, drift: { changed: 1, added: 0, noiseOnly: 0 } });
    expect(await readFile(path.join(dir, CASSETTE), 'utf8')).toContain('"generation":"g2"');
    const [file] = document.files;
    expect(file.drift).toEqual([
      expect.objectContaining({
        cassette: CASSETTE,
        status: 'changed',
        changes: [expect.objectContaining({ kind: 'changed', status: { from: 200, to: 200 }, body: expect.objectContaining({ changed: [{ path: '$.generation', count: 1, from: '"g1"', to: '"g2"' }] }) })],
      }),
    ]);
    expect(JSON.stringify(document)).not.toContain(KEY);

    // The same change between two git revisions.
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 're-recorded');
    const diff = await runCli(['diff', 'HEAD~1', 'HEAD', '--json', '--', 'test/fixtures'], { cwd: dir, env: cleanEnv() });
    expect(diff.code, diff.stderr).toBe(1);
    expect(JSON.parse(diff.stdout)).toEqual([
      expect.objectContaining({ cassette: CASSETTE, status: 'changed', changes: [expect.objectContaining({ body: expect.objectContaining({ changed: [expect.objectContaining({ path: '$.generation', from: '"g1"', to: '"g2"' })] }) })] }),
    ]);
    const text = await runCli(['diff', 'HEAD~1', 'HEAD', '--', 'test/fixtures'], { cwd: dir, env: cleanEnv() });
    expect(text.stdout).toContain('GET /items/1: body ~$.generation "g1" -> "g2"');
    const bad = await runCli(['diff', 'no-such-rev', 'HEAD', '--', 'test/fixtures'], { cwd: dir, env: cleanEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"no-such-rev" is neither an existing path nor a git revision');

    // Without a path: the framework's cassettes only, not the manifest that commit changed, nor
    // package or data files (the settings come from the flags, as a project's .rerecord.yml gives them).
    await writeFile(path.join(dir, 'package.json'), '{"name": "drift-project", "version": "2.0.0"}\n');
    await mkdir(path.join(dir, 'data'), { recursive: true });
    await writeFile(path.join(dir, 'data/settings.json'), '{"interactions": []}\n');
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'other files');
    const scope = ['--framework', 'custom', '--test-dir', 'test', '--test-pattern', '*.test.mjs', '--cassette-dir', 'test/fixtures', '--command', 'node {file}', '--json'];
    const unscoped = await runCli(['diff', 'HEAD~2', 'HEAD', ...scope], { cwd: dir, env: cleanEnv() });
    expect(unscoped.code, unscoped.stderr).toBe(1);
    expect(JSON.parse(unscoped.stdout).map((entry: { cassette: string }) => entry.cassette)).toEqual([CASSETTE]);
    expect(unscoped.stderr).toContain('comparing the custom cassettes under test/fixtures');
  });
});
