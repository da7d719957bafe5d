// What rerecord learns from the environment it was started in, read once here so no other module
// reads process.env: the GitHub Actions runner's variables (or their absence on a laptop) and the
// environment child processes inherit.
import os from 'node:os';
import type { InheritedEnvironment } from '../frameworks/preset.js';

export type { InheritedEnvironment };

export interface RunnerContext {
  /** What test processes, runtime checks and git start from (rerecord adds to it, never reads secrets from it here). */
  inherited: InheritedEnvironment;
  /** `owner/name` from GITHUB_REPOSITORY; undefined off a runner unless exported. */
  repository: string | undefined;
  serverUrl: string;
  apiUrl: string;
  runId: string | undefined;
  /** GITHUB_WORKFLOW_REF: `owner/name/.github/workflows/x.yml@refs/heads/main`. */
  workflowRef: string | undefined;
  /**
   * The branch the event ran on: a pull request's head branch, or a pushed branch. Undefined for a
   * tag push or off a runner, where only git can say what is checked out.
   */
  eventBranch: string | undefined;
  /** RUNNER_TEMP, else the system's temporary folder. */
  tempDir: string;
  /** GITHUB_WORKSPACE, which annotation paths are relative to; else the current folder. */
  workspace: string;
  /** GITHUB_STEP_SUMMARY; undefined off a runner. */
  summaryPath: string | undefined;
  /** The variables the artifact service needs that are not set (none on a runner). */
  missingArtifactVariables: string[];
}

const ARTIFACT_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const;

export function readRunnerContext(env: InheritedEnvironment, cwd: string): RunnerContext {
  const set = (name: string) => env[name] || undefined;
  return {
    inherited: Object.freeze({ ...env }),
    repository: set('GITHUB_REPOSITORY'),
    serverUrl: (set('GITHUB_SERVER_URL') ?? 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (set('GITHUB_API_URL') ?? 'https://api.github.com').replace(/\/+$/, ''),
    runId: set('GITHUB_RUN_ID'),
    workflowRef: set('GITHUB_WORKFLOW_REF'),
    eventBranch: eventBranch(env),
    tempDir: set('RUNNER_TEMP') ?? os.tmpdir(),
    workspace: set('GITHUB_WORKSPACE') ?? cwd,
    summaryPath: set('GITHUB_STEP_SUMMARY'),
    missingArtifactVariables: ARTIFACT_VARIABLES.filter((name) => !set(name)),
  };
}

/** GITHUB_REF_NAME names a tag on a tag push: only `refs/heads/` refs are branches. */
function eventBranch(env: InheritedEnvironment): string | undefined {
  if (env.GITHUB_HEAD_REF) return env.GITHUB_HEAD_REF;
  if (env.GITHUB_REF?.startsWith('refs/heads/')) return env.GITHUB_REF_NAME || env.GITHUB_REF.slice('refs/heads/'.length);
  return undefined;
}

/** This workflow run's page, on a runner. */
export function runUrl(runner: RunnerContext): string | undefined {
  return runner.repository && runner.runId ? `${runner.serverUrl}/${runner.repository}/actions/runs/${runner.runId}` : undefined;
}
