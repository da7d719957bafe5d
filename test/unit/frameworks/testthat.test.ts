import { describe, expect, it } from 'vitest';
import type { FrameworkPreset } from '../../../src/frameworks/preset.js';
import { testthat } from '../../../src/frameworks/testthat/index.js';
import { mapCassettes } from '../../../src/plan/map.js';
import { EMPTY_MANIFEST } from '../../../src/state/manifest.js';
import { memoryProject } from '../config/memory-project.js';

const TEST_DIR = 'tests/testthat';

/** The preset as config.ts sets it up for a project, and the folder it reports. */
function configured(files: Record<string, string>, cassetteDirGiven = false): { preset: FrameworkPreset; dir: string } {
  const project = memoryProject(files);
  const preset = testthat.configure!(project, TEST_DIR, { cassetteDirGiven, cassettePath: '{name}' });
  return { preset, dir: preset.defaultCassetteDir(project, TEST_DIR) };
}

/** What `rerecord plan` says for one test file of the project. */
function planOf(files: Record<string, string>, testFile: string, cassetteDir?: string) {
  const { preset, dir } = configured(files, cassetteDir !== undefined);
  const [mapping] = mapCassettes([{ file: testFile, source: files[testFile]! }], preset, cassetteDir ?? dir, EMPTY_MANIFEST);
  return { cassettes: mapping!.cassettes, unresolved: mapping!.unresolved };
}

describe('testthat + vcr cassette folders', () => {
  it('uses vcr 2 default tests/testthat/_vcr when vcr_configure() gives no dir', () => {
    const files = {
      DESCRIPTION: 'Package: x\nSuggests: testthat (>= 3.0.0), vcr (>= 2.0.0)\n',
      'tests/testthat/helper-vcr.R': 'vcr::vcr_configure(filter_sensitive_data = list("<<k>>" = key))',
      'tests/testthat/test-a.R': 'vcr::local_cassette("a")',
    };
    expect(configured(files).dir).toBe('tests/testthat/_vcr');
    expect(planOf(files, 'tests/testthat/test-a.R')).toEqual({ cassettes: ['tests/testthat/_vcr/a.yml'], unresolved: [] });
  });

  it.each([
    ['a vcr 1 recording in the test folder', { 'tests/testthat/old.yml': 'http_interactions: []\nrecorded_with: vcr/1.2.0, webmockr/0.8.2\n' }, 'tests/testthat'],
    ['a _vcr folder', { 'tests/testthat/_vcr/old.yml': 'x' }, 'tests/testthat/_vcr'],
    ['nothing that tells (vcr 2, what CRAN has)', {}, 'tests/testthat/_vcr'],
    ['DESCRIPTION asking for vcr 2', { DESCRIPTION: 'Suggests: vcr (>= 2.1.0)', 'tests/testthat/old.yml': 'recorded_with: vcr/1.2.0' }, 'tests/testthat/_vcr'],
  ])('without a configured dir, picks the default folder of the vcr version: %s', (_case, extra, expected) => {
    expect(configured({ 'tests/testthat/test-a.R': 'use_cassette("a", {})', ...extra }).dir).toBe(expected);
  });

  it.each([
    ['a literal', 'vcr_configure(dir = "../fixtures")', 'tests/fixtures'],
    ['a variable assigned a line above', 'vcr_dir <- "../testthat/fixtures"\nvcr_configure(dir = vcr_dir)', 'tests/testthat/fixtures'],
    ['a variable assigned with =, over several lines', 'vcr_dir = file.path(\n  "..",\n  "cassettes"\n)\nvcr::vcr_configure(\n  dir = vcr_dir,\n  record = "once"\n)', 'tests/cassettes'],
    ['vcr_test_path()', 'vcr::vcr_configure(dir = vcr::vcr_test_path("fixtures"))', 'tests/fixtures'],
    ['test_path()', 'vcr_configure(dir = testthat::test_path("fixtures", "vcr"))', 'tests/testthat/fixtures/vcr'],
    ['here::here()', 'vcr_configure(dir = here::here("tests", "cassettes"))', 'tests/cassettes'],
    ['file.path() over vcr_test_path()', 'root <- vcr_test_path("fixtures")\nvcr_configure(dir = file.path(root, "api"))', 'tests/fixtures/api'],
    ['the last assignment before the call', 'd <- "../one"\nd <- "../two"\nvcr_configure(dir = d)\nd <- "../three"', 'tests/two'],
  ])('follows the configured folder written as %s', (_case, helper, expected) => {
    const files = { 'tests/testthat/helper-vcr.R': helper, 'tests/testthat/test-a.R': 'use_cassette("a", {})' };
    expect(configured(files).dir).toBe(expected);
    expect(planOf(files, 'tests/testthat/test-a.R').cassettes).toEqual([`${expected}/a.yml`]);
  });

  it('reads helpers in the order testthat sources them (helper*, then setup*), later settings winning', () => {
    const files = {
      'tests/testthat/setup-vcr.R': 'vcr_configure(dir = "../from-setup")',
      'tests/testthat/helper-b.R': 'vcr_configure(serialize_with = "json")',
      'tests/testthat/helper-a.R': 'vcr_configure(dir = "../from-helper")',
      'tests/testthat/test-a.R': 'use_cassette("a", {})',
    };
    expect(planOf(files, 'tests/testthat/test-a.R').cassettes).toEqual(['tests/from-setup/a.json']);
  });

  it('reports every cassette unresolved, with where the folder was set, when the configured dir is not statically known', () => {
    const files = {
      'tests/testthat/helper-vcr.R': '# set up\nvcr_configure(dir = Sys.getenv("CASSETTES"))',
      'tests/testthat/test-a.R': '\nuse_cassette("a", {})',
    };
    expect(planOf(files, 'tests/testthat/test-a.R')).toEqual({
      cassettes: [],
      unresolved: ['"a" (folder: vcr_configure(dir = Sys.getenv("CASSETTES")) in tests/testthat/helper-vcr.R line 2) (line 2)'],
    });
    // --cassette-dir says where it is.
    expect(planOf(files, 'tests/testthat/test-a.R', 'spec/cassettes')).toEqual({ cassettes: ['spec/cassettes/a.yml'], unresolved: [] });
  });

  it.each(['"/var/cassettes"', '"../../../elsewhere"'])('keeps a configured folder outside the project unresolved: %s', (dir) => {
    const files = { 'tests/testthat/helper-vcr.R': `vcr_configure(dir = ${dir})`, 'tests/testthat/test-a.R': 'use_cassette("a", {})' };
    expect(planOf(files, 'tests/testthat/test-a.R').unresolved).toEqual([`"a" (folder: vcr_configure(dir = ${dir}) in tests/testthat/helper-vcr.R line 1) (line 1)`]);
  });
});

describe('testthat + vcr calls that name their own folder or serializer', () => {
  const HELPER = { 'tests/testthat/helper-vcr.R': 'vcr_configure(dir = "../fixtures")' };

  it.each([
    ['use_cassette("a", dir = "../other", {})', 'tests/other/a.yml'],
    ['local_cassette("a", dir = test_path("fixtures"))', 'tests/testthat/fixtures/a.yml'],
    ['vcr::insert_cassette(dir = vcr::vcr_test_path("fixtures", "x"), name = "a")', 'tests/fixtures/x/a.yml'],
    ['folder <- "../testthat/fixtures"\n\ntest_that("x", {\n  vcr::local_cassette("a", dir = folder)\n})', 'tests/testthat/fixtures/a.yml'],
    ['use_cassette("a", serialize_with = "json", {})', 'tests/fixtures/a.json'],
    ['use_cassette("a", serialize_with = "qs2", dir = "q", {})', 'tests/testthat/q/a.qs2'],
    ['fmt <- "json"\nuse_cassette("a", serialize_with = fmt, {})', 'tests/fixtures/a.json'],
    ['use_cassette("a", dir = NULL, serialize_with = NULL, {})', 'tests/fixtures/a.yml'],
  ])('%s -> %s', (source, expected) => {
    const files = { ...HELPER, 'tests/testthat/test-a.R': source };
    expect(planOf(files, 'tests/testthat/test-a.R')).toEqual({ cassettes: [expected], unresolved: [] });
  });

  it('sees variables a helper assigns, as testthat does (helpers are sourced into the tests environment)', () => {
    const files = { ...HELPER, 'tests/testthat/helper-paths.R': 'shared_dir <- vcr::vcr_test_path("shared")', 'tests/testthat/test-a.R': 'use_cassette("a", dir = shared_dir, {})' };
    expect(planOf(files, 'tests/testthat/test-a.R').cassettes).toEqual(['tests/shared/a.yml']);
  });

  it('reports what only run time knows unresolved with its line: a computed folder, an unknown variable, a computed serializer', () => {
    const source = ['use_cassette("a", dir = tempdir(), {})', 'use_cassette("b", dir = nowhere, {})', 'use_cassette("c", serialize_with = pick(), {})', 'use_cassette("d", dir = "/abs", {})', 'use_cassette("e", serialize_with = "toml", {})'].join('\n');
    const files = { ...HELPER, 'tests/testthat/test-a.R': source };
    expect(planOf(files, 'tests/testthat/test-a.R')).toEqual({
      cassettes: [],
      unresolved: [
        '"a", dir = tempdir() (line 1)',
        '"b", dir = nowhere (line 2)',
        '"c", serialize_with = pick() (line 3)',
        '"d", dir = "/abs" (line 4)',
        '"e", serialize_with = "toml" (line 5)',
      ],
    });
  });

  it("sees a block's own variables only inside it, and never guesses which branch of an if ran", () => {
    const source = [
      'test_that("a", {',
      '  d <- "../from_a"',
      '  use_cassette("a", dir = d, {})',
      '})',
      'test_that("b", {',
      '  use_cassette("b", dir = d, {})',
      '})',
      'if (on_ci) { e <- "../ci" } else { e <- "../local" }',
      'use_cassette("c", dir = e, {})',
      'f <- "../top"',
      'test_that("d", {',
      '  if (TRUE) {',
      '    use_cassette("d", dir = f, {})',
      '  }',
      '})',
    ].join('\n');
    expect(planOf({ ...HELPER, 'tests/testthat/test-a.R': source }, 'tests/testthat/test-a.R')).toEqual({
      cassettes: ['tests/from_a/a.yml', 'tests/top/d.yml'],
      unresolved: ['"b", dir = d (line 6)', '"c", dir = e (line 9)'],
    });
  });

  it('does not take a named argument inside a call for a folder variable', () => {
    const source = 'f(\n  folder = "../wrong"\n)\nuse_cassette("a", dir = folder, {})';
    expect(planOf({ ...HELPER, 'tests/testthat/test-a.R': source }, 'tests/testthat/test-a.R').unresolved).toEqual(['"a", dir = folder (line 4)']);
  });

  it("leaves a wrapper's own arguments alone: the wrapper decides what they mean", () => {
    const { preset, dir } = configured({ ...HELPER, 'tests/testthat/test-a.R': '' });
    const [mapping] = mapCassettes([{ file: 'tests/testthat/test-a.R', source: 'with_api("a", dir = "elsewhere")' }], preset, dir, EMPTY_MANIFEST, ['with_api']);
    expect(mapping!.cassettes).toEqual(['tests/fixtures/a.yml']);
  });

  it('follows vcr_configure() in a test file for the rest of it, and local_vcr_configure() until its block ends', () => {
    const source = [
      'use_cassette("before", {})',
      'test_that("x", {',
      '  vcr::local_vcr_configure(dir = "../local", serialize_with = "json")',
      '  local_cassette("inside")',
      '  local_cassette("own", dir = "mine")',
      '})',
      'use_cassette("after_block", {})',
      'vcr_configure(dir = vcr_test_path("global"))',
      'use_cassette("after_global", {})',
      'vcr_configure(dir = NULL)',
      'use_cassette("default_again", {})',
    ].join('\n');
    expect(planOf({ ...HELPER, 'tests/testthat/test-a.R': source }, 'tests/testthat/test-a.R')).toEqual({
      cassettes: [
        'tests/fixtures/after_block.yml',
        'tests/fixtures/before.yml',
        'tests/global/after_global.yml',
        'tests/local/inside.json',
        'tests/testthat/_vcr/default_again.yml',
        'tests/testthat/mine/own.json',
      ],
      unresolved: [],
    });
  });

  it('reports cassettes under a test-file configuration it cannot read unresolved', () => {
    const source = 'test_that("x", {\n  local_vcr_configure(dir = tempdir())\n  local_cassette("a")\n})\nlocal_cassette("b")';
    expect(planOf({ ...HELPER, 'tests/testthat/test-a.R': source }, 'tests/testthat/test-a.R')).toEqual({
      cassettes: ['tests/fixtures/b.yml'],
      unresolved: ['"a" (folder: dir = tempdir() in local_vcr_configure line 2) (line 3)'],
    });
  });
});
