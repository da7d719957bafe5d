// Inputs -> one immutable Config, parsed once. Every problem is collected and thrown together.
import path from 'node:path';
import { detectionClues, plainText } from '../frameworks/docs.js';
import { detectFramework, FRAMEWORK_NAMES, presetNamed, reservedByAPreset } from '../frameworks/registry.js';
import type { FrameworkPreset } from '../frameworks/preset.js';
import type { ProjectFiles } from '../frameworks/shared/project-files.js';
import { ConfigError } from './errors.js';
import { INPUTS, type IfNoFilesFound, type InputName, type InputValues, type FailureSource, type LeakAction, type Mode, type PublishMode, type Severity, type Step, type VerifyMode, type WarmMode, type CollectMode } from './inputs.js';
import { InputProblem, list, type GitIdentity, type HostMapping, type Shard } from './parsers.js';
import { readRunnerContext, type RunnerContext } from './runner-context.js';

export interface Config {
  step: Step;
  mode: Mode;
  priorityPatterns: readonly string[];
  framework: FrameworkPreset;
  /** What detection found the framework by (`tests/conftest.py`); undefined when `framework` was given. */
  frameworkEvidence: string | undefined;
  /** Absolute. Every other path below is relative to it, with forward slashes. */
  workingDirectory: string;
  /** The runner's variables and the environment child processes inherit, read once. */
  runner: RunnerContext;
  testDir: string;
  testPattern: string;
  cassetteDir: string;
  cassetteFunctions: readonly string[];
  command: readonly string[];
  workers: number;
  batchSize: number;
  batchDelayMs: number;
  /** Requests per second for the whole run (before sharding), or undefined: adaptive only. */
  rateLimit: number | undefined;
  rateLimitWaitMs: number;
  timeoutMs: number;
  retries: number;
  verify: VerifyMode;
  warm: WarmMode;
  collect: CollectMode;
  /** For custom: how to run one file replaying only; empty when not given. */
  replayCommand: readonly string[];
  apiKey: string | undefined;
  apiKeyEnv: string | undefined;
  failureLog: string;
  shard: Shard;
  dryRun: boolean;
  maxAgeMs: number;
  volatileHeaders: readonly string[];
  volatileFields: readonly string[];
  volatilePaths: readonly string[];
  learnNoise: boolean;
  poisonStatuses: readonly string[];
  /** Values that must never be written anywhere: the key and `extra-secrets`. */
  extraSecrets: readonly string[];
  recordHostMap: readonly HostMapping[];
  onLeak: LeakAction;
  placeholder: string;
  failOn: Severity;
  publish: PublishMode;
  branch: string;
  base: string | undefined;
  /** A template (placeholders checked): PR_TITLE_PLACEHOLDERS. */
  prTitle: string;
  /** A template (PR_BODY_PLACEHOLDERS); undefined: rerecord's own body. */
  prBody: string | undefined;
  prLabels: readonly string[];
  draft: boolean;
  reviewers: readonly string[];
  teamReviewers: readonly string[];
  milestone: number | undefined;
  assignees: readonly string[];
  keepPullRequestOpen: boolean;
  deleteBranch: boolean;
  /** A PAT or App token for pushing and the pull request (CI runs on what it opens); undefined: githubToken. */
  publishToken: string | undefined;
  commitMessage: string;
  /** Who the commit names; undefined: git's configured identity, else the Actions bot. */
  author: GitIdentity | undefined;
  committer: GitIdentity | undefined;
  /** The pull-request branch's commit made through the GitHub API, so GitHub signs it. */
  signCommits: boolean;
  githubToken: string | undefined;
  artifactName: string;
  retentionDays: number | undefined;
  /** Zip compression of `publish: artifact`, 0-9. */
  compressionLevel: number;
  ifNoFilesFound: IfNoFilesFound;
  failuresFrom: FailureSource;
}

/** Where raw input strings come from: the action's INPUT_* variables or the CLI's flags. */
export interface InputSource {
  surface: 'action' | 'cli';
  read(name: InputName): string | undefined;
  /** How the user spells the input here, for error messages: `input 'workers'` or `--workers`. */
  label(name: InputName): string;
}

export function parseInputs(source: InputSource): { values: InputValues; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(INPUTS) as [InputName, (typeof INPUTS)[InputName]][]) {
    // The source decides what it offers: the CLI has no flag for the key, but spells `step` as a subcommand.
    const raw = source.read(name)?.trim() || spec.default;
    try {
      values[name] = spec.parse(raw);
    } catch (error) {
      if (!(error instanceof InputProblem)) throw error;
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      problems.push(`${source.label(name)}: expected ${error.message}, got ${shown}${error.hint}`);
      // Go on with the default, so the remaining checks still run and report their own problems.
      values[name] = spec.parse(spec.default);
    }
  }
  return { values: values as InputValues, problems };
}

export interface Environment {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Opens the project at an absolute path, or undefined when it is not a folder. */
  openProject(absoluteDirectory: string): ProjectFiles | undefined;
}

/** Parse, resolve against the project on disk, validate across inputs; throws ConfigError listing every problem. */
export function loadConfig(source: InputSource, environment: Environment): Config {
  const { values, problems } = parseInputs(source);
  const label = source.label;
  const workingDirectory = path.resolve(environment.cwd, values['working-directory']);
  const relativePath = (value: string) => relativeTo(workingDirectory, value);
  const project = environment.openProject(workingDirectory);
  if (!project) problems.push(`${label('working-directory')}: expected an existing folder, got ${JSON.stringify(workingDirectory)}`);

  const detected = values.framework || !project ? undefined : detectFramework(project);
  const framework = values.framework ? presetNamed(values.framework) : detected?.preset;
  if (!framework && project) {
    problems.push(`${label('framework')}: could not detect the framework in ${workingDirectory} (found none of what each preset looks for: ${detectionClues()}); set it to one of ${FRAMEWORK_NAMES.join(', ')}`);
  }
  const testDir = relativePath(values['test-dir'] || framework?.defaultTestDir || 'test');
  if (project && framework && !project.isDirectory(testDir)) {
    problems.push(`${label('test-dir')}: expected a folder of test files, but ${JSON.stringify(testDir)} does not exist in ${workingDirectory}`);
  }
  const cassetteDirGiven = values['cassette-dir'] && relativePath(values['cassette-dir']);
  if (project && cassetteDirGiven && !cassetteDirGiven.startsWith('..') && !project.isDirectory(cassetteDirGiven)) {
    // Given by hand and missing is a typo far more often than a first recording: say so before any test runs.
    problems.push(`${label('cassette-dir')}: expected an existing folder of cassettes, but ${JSON.stringify(cassetteDirGiven)} does not exist in ${workingDirectory}; check the spelling, or create it (mkdir -p ${cassetteDirGiven}) if the library is to record there for the first time`);
  }
  const command = values.command.length > 0 ? values.command : (framework?.defaultCommand ?? []);
  problems.push(...commandProblems(framework, Boolean(source.read('command')?.trim()), label));

  const apiKeyEnv = values['api-key-env'];
  const apiKey = (source.surface === 'action' ? values['api-key'] : undefined) || (apiKeyEnv ? environment.env[apiKeyEnv] : undefined) || undefined;
  problems.push(...keyProblems(source, values, apiKey, label));

  problems.push(...publishInputProblems(values, label));
  problems.push(...boundsProblems(label, { 'test-dir': testDir, 'cassette-dir': values['cassette-dir'] && relativePath(values['cassette-dir']), 'failure-log': relativePath(values['failure-log']) }, workingDirectory));
  if (problems.length > 0 || !framework || !project) throw new ConfigError(problems);
  // The preset as the project's helpers configure it (R: vcr_configure's folder and serializer) and the user's settings (custom: cassette-path).
  const preset = framework.configure?.(project, testDir, { cassetteDirGiven: Boolean(values['cassette-dir']), cassettePath: values['cassette-path'] }) ?? framework;
  return Object.freeze({
    step: values.step,
    mode: values.mode,
    priorityPatterns: Object.freeze(values['priority-patterns']),
    framework: preset,
    frameworkEvidence: detected?.evidence,
    workingDirectory,
    runner: readRunnerContext(environment.env, environment.cwd),
    testDir,
    testPattern: values['test-pattern'] || preset.defaultTestPattern,
    cassetteDir: relativePath(values['cassette-dir'] || preset.defaultCassetteDir(project, testDir)),
    cassetteFunctions: Object.freeze(values['cassette-functions']),
    command: Object.freeze([...command]),
    workers: values.workers,
    batchSize: values['batch-size'],
    batchDelayMs: values['batch-delay'],
    rateLimit: values['rate-limit'],
    rateLimitWaitMs: values['rate-limit-wait'],
    timeoutMs: values.timeout,
    retries: values.retries,
    verify: values.verify,
    warm: values.warm,
    collect: values.collect,
    replayCommand: Object.freeze([...values['replay-command']]),
    apiKey,
    apiKeyEnv,
    failureLog: relativePath(values['failure-log']),
    shard: values.shard,
    dryRun: values['dry-run'] || values.step !== 'run',
    maxAgeMs: values['max-age'],
    volatileHeaders: Object.freeze(values['volatile-headers']),
    volatileFields: Object.freeze(values['volatile-fields']),
    volatilePaths: Object.freeze(values['volatile-paths']),
    learnNoise: values['learn-noise'],
    poisonStatuses: Object.freeze(values['poison-statuses']),
    extraSecrets: Object.freeze(source.surface === 'action' ? values['extra-secrets'] : list(environment.env.RERECORD_EXTRA_SECRETS ?? '')),
    recordHostMap: Object.freeze(values['record-host-map']),
    onLeak: values['on-leak'],
    placeholder: values.placeholder,
    failOn: values['fail-on'],
    publish: values.publish,
    branch: values.branch,
    base: values.base || undefined,
    prTitle: values['pr-title'],
    prBody: values['pr-body'] || undefined,
    prLabels: Object.freeze(values['pr-labels']),
    draft: values.draft,
    reviewers: Object.freeze(values.reviewers),
    teamReviewers: Object.freeze(values['team-reviewers']),
    milestone: values.milestone,
    assignees: Object.freeze(values.assignees),
    keepPullRequestOpen: values['keep-pull-request-open'],
    deleteBranch: values['delete-branch'],
    publishToken: (source.surface === 'action' ? values.token : environment.env.RERECORD_TOKEN) || undefined,
    commitMessage: values['commit-message'],
    author: values.author,
    committer: values.committer,
    signCommits: values['sign-commits'],
    // The action's default is the expression `${{ github.token }}`, which only the runner expands.
    githubToken: (source.surface === 'action' && !values['github-token'].startsWith('${{') ? values['github-token'] : undefined) || environment.env.GITHUB_TOKEN || undefined,
    artifactName: values['artifact-name'],
    retentionDays: values['retention-days'],
    compressionLevel: values['compression-level'],
    ifNoFilesFound: values['if-no-files-found'],
    failuresFrom: values['failures-from'],
  });
}

function commandProblems(framework: FrameworkPreset | undefined, given: boolean, label: InputSource['label']): string[] {
  if (framework?.commandUse === 'required' && !given) {
    return [`${label('command')}: framework ${framework.name} needs a command with {file}, such as: go test ./... -run {file}`];
  }
  if (framework?.commandUse === 'unused' && given) {
    return [`${label('command')}: not used by framework ${framework.name} (rerecord runs each file with its own runner: ${plainText(framework.docs.hookLoadedBy ?? 'none')}); remove it`];
  }
  return [];
}

/**
 * Variables every process depends on: a key written into one of them would break every test
 * process (PATH), load code from it (LD_PRELOAD), or switch a hook off. Each preset adds its
 * runtime's (NODE_OPTIONS, PYTHONPATH, RUBYOPT, R_LIBS...): reservedByAPreset.
 */
const RESERVED_VARIABLES = /^(PATH|HOME|SHELL|USER|LOGNAME|PWD|TMPDIR|TMP|TEMP|LANG|LC_\w+|TZ|IFS|ENV|BASH_ENV|CDPATH|LD_\w+|DYLD_\w+|RERECORD_\w+|GITHUB_\w+|RUNNER_\w+|ACTIONS_\w+|INPUT_\w+|CI|HTTPS?_PROXY|NO_PROXY|ALL_PROXY|https?_proxy|no_proxy|all_proxy|VCR_\w+|GIT_\w+|SSL_CERT_\w+|CURL_CA_BUNDLE)$/;

/** The folders and files rerecord writes or reads by path must lie inside the working directory, outside .git/. */
function boundsProblems(label: InputSource['label'], paths: Partial<Record<InputName, string>>, workingDirectory: string): string[] {
  const problems: string[] = [];
  for (const [name, relative] of Object.entries(paths) as [InputName, string | undefined][]) {
    if (!relative) continue;
    if (relative === '..' || relative.startsWith('../') || path.isAbsolute(relative)) {
      problems.push(`${label(name)}: expected a path inside the working directory ${workingDirectory}, got ${JSON.stringify(relative)}`);
    } else if (relative === '.git' || relative.startsWith('.git/')) {
      problems.push(`${label(name)}: expected a path outside git's own folder .git/, got ${JSON.stringify(relative)}`);
    }
  }
  return problems;
}

/** Inputs that only make sense together: said before anything runs. */
function publishInputProblems(values: InputValues, label: InputSource['label']): string[] {
  if (!values['sign-commits']) return [];
  const problems: string[] = [];
  if (values.publish === 'commit') {
    problems.push(`${label('sign-commits')}: signs the commit of publish: pull-request, made through the GitHub API; publish: commit pushes with git, which GitHub cannot sign. Use publish: pull-request, or sign-commits: false`);
  }
  if (values.committer) {
    problems.push(`${label('committer')}: not with sign-commits: GitHub commits (and signs) as the token's owner; set author instead, or sign-commits: false`);
  }
  return problems;
}

function keyProblems(source: InputSource, values: InputValues, apiKey: string | undefined, label: InputSource['label']): string[] {
  const apiKeyEnv = values['api-key-env'];
  if (apiKeyEnv && (RESERVED_VARIABLES.test(apiKeyEnv) || reservedByAPreset(apiKeyEnv))) {
    return [`${label('api-key-env')}: expected the name of the variable your tests read the key from, got ${apiKeyEnv}, which the test runtime or rerecord's record hooks depend on; the key would overwrite it in every test process. Use a name of your own, such as MYAPI_KEY`];
  }
  const needsKey = values.step === 'run' && !values['dry-run'];
  if (source.surface === 'action' && values['api-key'] && !apiKeyEnv) {
    return [`${label('api-key-env')}: needed with api-key: the name of the environment variable your tests read the key from`];
  }
  if (apiKeyEnv && !apiKey && needsKey) {
    const where = source.surface === 'action' ? `set ${label('api-key')} from a secret, or export ${apiKeyEnv}` : `export ${apiKeyEnv}`;
    return [`${label('api-key-env')}: names ${apiKeyEnv}, but no key was given (${where}); refusing to re-record without it`];
  }
  return [];
}

/** Inputs may be absolute or use either slash; plans and logs use forward slashes relative to the working directory. */
function relativeTo(workingDirectory: string, value: string): string {
  const relative = path.relative(workingDirectory, path.resolve(workingDirectory, value.replaceAll('\\', '/')));
  return relative === '' ? '.' : relative.split(path.sep).join('/');
}
