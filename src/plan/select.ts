// Which test files this run re-records, by mode. Pure: the caller reads the disk.
import path from 'node:path';
import { minimatch } from 'minimatch';
import type { Mode } from '../config/inputs.js';
import { entryNumbers } from '../text/format.js';

export interface SelectionInput {
  mode: Mode;
  /** Every discovered test file, relative to the working directory, sorted. */
  testFiles: readonly string[];
  testDir: string;
  priorityPatterns: readonly string[];
  /** The files the last failure log lists, as read from it (names exact: no trimming, no comments); undefined when there is none. */
  failureLog: readonly string[] | undefined;
  failureLogPath: string;
  /** For `missing`: whether any cassette the file uses is not recorded yet. */
  usesMissingCassette: (file: string) => boolean;
  /** For `stale`: whether any cassette the file uses was recorded longer ago than max-age (or never). */
  usesStaleCassette: (file: string) => boolean;
}

export interface Selection {
  files: string[];
  /** Things the user should hear about but that do not stop the run. */
  notes: string[];
  /** Things that make the selection meaningless: reported as input errors. */
  problems: string[];
}

export function selectFiles(input: SelectionInput): Selection {
  switch (input.mode) {
    case 'all':
      return { files: [...input.testFiles], notes: [], problems: [] };
    case 'priority':
      return selectByPriority(input);
    case 'failures':
      return selectFailures(input);
    case 'missing':
      return { files: input.testFiles.filter(input.usesMissingCassette), notes: [], problems: [] };
    case 'stale':
      return { files: input.testFiles.filter(input.usesStaleCassette), notes: [], problems: [] };
  }
}

function selectByPriority(input: SelectionInput): Selection {
  if (input.priorityPatterns.length === 0) {
    return { files: [], notes: [], problems: ["mode priority needs priority-patterns (comma- or newline-separated file-name patterns)"] };
  }
  const chosen = new Set<string>();
  const notes: string[] = [];
  const problems: string[] = [];
  for (const pattern of input.priorityPatterns) {
    const matcher = priorityMatcher(pattern);
    if (typeof matcher === 'string') {
      problems.push(`priority-patterns: ${JSON.stringify(pattern)} reads as a regular expression but is not one (${matcher})`);
      continue;
    }
    const matches = input.testFiles.filter((file) => matcher(file, input.testDir));
    if (matches.length === 0) notes.push(`priority pattern ${JSON.stringify(pattern)} (${describePattern(pattern)}) matched no test file`);
    for (const file of matches) chosen.add(file);
  }
  // A priority run that selects nothing is a mistake in the patterns, not "nothing to do".
  if (problems.length === 0 && chosen.size === 0 && input.testFiles.length > 0) {
    problems.push(
      `priority-patterns: none of ${input.priorityPatterns.map((p) => JSON.stringify(p)).join(', ')} matched any of the ${input.testFiles.length} test files (${input.priorityPatterns.map(describePattern).join('; ')})`,
    );
  }
  return { files: [...chosen], notes, problems };
}

export type PatternKind = 'regex' | 'glob' | 'word';

/**
 * How a priority pattern is read: a regular expression when written `/.../` or when it looks like
 * one (`^`, `$`, `\`, `(`, `|`, or `[` without glob wildcards), as re-record scripts wrote them
 * (`^test-ct_chemical`); else a glob when it has `*`, `?` or `[`; else a plain word.
 */
export function patternKind(pattern: string): PatternKind {
  if (/^\/.+\/[a-z]*$/.test(pattern)) return 'regex';
  if (/[\^$\\(|]/.test(pattern) || (pattern.includes('[') && !/[*?]/.test(pattern))) return 'regex';
  return /[*?[]/.test(pattern) ? 'glob' : 'word';
}

function describePattern(pattern: string): string {
  const kind = patternKind(pattern);
  return kind === 'regex' ? 'a regular expression, searched in the file name and the path under test-dir' : kind === 'glob' ? 'a glob' : 'a word the file name contains';
}

/** A matcher, or why the pattern is not a valid regular expression. */
export function priorityMatcher(pattern: string): ((file: string, testDir: string) => boolean) | string {
  if (patternKind(pattern) !== 'regex') return (file, testDir) => matchesPriority(pattern, file, testDir);
  const slashed = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  let regex: RegExp;
  try {
    regex = slashed ? new RegExp(slashed[1]!, slashed[2]!.replace('g', '')) : new RegExp(pattern);
  } catch (error) {
    return (error as Error).message;
  }
  return (file, testDir) => regex.test(path.posix.basename(file)) || regex.test(path.posix.relative(testDir, file));
}

export function matchesPriority(pattern: string, file: string, testDir: string): boolean {
  const name = path.posix.basename(file);
  if (!/[*?[]/.test(pattern)) return name.includes(pattern);
  const underTestDir = path.posix.relative(testDir, file);
  return minimatch(underTestDir, pattern, { dot: true }) || minimatch(name, pattern, { dot: true });
}

function selectFailures(input: SelectionInput): Selection {
  if (input.failureLog === undefined) {
    return {
      files: [],
      notes: [],
      problems: [`mode failures reads the failure log, but ${input.failureLogPath} does not exist (run once with mode all, or point failure-log at the log)`],
    };
  }
  const known = new Set(input.testFiles);
  const files: string[] = [];
  const outside: number[] = [];
  const gone: number[] = [];
  // The log could hold anything (a credentials file linked in its place): messages name entries by
  // position and never quote them.
  for (const [index, entry] of input.failureLog.entries()) {
    const file = path.posix.normalize(entry);
    if (path.posix.isAbsolute(file) || !isInside(file, input.testDir)) outside.push(index + 1);
    else if (known.has(file)) files.push(file);
    else gone.push(index + 1);
  }
  const notes = gone.length
    ? [`${input.failureLogPath}: ${gone.length === 1 ? 'a file it lists is no longer a test file' : `${gone.length} files it lists are no longer test files`} (${entryNumbers(gone)}, not shown); skipped`]
    : [];
  const problems = outside.length
    ? [`${input.failureLogPath}: ${outside.length} of the ${input.failureLog.length} files it lists are outside the test folder ${input.testDir} (${entryNumbers(outside)}, not shown); remove them`]
    : [];
  return { files: [...new Set(files)], notes, problems };
}

function isInside(file: string, folder: string): boolean {
  const relative = path.posix.relative(folder, file);
  return relative !== '' && !relative.startsWith('..') && !path.posix.isAbsolute(relative);
}
