import { describe, expect, it } from 'vitest';
import { node } from '../../../src/frameworks/node/index.js';
import { polly } from '../../../src/frameworks/polly/index.js';
import { testthat } from '../../../src/frameworks/testthat/index.js';
import { expectedCassettes, findSharedCassettes, mapCassettes } from '../../../src/plan/map.js';
import { EMPTY_MANIFEST } from '../../../src/state/manifest.js';
import { memoryProject } from '../config/memory-project.js';

describe('mapCassettes', () => {
  it('maps literal names per file and never by prefix', () => {
    const mappings = mapCassettes(
      [
        { file: 'tests/testthat/test-item.R', source: 'use_cassette("item_one", { x })' },
        { file: 'tests/testthat/test-items.R', source: 'use_cassette("items", {\n})\nvcr::use_cassette(name = "item_two", {})' },
      ],
      testthat,
      'tests/fixtures',
      EMPTY_MANIFEST,
    );
    expect(mappings).toEqual([
      { file: 'tests/testthat/test-item.R', cassettes: ['tests/fixtures/item_one.yml'], unresolved: [] },
      { file: 'tests/testthat/test-items.R', cassettes: ['tests/fixtures/item_two.yml', 'tests/fixtures/items.yml'], unresolved: [] },
    ]);
  });

  it('adds what the manifest learned and lists expressions only run time can resolve', () => {
    const manifest = { version: 1 as const, files: { 'test/dyn.test.js': { cassettes: ['test/fixtures/dyn-1.json'], durationMs: 5 } } };
    const [mapping] = mapCassettes([{ file: 'test/dyn.test.js', source: 'const n = 1;\nawait nock.back(`dyn-${n}.json`)' }], node, 'test/fixtures', manifest);
    expect(mapping).toEqual({ file: 'test/dyn.test.js', cassettes: ['test/fixtures/dyn-1.json'], unresolved: ['`dyn-${n}.json` (line 2)'] });
  });
});

describe('findSharedCassettes', () => {
  it('lists cassettes used by more than one file', () => {
    const shared = findSharedCassettes([
      { file: 'a', cassettes: ['x', 'y'], unresolved: [] },
      { file: 'b', cassettes: ['y'], unresolved: [] },
      { file: 'c', cassettes: ['z', 'y'], unresolved: [] },
    ]);
    expect(shared).toEqual([{ cassette: 'y', files: ['a', 'b', 'c'] }]);
  });
});

describe('custom framework mapping', () => {
  it('maps the calls named in cassette-functions into cassette-path, and nothing without them', async () => {
    const { customPreset } = await import('../../../src/frameworks/custom/index.js');
    const goVcr = customPreset('{name}.yaml');
    const source = 'func TestUsers(t *testing.T) {\n  r, _ := recorder.New("fixtures/users") // recorder.New("commented")\n  name := "x"\n  recorder.New(name)\n}';
    const [mapping] = mapCassettes([{ file: 'users_test.go', source }], goVcr, 'testdata', EMPTY_MANIFEST, ['recorder.New']);
    // `name` falls under no glob and no run taught the manifest: any recording may be this file's.
    expect(mapping).toEqual({ file: 'users_test.go', cassettes: ['testdata/fixtures/users.yaml'], unresolved: ['name (line 4)'], openEnded: true });
    expect(mapCassettes([{ file: 'users_test.go', source }], goVcr, 'testdata', EMPTY_MANIFEST, [])[0]!.cassettes).toEqual([]);
  });

  it('carries what the file left unwritten when it last passed, only among its cassettes, and knows a file a run taught', () => {
    const manifest = {
      version: 1 as const,
      files: { 'tests/testthat/test-a.R': { cassettes: ['tests/fixtures/dyn.yml'], unwritten: ['tests/fixtures/a.yml', 'tests/fixtures/gone.yml'] } },
    };
    const source = 'use_cassette("a", {}); use_cassette(paste0("x", i), {})';
    const [taught] = mapCassettes([{ file: 'tests/testthat/test-a.R', source }], testthat, 'tests/fixtures', manifest);
    expect(taught).toMatchObject({ cassettes: ['tests/fixtures/a.yml', 'tests/fixtures/dyn.yml'], unwritten: ['tests/fixtures/a.yml'] });
    expect(taught).not.toHaveProperty('openEnded');
    expect(expectedCassettes(taught!)).toEqual(['tests/fixtures/dyn.yml']);
    const [untaught] = mapCassettes([{ file: 'tests/testthat/test-a.R', source }], testthat, 'tests/fixtures', EMPTY_MANIFEST);
    expect(untaught).toMatchObject({ openEnded: true });
    expect(untaught).not.toHaveProperty('unwritten');
  });

  it('asks presets that map whole files, naming helper files in what stays unresolved and keeping their globs', () => {
    const files = {
      'test/maybe.js': "const { setupMocha } = require('@pollyjs/core');\nif (process.env.CI) {\n  setupMocha();\n}\n",
      'test/a.test.js': "require('./maybe');\ndescribe('s', () => { it('t', () => {}); });\n",
    };
    const [mapping] = mapCassettes([{ file: 'test/a.test.js', source: files['test/a.test.js'], project: memoryProject(files) }], polly, 'test/recordings', EMPTY_MANIFEST);
    expect(mapping).toEqual({
      file: 'test/a.test.js',
      cassettes: [],
      unresolved: ['setupMocha(...) inside a block: which tests it sets Polly up for is only known at run time (test/maybe.js line 3)'],
      unresolvedPatterns: ['test/recordings/**'],
    });
  });
});
