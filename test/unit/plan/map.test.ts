import { describe, expect, it } from 'vitest';
import { node } from '../../../src/frameworks/node/index.js';
import { polly } from '../../../src/frameworks/polly/index.js';
import { testthat } from '../../../src/frameworks/testthat/index.js';
import { findSharedCassettes, mapCassettes } from '../../../src/plan/map.js';
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
    expect(mapping).toEqual({ file: 'users_test.go', cassettes: ['testdata/fixtures/users.yaml'], unresolved: ['name (line 4)'] });
    expect(mapCassettes([{ file: 'users_test.go', source }], goVcr, 'testdata', EMPTY_MANIFEST, [])[0]!.cassettes).toEqual([]);
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
