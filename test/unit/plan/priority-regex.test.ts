import { describe, expect, it } from 'vitest';
import { patternKind, priorityMatcher, selectFiles, type SelectionInput } from '../../../src/plan/select.js';

const FILES = ['tests/testthat/test-ct_chemical.R', 'tests/testthat/test-chemi_search.R', 'tests/testthat/test-ct_hazard.R', 'tests/testthat/sub/test-deep.R'];
const input = (patterns: string[]): SelectionInput =>
  ({ mode: 'priority', priorityPatterns: patterns, testFiles: FILES, testDir: 'tests/testthat', failureLog: undefined, failureLogPath: 'f', usesMissingCassette: () => false, usesStaleCassette: () => false }) as SelectionInput;
const matches = (pattern: string) => {
  const matcher = priorityMatcher(pattern);
  if (typeof matcher === 'string') throw new Error(matcher);
  return FILES.filter((file) => matcher(file, 'tests/testthat'));
};

describe('priority patterns', () => {
  it.each([
    ['^test-ct_chemical', 'regex'],
    ['hazard\\.R$', 'regex'],
    ['(chemi|hazard)', 'regex'],
    ['test-[cd]', 'regex'],
    ['/chem/i', 'regex'],
    ['test-ct_*', 'glob'],
    ['sub/*', 'glob'],
    ['chemical', 'word'],
  ])('%s reads as a %s', (pattern, kind) => {
    expect(patternKind(pattern)).toBe(kind);
  });

  it("matches the re-record script's regular expressions against the file name", () => {
    expect(matches('^test-ct_chemical')).toEqual(['tests/testthat/test-ct_chemical.R']);
    expect(matches('^test-c')).toEqual(FILES.slice(0, 3));
    expect(matches('^sub/')).toEqual(['tests/testthat/sub/test-deep.R']);
    expect(matches('/CHEMI_/i')).toEqual(['tests/testthat/test-chemi_search.R']);
  });

  it('selects, in pattern order, what the regular expressions match', () => {
    expect(selectFiles(input(['^test-chemi', '^test-ct_']))).toMatchObject({ files: [FILES[1], FILES[0], FILES[2]], problems: [] });
  });

  it('patterns that all match nothing are a problem (exit 2), not an empty run', () => {
    const selection = selectFiles(input(['^test-nothing', 'zzz']));
    expect(selection.files).toEqual([]);
    expect(selection.problems).toEqual([
      'priority-patterns: none of "^test-nothing", "zzz" matched any of the 4 test files (a regular expression, searched in the file name and the path under test-dir; a word the file name contains)',
    ]);
  });

  it('an invalid regular expression is a problem naming it', () => {
    expect(selectFiles(input(['^test-(ct'])).problems[0]).toMatch(/^priority-patterns: "\^test-\(ct" reads as a regular expression but is not one \(/);
  });
});
