import { describe, expect, it } from 'vitest';
import { readRunnerContext, runUrl } from '../../../src/config/runner-context.js';

describe('readRunnerContext', () => {
  it("takes a pull request's head branch, and a pushed branch, for the event's branch", () => {
    expect(readRunnerContext({ GITHUB_HEAD_REF: 'feature', GITHUB_REF: 'refs/pull/7/merge', GITHUB_REF_NAME: '7/merge' }, '/w').eventBranch).toBe('feature');
    expect(readRunnerContext({ GITHUB_REF: 'refs/heads/main', GITHUB_REF_NAME: 'main' }, '/w').eventBranch).toBe('main');
  });

  it('never takes a tag for a branch', () => {
    expect(readRunnerContext({ GITHUB_REF: 'refs/tags/v1.2.0', GITHUB_REF_NAME: 'v1.2.0' }, '/w').eventBranch).toBeUndefined();
  });

  it('off a runner: github.com, the system temp folder, the current folder, no summary, artifacts unavailable', () => {
    const runner = readRunnerContext({}, '/home/me/project');
    expect(runner).toMatchObject({ repository: undefined, serverUrl: 'https://github.com', apiUrl: 'https://api.github.com', workspace: '/home/me/project', summaryPath: undefined });
    expect(runner.missingArtifactVariables).toEqual(['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL']);
    expect(runUrl(runner)).toBeUndefined();
  });

  it('on a runner: the run page without a doubled slash, RUNNER_TEMP, GITHUB_WORKSPACE, artifacts available', () => {
    const runner = readRunnerContext(
      {
        GITHUB_SERVER_URL: 'https://ghe.example.com/',
        GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
        GITHUB_REPOSITORY: 'octo/api',
        GITHUB_RUN_ID: '42',
        RUNNER_TEMP: '/runner/tmp',
        GITHUB_WORKSPACE: '/runner/work/api',
        GITHUB_STEP_SUMMARY: '/runner/summary.md',
        ACTIONS_RUNTIME_TOKEN: 't',
        ACTIONS_RESULTS_URL: 'https://results.example/',
      },
      '/elsewhere',
    );
    expect(runUrl(runner)).toBe('https://ghe.example.com/octo/api/actions/runs/42');
    expect(runner).toMatchObject({ apiUrl: 'https://ghe.example.com/api/v3', tempDir: '/runner/tmp', workspace: '/runner/work/api', summaryPath: '/runner/summary.md', missingArtifactVariables: [] });
  });

  it('keeps a copy of the environment it was given: later changes to the original do not leak in', () => {
    const env: Record<string, string | undefined> = { PATH: '/bin' };
    const runner = readRunnerContext(env, '/w');
    env.PATH = '/changed';
    expect(runner.inherited.PATH).toBe('/bin');
  });
});
