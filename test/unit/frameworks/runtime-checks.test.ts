import { describe, expect, it } from 'vitest';
import { presetNamed, type FrameworkName } from '../../../src/frameworks/registry.js';

const preflightCheck = (framework: FrameworkName, command: readonly string[]) => presetNamed(framework).runtimeCheck?.(command);

describe("each preset's runtimeCheck (the pre-flight)", () => {
  it('asks the Python the command runs, with its own options, to import vcr', () => {
    expect(preflightCheck('pytest', ['python3', '-m', 'pytest', '{file}'])).toMatchObject({ command: 'python3', args: ['-c', 'import vcr; import pytest'] });
    expect(preflightCheck('pytest', ['uv', 'run', '/opt/py/bin/python3.12', '-I', '-m', 'pytest', '{file}'])).toMatchObject({
      command: 'uv',
      args: ['run', '/opt/py/bin/python3.12', '-I', '-c', 'import vcr; import pytest'],
    });
    expect(preflightCheck('pytest', ['pytest', '{file}'])).toMatchObject({ command: 'python3' });
  });
  it('loads vcr in R, and the gem through bundler when the command uses it', () => {
    expect(preflightCheck('testthat', [])).toMatchObject({ command: 'Rscript', args: ['--vanilla', '-e', 'library(testthat); library(vcr)'] });
    expect(preflightCheck('rspec', ['bundle', 'exec', 'rspec', '{file}'])).toMatchObject({ command: 'bundle', args: ['exec', 'ruby', '-e', 'require "vcr"'] });
    expect(preflightCheck('rspec', ['rspec', '{file}'])).toMatchObject({ command: 'ruby', args: ['-e', 'require "vcr"'] });
  });
  it('resolves the mocking library from the project with the node the command runs', () => {
    expect(preflightCheck('node', ['/opt/node22/bin/node', '--test', '{file}'])).toMatchObject({ command: '/opt/node22/bin/node', what: 'nock from the project with /opt/node22/bin/node' });
    expect(preflightCheck('polly', ['npx', 'mocha', '{file}'])!.args[1]).toContain('"@pollyjs/core"');
  });
  it('has nothing to check for a custom command', () => {
    expect(preflightCheck('custom', ['go', 'test', '{file}'])).toBeUndefined();
  });
});
