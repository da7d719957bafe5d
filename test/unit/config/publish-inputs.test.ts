// The inputs users of peter-evans/create-pull-request and actions/upload-artifact expect: each
// parsed, checked against the others, and a bad value named with what was expected (exit 2).
import { describe, expect, it } from 'vitest';
import { loadConfig, type InputSource } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/config/errors.js';
import type { InputName } from '../../../src/config/inputs.js';
import { gitIdentity, InputProblem, numberBetween, template } from '../../../src/config/parsers.js';
import { memoryProject } from './memory-project.js';

const PROJECT = memoryProject({ 'package.json': '{"devDependencies": {"nock": "14"}}', 'test/a.test.js': '' });

function load(values: Partial<Record<InputName, string>>, surface: 'action' | 'cli' = 'action') {
  const source: InputSource = { surface, read: (name) => values[name], label: (name) => (surface === 'cli' ? `--${name}` : `input '${name}'`) };
  return loadConfig(source, { cwd: '/work/pkg', env: {}, openProject: (dir) => (dir === '/work/pkg' ? PROJECT : undefined) });
}

function problemsOf(values: Partial<Record<InputName, string>>, surface: 'action' | 'cli' = 'action'): string[] {
  try {
    load(values, surface);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parsers', () => {
  it('reads Name <email>, as create-pull-request spells author and committer', () => {
    expect(gitIdentity('Jane Doe <jane@example.com>')).toEqual({ name: 'Jane Doe', email: 'jane@example.com' });
    expect(gitIdentity('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>')).toEqual({
      name: 'github-actions[bot]',
      email: '41898282+github-actions[bot]@users.noreply.github.com',
    });
    for (const bad of ['jane@example.com', '<jane@example.com>', 'Jane <>', 'Jane <a b@c>', 'Jane <jane@example.com> extra']) {
      expect(() => gitIdentity(bad), bad).toThrow(InputProblem);
    }
  });

  it('reads a whole number in a range', () => {
    expect(numberBetween(0, 9)('0')).toBe(0);
    expect(numberBetween(0, 9)('9')).toBe(9);
    for (const bad of ['10', '-1', '1.5', 'max']) expect(() => numberBetween(0, 9)(bad), bad).toThrow('a whole number from 0 to 9');
  });

  it('takes a template whose placeholders are known, and leaves other braces alone', () => {
    const parse = template(['drift', 'run-url']);
    expect(parse('{drift}\n\nSee {run-url}. {"json": true} {Capital} { spaced }')).toBe('{drift}\n\nSee {run-url}. {"json": true} {Capital} { spaced }');
    expect(() => parse('{drfit} and {other}')).toThrow('a text whose placeholders are among {drift}, {run-url} (unknown: {drfit}, {other})');
    try {
      parse('{drfit}');
    } catch (error) {
      expect((error as InputProblem).hint).toBe('; did you mean {drift}?');
    }
  });
});

describe('the publish inputs in Config', () => {
  it('are empty or as actions/upload-artifact has them by default', () => {
    expect(load({})).toMatchObject({
      author: undefined,
      committer: undefined,
      teamReviewers: [],
      milestone: undefined,
      prBody: undefined,
      prTitle: 'Refresh HTTP cassettes',
      signCommits: false,
      compressionLevel: 6,
      ifNoFilesFound: 'warn',
      retentionDays: undefined,
    });
  });

  it('are read as given', () => {
    const config = load({
      author: 'Jane Doe <jane@example.com>',
      committer: 'Build Bot <bot@example.com>',
      'team-reviewers': 'api-team, qa',
      milestone: '7',
      'pr-title': 'Cassettes: {changed-count} changed',
      'pr-body': '{drift}\n{failed}\nRun: {run-url}',
      publish: 'pull-request',
      'compression-level': '0',
      'if-no-files-found': 'error',
      'retention-days': '3',
    });
    expect(config).toMatchObject({
      author: { name: 'Jane Doe', email: 'jane@example.com' },
      committer: { name: 'Build Bot', email: 'bot@example.com' },
      teamReviewers: ['api-team', 'qa'],
      milestone: 7,
      prTitle: 'Cassettes: {changed-count} changed',
      prBody: '{drift}\n{failed}\nRun: {run-url}',
      compressionLevel: 0,
      ifNoFilesFound: 'error',
      retentionDays: 3,
    });
  });

  it('name the input and what was expected when a value is wrong', () => {
    const problems = problemsOf({
      author: 'jane@example.com',
      committer: 'Bot',
      milestone: 'v2',
      'pr-body': 'Changes: {drfit}',
      'pr-title': 'Refresh {drift}',
      'compression-level': '11',
      'if-no-files-found': 'fail',
      'sign-commits': 'sure',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^input 'pr-title': expected a text whose placeholders are among \{changed-count\}, \{failed-count\}, \{headline\}, \{run-url\} \(unknown: \{drift\}\), got "Refresh \{drift\}"$/),
      expect.stringMatching(/^input 'pr-body': expected a text whose placeholders are among .*\(unknown: \{drfit\}\), got "Changes: \{drfit\}"; did you mean \{drift\}\?$/),
      "input 'milestone': expected a whole number >= 1, got \"v2\"",
      expect.stringMatching(/^input 'author': expected Name <email>, such as: Jane Doe <jane@example.com>.*, got "jane@example.com"$/),
      expect.stringMatching(/^input 'committer': expected Name <email>.*, got "Bot"$/),
      "input 'sign-commits': expected true or false, got \"sure\"",
      "input 'compression-level': expected a whole number from 0 to 9, got \"11\"",
      'input \'if-no-files-found\': expected one of warn, error, ignore, got "fail"',
    ]);
  });

  it('spell the CLI flag in the message on the CLI', () => {
    expect(problemsOf({ 'compression-level': 'x' }, 'cli')).toEqual(['--compression-level: expected a whole number from 0 to 9, got "x"']);
  });

  it('refuse sign-commits with publish: commit, and a committer with sign-commits', () => {
    expect(load({ 'sign-commits': 'true', publish: 'pull-request', author: 'Jane <jane@example.com>' }).signCommits).toBe(true);
    expect(problemsOf({ 'sign-commits': 'true', publish: 'commit', committer: 'Bot <bot@example.com>' })).toEqual([
      expect.stringMatching(/^input 'sign-commits': signs the commit of publish: pull-request, .*publish: commit pushes with git/),
      expect.stringMatching(/^input 'committer': not with sign-commits: GitHub commits \(and signs\) as the token's owner/),
    ]);
  });
});
