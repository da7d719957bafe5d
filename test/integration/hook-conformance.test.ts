// Every record hook implements the journal protocol of src/frameworks/JOURNAL.md. One table row
// per hook: a test file that opens an existing cassette twice and a new one once, run the way
// rerecord runs it (the preset's own launch, the bundled hooks) against the stand-in API.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasRecordHook, type FrameworkPreset } from '../../src/frameworks/preset.js';
import { PRESETS } from '../../src/frameworks/registry.js';
import { node } from '../../src/frameworks/node/index.js';
import { guidForRecording, polly } from '../../src/frameworks/polly/index.js';
import { pytest } from '../../src/frameworks/pytest/index.js';
import { rspec } from '../../src/frameworks/rspec/index.js';
import { REPO_ROOT } from '../support/projects.js';
import { useStandinApi } from '../support/suite.js';
import { runWarm } from '../support/warm.js';

const KEY = 'conformance-key-0f0f';
/** The bundled hook folder of a preset, as the action runs it. */
const bundledHooks = (preset: FrameworkPreset) => path.join(REPO_ROOT, 'dist', 'frameworks', preset.name, 'hook');
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';

interface HookCase {
  name: string;
  preset: FrameworkPreset;
  command: string[];
  /** The test file, relative to the project. */
  testFile: string;
  /** Project files; the test file opens `existing` (first and second test) and `fresh` (third). */
  files: Record<string, string>;
  existing: string;
  fresh: string;
  /** Node projects resolve their library through the repository's node_modules. */
  nodeModules?: boolean;
}

const NOCK_TEST = `'use strict';
const test = require('node:test');
const path = require('node:path');
const nock = require('nock');
nock.back.fixtures = path.join(__dirname, 'fixtures');
nock.back.setMode('lockdown');
const get = (p) => fetch(process.env.STANDIN_API_URL + p, { headers: { 'x-api-key': process.env.STANDIN_API_KEY } }).then((r) => r.json());
async function withFixture(name, fn) {
  const { nockDone } = await nock.back(name);
  try { await fn(); } finally { nockDone(); }
}
test('one, first', () => withFixture('one.json', () => get('/items')));
test('one, again', () => withFixture('one.json', () => get('/items')));
test('two', () => withFixture('two.json', () => get('/status')));
`;

const POLLY_TEST = `'use strict';
const test = require('node:test');
const path = require('node:path');
const { Polly } = require('@pollyjs/core');
Polly.register(require('@pollyjs/adapter-fetch'));
Polly.register(require('@pollyjs/persister-fs'));
const options = {
  mode: 'replay', adapters: ['fetch'], persister: 'fs', matchRequestsBy: { headers: false },
  persisterOptions: { fs: { recordingsDir: path.join(__dirname, 'recordings') } },
};
const get = (p) => fetch(process.env.STANDIN_API_URL + p, { headers: { 'x-api-key': process.env.STANDIN_API_KEY } }).then((r) => r.json());
async function withRecording(name, fn) {
  const polly = new Polly(name, options);
  try { await fn(); } finally { await polly.stop(); }
}
test('one, first', () => withRecording('one', () => get('/items')));
test('one, again', () => withRecording('one', () => get('/items')));
test('two', () => withRecording('two', () => get('/status')));
`;

const VCRPY_TEST = `import os
import urllib.request

import vcr

my_vcr = vcr.VCR(cassette_library_dir=os.path.join(os.path.dirname(__file__), "cassettes"), filter_headers=["x-api-key"])


def get(path):
    request = urllib.request.Request(os.environ["STANDIN_API_URL"] + path, headers={"X-Api-Key": os.environ["STANDIN_API_KEY"]})
    return urllib.request.urlopen(request).read()


def test_one_first():
    with my_vcr.use_cassette("one.yaml"):
        get("/items")


def test_one_again():
    with my_vcr.use_cassette("one.yaml"):
        get("/items")


def test_two():
    with my_vcr.use_cassette("two.yaml"):
        get("/status")
`;

const RSPEC_TEST = `require 'net/http'
require 'vcr'
require 'webmock/rspec'

VCR.configure do |c|
  c.cassette_library_dir = File.join(__dir__, 'cassettes')
  c.hook_into :webmock
  c.filter_sensitive_data('<KEY>') { ENV.fetch('STANDIN_API_KEY') }
end

def get(path)
  uri = URI.join(ENV.fetch('STANDIN_API_URL'), path)
  Net::HTTP.start(uri.host, uri.port) { |http| http.get(uri.request_uri, 'X-Api-Key' => ENV.fetch('STANDIN_API_KEY')) }
end

describe 'conformance' do
  it('one, first') { VCR.use_cassette('one') { get('/items') } }
  it('one, again') { VCR.use_cassette('one') { get('/items') } }
  it('two') { VCR.use_cassette('two') { get('/status') } }
end
`;

const CASES: HookCase[] = [
  {
    name: 'node: nock back (nock-back.cjs)',
    preset: node,
    command: ['node', '--test', '{file}'],
    testFile: 'test/conf.test.js',
    files: { 'test/conf.test.js': NOCK_TEST },
    existing: 'test/fixtures/one.json',
    fresh: 'test/fixtures/two.json',
    nodeModules: true,
  },
  {
    name: 'polly: Polly.js (polly.cjs)',
    preset: polly,
    command: ['node', '--test', '{file}'],
    testFile: 'test/conf.test.js',
    files: { 'test/conf.test.js': POLLY_TEST },
    existing: `test/recordings/${guidForRecording('one')}/recording.har`,
    fresh: `test/recordings/${guidForRecording('two')}/recording.har`,
    nodeModules: true,
  },
  {
    name: 'pytest: vcrpy (rerecord_vcrpy.py)',
    preset: pytest,
    command: [PYTHON, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '{file}'],
    testFile: 'tests/test_conf.py',
    files: { 'tests/test_conf.py': VCRPY_TEST },
    existing: 'tests/cassettes/one.yaml',
    fresh: 'tests/cassettes/two.yaml',
  },
  {
    name: 'rspec: Ruby VCR (rerecord_vcr.rb)',
    preset: rspec,
    command: ['rspec', '{file}'],
    testFile: 'spec/conf_spec.rb',
    files: { 'spec/conf_spec.rb': RSPEC_TEST },
    existing: 'spec/cassettes/one.yml',
    fresh: 'spec/cassettes/two.yml',
  },
];

/** Hooks whose conformance runs elsewhere, with the runtime stacks they need: the file that holds it. */
const CONFORMANCE_ELSEWHERE: Record<string, string> = { testthat: 'test/integration/testthat-vcr2.test.ts' };

describe('the conformance table', () => {
  it('has a row for every registered preset with a record hook, and each row runs the hook files the preset declares', async () => {
    for (const preset of PRESETS.filter(hasRecordHook)) {
      const elsewhere = CONFORMANCE_ELSEWHERE[preset.name];
      if (elsewhere) {
        expect(await readFile(path.join(REPO_ROOT, elsewhere), 'utf8'), `${elsewhere} runs ${preset.name}'s conformance`).toMatch(/record hook conformance/);
        continue;
      }
      expect(CASES.map((testCase) => testCase.preset.name), `a conformance row for ${preset.name}`).toContain(preset.name);
      expect((await readdir(bundledHooks(preset))).sort()).toEqual(expect.arrayContaining([...preset.hookFiles]));
    }
  });
});

const standin = useStandinApi(KEY, 'g2');
const OLD_BYTES = 'OLD BYTES: never parsed, only backed up\n';

/** The preset's launch, with none of this process's own loader variables leaking in. */
function launch(testCase: HookCase, dir: string, journal: string, backupDirectory: string, mode: 'record' | 'replay' = 'record') {
  const saved = Object.fromEntries(['NODE_OPTIONS', 'PYTHONPATH', 'PYTEST_PLUGINS', 'RUBYLIB', 'RUBYOPT'].map((name) => [name, process.env[name]]));
  for (const name of Object.keys(saved)) delete process.env[name];
  try {
    return testCase.preset.launch(path.join(dir, testCase.testFile), testCase.command, { hookDirectory: bundledHooks(testCase.preset), journal, backupDirectory, mode }, process.env);
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

function runProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function project(testCase: HookCase): Promise<{ root: string; dir: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-conformance-'));
  const dir = path.join(root, 'project');
  for (const [file, text] of Object.entries(testCase.files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await mkdir(path.dirname(path.join(dir, testCase.existing)), { recursive: true });
  await writeFile(path.join(dir, testCase.existing), OLD_BYTES);
  if (testCase.nodeModules) await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return { root, dir };
}

/** Every row runs in a fresh process, and again in a child forked from a warm worker where the preset has one. */
const ROWS = CASES.flatMap((testCase) => [
  { ...testCase, processes: 'fresh' as const },
  ...(testCase.preset.warmWorker ? [{ ...testCase, name: `${testCase.name}, warm`, processes: 'warm' as const }] : []),
]);

describe.each(ROWS)('$name implements the journal protocol', (testCase) => {
  /** The file run as rerecord runs it: the preset's own launch, or forked from its warm worker. */
  const run = (spec: { command: string; args: string[] }, dir: string, env: NodeJS.ProcessEnv) =>
    testCase.processes === 'warm'
      ? runWarm(testCase.preset, testCase.command, bundledHooks(testCase.preset), path.join(dir, testCase.testFile), dir, env)
      : runProcess(spec.command, spec.args, dir, env);

  it('backs up, journals and deletes on first insertion only, records afresh, and keeps later insertions', async () => {
    const { root, dir } = await project(testCase);
    try {
      const journal = path.join(root, 'journal.jsonl');
      const backups = path.join(root, 'backups');
      await mkdir(backups);
      const spec = launch(testCase, dir, journal, backups);
      const result = await run(spec, dir, standin.env(spec.env));
      expect(result.code, result.output).toBe(0);

      const lines = (await readFile(journal, 'utf8')).split('\n');
      expect(lines.pop()).toBe('');
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      for (const entry of entries) expect(Object.keys(entry).sort()).toEqual(['backup', 'cassette', 'existed']);
      // One line per cassette, the exact path the library wrote, in the order the test opened them.
      expect(entries.map((entry) => entry.cassette)).toEqual([path.join(dir, testCase.existing), path.join(dir, testCase.fresh)]);
      const [existing, fresh] = entries as [Record<string, unknown>, Record<string, unknown>];
      expect(existing.existed).toBe(true);
      expect(path.dirname(existing.backup as string)).toBe(backups);
      expect(path.basename(existing.backup as string)).toBe(`1-${path.basename(testCase.existing)}`);
      expect(await readFile(existing.backup as string, 'utf8')).toBe(OLD_BYTES);
      expect(fresh).toMatchObject({ existed: false, backup: null });
      expect(await readdir(backups)).toEqual([path.basename(existing.backup as string)]);

      // Recorded afresh: nothing of the old bytes; the first insertion's request survives the second.
      const recorded = await readFile(path.join(dir, testCase.existing), 'utf8');
      expect(recorded).not.toContain('OLD BYTES');
      expect(recorded).toContain('/items');
      expect(recorded).toMatch(/\\?"generation\\?"\s*:\s*\\?"g2/);
      expect(await readFile(path.join(dir, testCase.fresh), 'utf8')).toContain('/status');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('refuses a cassette outside RERECORD_ROOT: the test fails, the file is neither backed up nor deleted', async () => {
    const { root, dir } = await project(testCase);
    try {
      const journal = path.join(root, 'journal.jsonl');
      const backups = path.join(root, 'backups');
      await mkdir(backups);
      const elsewhere = path.join(root, 'elsewhere');
      await mkdir(elsewhere);
      const spec = launch(testCase, dir, journal, backups);
      const result = await run(spec, dir, standin.env({ ...spec.env, RERECORD_ROOT: elsewhere }));
      expect(result.code, result.output).not.toBe(0);
      expect(result.output).toMatch(/rerecord: refusing cassette .* outside the project/);
      expect(await readFile(path.join(dir, testCase.existing), 'utf8')).toBe(OLD_BYTES);
      expect(await readdir(backups)).toEqual([]);
      expect(await readFile(journal, 'utf8').catch(() => '')).toBe('');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('replays strictly with RERECORD_MODE=replay: a request no cassette holds fails the test; nothing is journaled, backed up, deleted or recorded', async () => {
    const { root, dir } = await project(testCase);
    try {
      const journal = path.join(root, 'journal.jsonl');
      const backups = path.join(root, 'backups');
      await mkdir(backups);
      const spec = launch(testCase, dir, journal, backups, 'replay');
      expect(spec.env.RERECORD_MODE).toBe('replay');
      // Even a journal left in the environment is not written in replay mode.
      const result = await run(spec, dir, standin.env({ ...spec.env, RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: backups, RERECORD_ROOT: dir }));
      expect(result.code, result.output).not.toBe(0);
      expect(await readFile(path.join(dir, testCase.existing), 'utf8')).toBe(OLD_BYTES);
      await expect(readFile(path.join(dir, testCase.fresh), 'utf8')).rejects.toThrow(/ENOENT/);
      await expect(readFile(journal, 'utf8')).rejects.toThrow(/ENOENT/);
      expect(await readdir(backups)).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('is inert without RERECORD_JOURNAL and RERECORD_BACKUP_DIR: it deletes and journals nothing', async () => {
    const { root, dir } = await project(testCase);
    try {
      const journal = path.join(root, 'journal.jsonl');
      const spec = launch(testCase, dir, journal, path.join(root, 'backups'));
      const env: NodeJS.ProcessEnv = standin.env(spec.env);
      delete env.RERECORD_JOURNAL;
      delete env.RERECORD_BACKUP_DIR;
      await run(spec, dir, env);
      expect(await readFile(path.join(dir, testCase.existing), 'utf8')).toBe(OLD_BYTES);
      await expect(readFile(journal, 'utf8')).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
