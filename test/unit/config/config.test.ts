import { describe, expect, it } from 'vitest';
import { loadConfig, type InputSource } from '../../../src/config/config.js';
import { ConfigError } from '../../../src/config/errors.js';
import type { InputName } from '../../../src/config/inputs.js';
import { memoryProject } from './memory-project.js';

const R_PROJECT = memoryProject({
  'tests/testthat/test-a.R': 'use_cassette("a", {})',
  'tests/testthat/helper-vcr.R': 'vcr::vcr_configure(\n  dir = "../cassettes"\n)',
});
const NODE_PROJECT = memoryProject({ 'package.json': '{"devDependencies": {"nock": "14"}}', 'test/a.test.js': '' });

function source(values: Partial<Record<InputName, string>>, surface: 'action' | 'cli' = 'cli'): InputSource {
  return { surface, read: (name) => values[name], label: (name) => (surface === 'cli' ? `--${name}` : `input '${name}'`) };
}

function load(values: Partial<Record<InputName, string>>, options: { project?: ReturnType<typeof memoryProject>; env?: Record<string, string>; surface?: 'action' | 'cli' } = {}) {
  return loadConfig(source(values, options.surface), {
    cwd: '/work/pkg',
    env: options.env ?? {},
    openProject: (dir) => (dir === '/work/pkg' ? (options.project ?? R_PROJECT) : undefined),
  });
}

function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('detects testthat and reads the cassette dir from vcr_configure in a helper', () => {
    const config = load({});
    expect(config.framework.name).toBe('testthat');
    expect(config).toMatchObject({
      mode: 'all',
      testDir: 'tests/testthat',
      testPattern: 'test*.[rR]',
      cassetteDir: 'tests/cassettes',
      workers: 8,
      batchSize: 20,
      batchDelayMs: 0,
      rateLimit: undefined,
      rateLimitWaitMs: 600_000,
      timeoutMs: 600_000,
      retries: 1,
      failureLog: '.rerecord/failures.txt',
      shard: { index: 1, count: 1 },
      dryRun: false,
      workingDirectory: '/work/pkg',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('detects node from nock in package.json and uses node --test', () => {
    const config = load({}, { project: NODE_PROJECT });
    expect(config.framework.name).toBe('node');
    expect(config.command).toEqual(['node', '--test', '{file}']);
    expect(config.cassetteDir).toBe('test/fixtures');
  });

  it('parses durations, lists, shards and booleans', () => {
    const config = load({ 'batch-delay': '250ms', timeout: '2m', 'priority-patterns': 'auth, users\n*-slow.R', shard: '2/3', 'dry-run': 'true', workers: '3', 'rate-limit': '600/m', 'rate-limit-wait': '90s' });
    expect(config).toMatchObject({ batchDelayMs: 250, rateLimit: 10, rateLimitWaitMs: 90_000, timeoutMs: 120_000, priorityPatterns: ['auth', 'users', '*-slow.R'], shard: { index: 2, count: 3 }, dryRun: true, workers: 3 });
  });

  it('plan implies a dry run', () => {
    expect(load({ step: 'plan' }, { surface: 'action' }).dryRun).toBe(true);
  });
});

describe('loadConfig: every bad input is reported at once, named, with the expected form', () => {
  const cases: Array<[string, Partial<Record<InputName, string>>, RegExp]> = [
    ['mode', { mode: 'some' }, /^--mode: expected one of all, priority, failures, missing, stale, got "some"$/],
    ['framework', { framework: 'jest' }, /^--framework: expected one of testthat, polly, node, pytest, rspec, custom/],
    ['workers zero', { workers: '0' }, /^--workers: expected a whole number >= 1, got "0"$/],
    ['workers text', { workers: 'many' }, /^--workers: expected a whole number >= 1/],
    ['batch-size', { 'batch-size': '-3' }, /^--batch-size: expected a whole number >= 1/],
    ['batch-delay', { 'batch-delay': 'soon' }, /^--batch-delay: expected a duration such as 500ms/],
    ['timeout', { timeout: '10 minutes' }, /^--timeout: expected a duration/],
    ['retries', { retries: '1.5' }, /^--retries: expected a whole number >= 0/],
    ['rate-limit', { 'rate-limit': '10 per second' }, /^--rate-limit: expected a request rate such as 10\/s, 600\/m or 36000\/h/],
    ['rate-limit-wait', { 'rate-limit-wait': 'long' }, /^--rate-limit-wait: expected a duration/],
    ['shard over', { shard: '5/4' }, /^--shard: expected i\/n with 1 <= i <= n/],
    ['shard zero', { shard: '0/4' }, /^--shard: expected i\/n/],
    ['shard text', { shard: 'first' }, /^--shard: expected i\/n/],
    ['dry-run', { 'dry-run': 'maybe' }, /^--dry-run: expected true or false/],
    ['api-key-env', { 'api-key-env': 'MY-KEY' }, /^--api-key-env: expected an environment variable name/],
    ['command quotes', { framework: 'custom', command: 'go test "{file}', 'test-dir': 'tests/testthat' }, /^--command: expected a command with balanced quotes/],
    ['command without file', { framework: 'node', command: 'npm test', 'test-dir': 'tests/testthat' }, /^--command: expected a command that contains \{file\}/],
    ['custom without command', { framework: 'custom', 'test-dir': 'tests/testthat' }, /^--command: framework custom needs a command/],
    ['command with testthat', { command: 'Rscript {file}' }, /^--command: not used by framework testthat/],
    ['missing test dir', { 'test-dir': 'spec' }, /^--test-dir: expected a folder of test files, but "spec" does not exist/],
    ['missing cassette dir', { 'cassette-dir': 'tests/fixturs' }, /^--cassette-dir: expected an existing folder of cassettes, but "tests\/fixturs" does not exist in \/work\/pkg; check the spelling, or create it \(mkdir -p tests\/fixturs\)/],
    ['key env unset', { 'api-key-env': 'MY_KEY' }, /^--api-key-env: names MY_KEY, but no key was given \(export MY_KEY\)/],
  ];
  it.each(cases)('%s', (_name, values, expected) => {
    const problems = problemsOf(() => load(values));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('collects several problems in one error', () => {
    const problems = problemsOf(() => load({ workers: 'x', mode: 'y', shard: '9/2', timeout: '-' }));
    expect(problems.map((p) => p.split(':')[0])).toEqual(['--mode', '--workers', '--timeout', '--shard']);
  });

  it('reports a missing working directory', () => {
    expect(problemsOf(() => load({ 'working-directory': '../elsewhere' }))).toEqual(['--working-directory: expected an existing folder, got "/work/elsewhere"']);
  });

  it('says when the framework cannot be detected', () => {
    expect(problemsOf(() => load({}, { project: memoryProject({ 'README.md': '' }) }))[0]).toMatch(/could not detect the framework/);
  });

  it('names action inputs the way a workflow spells them and never shows the key', () => {
    const problems = problemsOf(() => load({ 'api-key': 'sekret-value-1', workers: 'x' }, { surface: 'action' }));
    expect(problems).toContain("input 'api-key-env': needed with api-key: the name of the environment variable your tests read the key from");
    expect(problems.join('\n')).not.toContain('sekret-value-1');
  });
});

describe('the API key', () => {
  it('comes from the variable named by api-key-env on the CLI', () => {
    expect(load({ 'api-key-env': 'MY_KEY' }, { env: { MY_KEY: 'k-123456' } }).apiKey).toBe('k-123456');
  });
  it('comes from the api-key input in the action', () => {
    expect(load({ 'api-key': 'k-abcdef', 'api-key-env': 'MY_KEY' }, { surface: 'action' }).apiKey).toBe('k-abcdef');
  });
  it('is ignored as a CLI value even if a source offers one', () => {
    expect(load({ 'api-key': 'from-flag' }).apiKey).toBeUndefined();
  });
  it('is not required for a dry run', () => {
    expect(load({ 'api-key-env': 'MY_KEY', 'dry-run': 'true' }).apiKey).toBeUndefined();
  });
});
