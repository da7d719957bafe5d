import { Polly } from '@pollyjs/core';
import FSPersister from '@pollyjs/persister-fs';
import { afterEach, describe, expect, it } from 'vitest';
import { guidForRecording, polly } from '../../../src/frameworks/polly/index.js';
import { memoryProject } from '../config/memory-project.js';

const names = (source: string, wrappers: string[] = []) => polly.findCassetteRefs(source, wrappers).map((ref) => ref.name);

describe('polly recording references', () => {
  it.each([
    ["new Polly('items', options)", 'items'],
    ['new Polly("users/list", {\n  mode: "replay",\n})', 'users/list'],
    ['const p = new core.Polly(`plain`)', 'plain'],
    ["server.any().recordingName('route-override')", 'route-override'],
    ["polly.recordingName = 'renamed';", 'renamed'],
    ["setupPolly({ recordingName: 'from-options', mode: 'replay' })", 'from-options'],
    ["useRecording({\n  recordingName: 'multi line'\n})", 'multi line'],
  ])('%s -> %s', (source, name) => {
    expect(names(source)).toEqual([name]);
  });

  it('reads the cassette-functions wrappers like Polly itself', () => {
    expect(names("withRecording('a', fn); other('b'); my.withRecording('c')", ['withRecording'])).toEqual(['a']);
  });

  it('leaves computed names unresolved and ignores comments, strings and look-alikes', () => {
    const source = [
      "// new Polly('commented')",
      "const s = \"new Polly('in string')\";",
      'new Polly(`dyn-${id}`, options);',
      "/* polly.recordingName = 'block' */ new Polly('real');",
      "new Pollyfill('nope'); renew Polly; if (polly.recordingName === 'x') {}",
      'function f(recordingName: string) {}',
    ].join('\n');
    expect(polly.findCassetteRefs(source, [])).toEqual([
      { name: undefined, expression: '`dyn-${id}`', line: 3 },
      { name: 'real', expression: "'real'", line: 4 },
    ]);
  });

  it('names setupMocha recordings after the suite and test titles', () => {
    const source = [
      "import { setupMocha as setupPolly } from '@pollyjs/core';",
      "describe('Outside', () => { it('is not covered', () => {}); });",
      "describe('API', function () {",
      '  setupMocha({ adapters: ["fetch"] });',
      "  it('lists items', async () => {});",
      "  describe('users', () => {",
      "    it.only('reads one', async () => {});",
      '    it(`item ${id}`, async () => {});',
      '  });',
      '});',
    ].join('\n');
    expect(polly.findCassetteRefs(source, [])).toEqual([
      { name: 'API/lists items', expression: "'API' / 'lists items'", line: 5 },
      { name: 'API/users/reads one', expression: "'API' / 'users' / 'reads one'", line: 7 },
      { name: undefined, expression: "'API' / 'users' / `item ${id}`", line: 8 },
    ]);
  });

  it('covers every test of the file when setupMocha is called at top level', () => {
    expect(names("setupMocha();\nsuite('S', () => { test('t', () => {}); });\nit('top', () => {});")).toEqual(['S/t', 'top']);
  });
});

describe('polly recording paths', () => {
  // Its typings say FSPersister is no Persister (the generic option type differs); it is one.
  Polly.register(FSPersister as unknown as Parameters<typeof Polly.register>[0]);

  it('maps a name to <dir>/<slug>_<hash>/recording.har', () => {
    expect(polly.cassettePath('test/recordings', 'items')).toBe('test/recordings/items_981021583/recording.har');
    expect(polly.cassettePath('test/recordings', 'users/list')).toBe('test/recordings/users_1585235219/list_217798785/recording.har');
  });

  it.each([
    'items',
    'item two',
    'users/list',
    'API/users/reads one',
    '  --leading and trailing--  ',
    'dots.and:colons & ampersands $5 100%',
    'Ünïcödé 名前 🎉 mixed',
    'a//b',
    '/leading',
    'x'.repeat(150),
    `${'long words '.repeat(12)}/short`,
  ])('matches the folder Polly computes for %j', async (name) => {
    const recordingsDir = '/recordings';
    const instance = new Polly(name, { persister: 'fs', persisterOptions: { fs: { recordingsDir } } });
    try {
      const api = (instance.persister as unknown as { api: { filenameFor(id: string): string } }).api;
      expect(guidForRecording(name)).toBe(instance.recordingId);
      expect(polly.cassettePath(recordingsDir, name)).toBe(api.filenameFor(instance.recordingId));
    } finally {
      await instance.stop();
    }
  });
});

describe('polly detection and folders', () => {
  it('detects @pollyjs/core in package.json', () => {
    expect(polly.detect!(memoryProject({ 'package.json': '{"devDependencies": {"@pollyjs/core": "^6.0.6"}}' }))).toBe('@pollyjs/core in package.json');
    expect(polly.detect!(memoryProject({ 'package.json': '{"devDependencies": {"@pollyjs/adapter-fetch": "^6", "nock": "^14"}}' }))).toBeUndefined();
    expect(polly.detect!(memoryProject({ 'test/a.test.js': '' }))).toBeUndefined();
  });

  it.each([
    ["recordingsDir: path.join(__dirname, '..', '__recordings__')", 'test/helpers/api.js', 'test/__recordings__'],
    ["recordingsDir: path.resolve(__dirname, 'recordings')", 'test/setup.mjs', 'test/recordings'],
    ["recordingsDir: join(import.meta.dirname, '../fixtures/http')", 'test/helpers/polly.mjs', 'test/fixtures/http'],
    ["recordingsDir: path.join(process.cwd(), 'spec', 'recordings')", 'test/polly.js', 'spec/recordings'],
    ["persisterOptions: { fs: { recordingsDir: './test/recs/' } }", 'test/polly.js', 'test/recs'],
  ])('reads %s in %s', (line, file, dir) => {
    const project = memoryProject({ 'package.json': '{}', [file]: `const options = {\n  ${line},\n};\n`, 'test/a.test.js': '' });
    expect(polly.defaultCassetteDir(project, 'test')).toBe(dir);
  });

  it('falls back to <test-dir>/recordings, or Polly\'s own ./recordings when only that exists', () => {
    const dynamic = { 'test/helpers/polly.js': 'recordingsDir: process.env.RECORDINGS,', 'test/a.test.js': '' };
    expect(polly.defaultCassetteDir(memoryProject(dynamic), 'test')).toBe('test/recordings');
    expect(polly.defaultCassetteDir(memoryProject({ ...dynamic, 'recordings/x_1/recording.har': '{}' }), 'test')).toBe('recordings');
    // A commented-out setting does not count.
    expect(polly.defaultCassetteDir(memoryProject({ 'test/a.test.js': "// recordingsDir: 'old'" }), 'test')).toBe('test/recordings');
  });

  it('has node --test defaults', () => {
    expect(polly).toMatchObject({ defaultTestDir: 'test', defaultTestPattern: '**/*.test.{js,mjs,cjs}', defaultCommand: ['node', '--test', '{file}'], hookFiles: ['polly.cjs', 'rerecord-collect-mocha.cjs'] });
  });
});

describe('polly launch', () => {
  const hook = { hookDirectory: '/opt/rerecord hooks', journal: '/tmp/j.jsonl', backupDirectory: '/tmp/backup' };
  const saved = process.env.NODE_OPTIONS;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  });

  it('preloads the hook through NODE_OPTIONS, quoted, after what was there', () => {
    delete process.env.NODE_OPTIONS;
    expect(polly.launch('/p/test/a.test.js', ['node', '--test', '{file}'], hook, process.env)).toEqual({
      command: 'node',
      args: ['--test', '/p/test/a.test.js'],
      env: { RERECORD_MODE: 'record', RERECORD_JOURNAL: '/tmp/j.jsonl', RERECORD_BACKUP_DIR: '/tmp/backup', NODE_OPTIONS: '--require "/opt/rerecord hooks/polly.cjs"' },
    });
    process.env.NODE_OPTIONS = '--max-old-space-size=512';
    expect(polly.launch('/p/a.js', ['npx', 'mocha', '{file}'], hook, process.env).env.NODE_OPTIONS).toBe('--max-old-space-size=512 --require "/opt/rerecord hooks/polly.cjs"');
  });

  it('replays with the same hook, told so, and without a journal to write to', () => {
    delete process.env.NODE_OPTIONS;
    expect(polly.launch('/p/test/a.test.js', ['node', '--test', '{file}'], { ...hook, mode: 'replay' }, process.env).env).toEqual({
      RERECORD_MODE: 'replay',
      NODE_OPTIONS: '--require "/opt/rerecord hooks/polly.cjs"',
    });
  });
});
