// Cassette ages from git: a full clone dates timestamp-less cassettes by their last commit; a
// shallow clone (actions/checkout's default) would date them all as HEAD, so rerecord warns and
// trusts only the cassettes' own timestamps.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCassettes } from '../../src/discover/cassette-files.js';
import { isShallowClone } from '../../src/discover/recording-dates.js';
import { cleanEnv, runAction } from '../support/run-bundle.js';

const OLD = '2024-01-02T03:04:05Z';
const RECORDED = 'Tue, 05 Mar 2024 10:00:00 GMT';
const VCR_CASSETTE = `http_interactions:\n- request:\n    method: get\n    uri: http://api.test/items\n  response:\n    status:\n      code: 200\n      message: OK\n    body:\n      string: '{}'\n  recorded_at: ${RECORDED}\nrecorded_with: VCR 6.0.0\n`;
const NOCK_FIXTURE = '[{"scope":"http://api.test:80","method":"GET","path":"/items","status":200,"response":{}}]\n';

let root: string;
const git = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-dates-'));
  const origin = path.join(root, 'origin');
  await mkdir(path.join(origin, 'fixtures'), { recursive: true });
  git(origin, ['init', '-q', '-b', 'main']);
  await writeFile(path.join(origin, 'fixtures/items.yml'), VCR_CASSETTE);
  await writeFile(path.join(origin, 'fixtures/items.json'), NOCK_FIXTURE);
  await mkdir(path.join(origin, 'test'));
  await writeFile(path.join(origin, 'test/items_test.go'), 'package items // recorder.New("items")\n');
  git(origin, ['add', '-A']);
  git(origin, ['commit', '-qm', 'old cassettes'], { GIT_AUTHOR_DATE: OLD, GIT_COMMITTER_DATE: OLD });
  await writeFile(path.join(origin, 'README'), 'later\n');
  git(origin, ['add', '-A']);
  git(origin, ['commit', '-qm', 'unrelated later commit']);
  git(root, ['clone', '-q', `file://${origin}`, 'full']);
  git(root, ['clone', '-q', '--depth', '1', `file://${origin}`, 'shallow']);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('recording dates', () => {
  it('dates timestamp-less cassettes by their last commit in a full clone', async () => {
    const dir = path.join(root, 'full');
    expect(await isShallowClone({ cwd: dir, inherited: process.env })).toBe(false);
    const warnings: string[] = [];
    const [json, yml] = await readCassettes({ cwd: dir, inherited: process.env }, ['fixtures/items.json', 'fixtures/items.yml'], 'fixtures', (w) => warnings.push(w));
    expect(json).toMatchObject({ dateSource: 'commit', recordedAt: new Date(OLD) });
    expect(yml).toMatchObject({ dateSource: 'recorded', recordedAt: new Date(RECORDED) });
    expect(warnings).toEqual([]);
  });

  it('detects a shallow clone, warns, and never takes HEAD date for a recording date', async () => {
    const dir = path.join(root, 'shallow');
    expect(await isShallowClone({ cwd: dir, inherited: process.env })).toBe(true);
    const warnings: string[] = [];
    const [json, yml] = await readCassettes({ cwd: dir, inherited: process.env }, ['fixtures/items.json', 'fixtures/items.yml'], 'fixtures', (w) => warnings.push(w));
    expect(json).toMatchObject({ dateSource: 'unknown', recordedAt: undefined });
    expect(yml).toMatchObject({ dateSource: 'recorded', recordedAt: new Date(RECORDED) });
    expect(warnings).toEqual([expect.stringMatching(/shallow git clone.*fetch-depth: 0/)]);
  });

  it('the action says so as a warning annotation, where a scheduled workflow\'s reader sees it', async () => {
    const inputs = { step: 'audit', framework: 'custom', command: 'go test {dir}', 'test-dir': 'test', 'test-pattern': '*_test.go', 'cassette-dir': 'fixtures', 'fail-on': 'never' };
    const shallow = await runAction(inputs, { cwd: path.join(root, 'shallow'), env: cleanEnv() });
    expect(shallow.code, shallow.stdout).toBe(0);
    expect(shallow.stdout).toMatch(/^::warning::.*shallow git clone.*fetch-depth: 0/m);
    const full = await runAction(inputs, { cwd: path.join(root, 'full'), env: cleanEnv() });
    expect(full.code, full.stdout).toBe(0);
    expect(full.stdout).not.toMatch(/shallow/);
  });
});
