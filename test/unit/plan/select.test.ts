import { describe, expect, it } from 'vitest';
import { matchesPriority, selectFiles, type SelectionInput } from '../../../src/plan/select.js';

const FILES = ['tests/testthat/test-auth.R', 'tests/testthat/test-items.R', 'tests/testthat/test-users-slow.R', 'tests/testthat/sub/test-deep.R'];

function input(overrides: Partial<SelectionInput>): SelectionInput {
  return {
    mode: 'all',
    testFiles: FILES,
    testDir: 'tests/testthat',
    priorityPatterns: [],
    failureLog: undefined,
    failureLogPath: '.rerecord/failures.txt',
    usesMissingCassette: () => false,
    usesStaleCassette: () => false,
    ...overrides,
  };
}

describe('selectFiles', () => {
  it('all: every test file', () => {
    expect(selectFiles(input({})).files).toEqual(FILES);
  });

  it('priority: pattern order kept, each file once, unmatched patterns noted', () => {
    const selection = selectFiles(input({ mode: 'priority', priorityPatterns: ['*-slow.R', 'auth', 'items', 'test-auth*', 'nothing-here'] }));
    expect(selection.files).toEqual(['tests/testthat/test-users-slow.R', 'tests/testthat/test-auth.R', 'tests/testthat/test-items.R']);
    expect(selection.notes).toEqual(['priority pattern "nothing-here" (a word the file name contains) matched no test file']);
  });

  it('priority without patterns is a problem', () => {
    expect(selectFiles(input({ mode: 'priority' })).problems[0]).toMatch(/needs priority-patterns/);
  });

  it('failures: selects the listed test files once each, and notes vanished ones by position, not by name', () => {
    const selection = selectFiles(input({ mode: 'failures', failureLog: ['tests/testthat/test-items.R', 'tests/testthat/test-gone.R', 'tests/testthat/test-items.R'] }));
    expect(selection.files).toEqual(['tests/testthat/test-items.R']);
    expect(selection.notes).toEqual(['.rerecord/failures.txt: a file it lists is no longer a test file (entry 2, not shown); skipped']);
    expect(selection.problems).toEqual([]);
  });

  it('failures: rejects entries outside the test folder, by position, never quoting them (the log could be a credentials file)', () => {
    const selection = selectFiles(
      input({ mode: 'failures', failureLog: ['/etc/passwd', '../x/test-a.R', 'tests/testthat/../../R/code.R', 'tests/testthat/test-auth.R', 'aws_secret_access_key = AKIAEXAMPLE'] }),
    );
    expect(selection.problems).toEqual([
      '.rerecord/failures.txt: 4 of the 5 files it lists are outside the test folder tests/testthat (entries 1, 2, 3 and 5, not shown); remove them',
    ]);
  });

  it('failures: a missing log is a problem that says how to get one', () => {
    expect(selectFiles(input({ mode: 'failures' })).problems[0]).toMatch(/\.rerecord\/failures\.txt does not exist \(run once with mode all/);
  });

  it('failures: an empty log selects nothing', () => {
    expect(selectFiles(input({ mode: 'failures', failureLog: [] }))).toEqual({ files: [], notes: [], problems: [] });
  });

  it('missing: files that use a cassette not recorded yet', () => {
    expect(selectFiles(input({ mode: 'missing', usesMissingCassette: (file) => file.includes('deep') })).files).toEqual(['tests/testthat/sub/test-deep.R']);
  });
});

describe('matchesPriority', () => {
  it.each([
    ['auth', 'tests/testthat/test-auth.R', true],
    ['Auth', 'tests/testthat/test-auth.R', false],
    ['sub/*', 'tests/testthat/sub/test-deep.R', true],
    ['test-deep.R', 'tests/testthat/sub/test-deep.R', true],
    ['test-[ai]*', 'tests/testthat/test-items.R', true],
    ['*.py', 'tests/testthat/test-items.R', false],
  ])('%s vs %s -> %s', (pattern, file, expected) => {
    expect(matchesPriority(pattern, file, 'tests/testthat')).toBe(expected);
  });
});

describe('mode stale', () => {
  it('selects files using a cassette older than max-age or never recorded', () => {
    const selection = selectFiles(input({ mode: 'stale', usesStaleCassette: (file) => file.includes('auth') || file.includes('deep') }));
    expect(selection.files).toEqual(['tests/testthat/test-auth.R', 'tests/testthat/sub/test-deep.R']);
  });
});
