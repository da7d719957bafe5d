// The one table of inputs. action.yml, the CLI flags and help, and the README's input table
// are all checked against (or generated from) this file: change an input here and only here.
import {
  boolean,
  commandTemplate,
  duration,
  hostMap,
  environmentVariableName,
  gitIdentity,
  list,
  numberBetween,
  template,
  volatileFields,
  volatilePaths,
  nameTemplate,
  oneOf,
  statusList,
  optional,
  requestRate,
  shard,
  text,
  wholeNumber,
  type Parser,
} from './parsers.js';
import { codeSpan, detectionClues, frameworkChoices, perPreset, presetsWhere } from '../frameworks/docs.js';
// The framework presets, their names, defaults and docs, are declared in the registry (src/frameworks).
import { FRAMEWORK_NAMES } from '../frameworks/registry.js';

export const STEPS = ['run', 'plan', 'audit', 'publish'] as const;
export const PUBLISH_MODES = ['none', 'commit', 'pull-request', 'artifact'] as const;
export const FAILURE_SOURCES = ['file', 'artifact'] as const;
export const MODES = ['all', 'priority', 'failures', 'missing', 'stale'] as const;
export const LEAK_ACTIONS = ['fail', 'redact'] as const;
export const SEVERITIES = ['error', 'warning', 'notice', 'never'] as const;
export const VERIFY_MODES = ['replay', 'none'] as const;
export const WARM_MODES = ['auto', 'on', 'off'] as const;
export const COLLECT_MODES = ['auto', 'off'] as const;
export const IF_NO_FILES_FOUND = ['warn', 'error', 'ignore'] as const;
/** What a pull request's title may say: one line each. */
export const PR_TITLE_PLACEHOLDERS = ['changed-count', 'failed-count', 'headline', 'run-url'] as const;
/** What its body may say: the title's, and the drift report and the list of files not re-recorded. */
export const PR_BODY_PLACEHOLDERS = [...PR_TITLE_PLACEHOLDERS, 'drift', 'failed'] as const;

export type Step = (typeof STEPS)[number];
export type Mode = (typeof MODES)[number];
export type LeakAction = (typeof LEAK_ACTIONS)[number];
export type Severity = (typeof SEVERITIES)[number];
export type PublishMode = (typeof PUBLISH_MODES)[number];
export type FailureSource = (typeof FAILURE_SOURCES)[number];
export type VerifyMode = (typeof VERIFY_MODES)[number];
export type WarmMode = (typeof WARM_MODES)[number];
export type CollectMode = (typeof COLLECT_MODES)[number];
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND)[number];
export type PrBodyPlaceholder = (typeof PR_BODY_PLACEHOLDERS)[number];

export interface InputSpec<T> {
  description: string;
  /** As written in action.yml; '' means "none" (or "the framework's", where the description says so). */
  default: string;
  parse: Parser<T>;
  /** Where a user can set it. The key never gets a CLI flag: it would land in shell history and `ps`. */
  surface: 'both' | 'action';
  secret?: boolean;
}

function input<T>(spec: InputSpec<T>): InputSpec<T> {
  return spec;
}

export const INPUTS = {
  step: input({
    description:
      'What to do: `run` re-records; `plan` only prints what `run` would do; `audit` checks cassette health without running a test or needing a key; `publish` (a final job after a matrix of shards) merges every shard\'s results and publishes them once. The CLI spells these as subcommands.',
    default: 'run',
    parse: oneOf(STEPS),
    surface: 'action',
  }),
  mode: input({
    description:
      'Which test files to re-record: `all`; `priority` (files matching `priority-patterns`, in pattern order); `failures` (files listed in `failure-log` by the last run); `missing` (files that use a cassette not recorded yet, among those they are expected to write: not one a mark spread over a whole module or group predicts, nor one absent after the file last passed); `stale` (files whose oldest recording is older than `max-age`).',
    default: 'all',
    parse: oneOf(MODES),
    surface: 'both',
  }),
  'priority-patterns': input({
    description:
      'For `mode: priority`: file-name patterns, comma- or newline-separated, each read as one of three kinds. A regular expression when written `/.../` (flags such as `/chem/i` allowed) or when it looks like one (it has `^`, `\\`, `(`, `|` or a closing dollar sign, or `[` without `*` or `?`), searched in the file name and in the path under `test-dir`: `^test-ct_chemical`, as re-record scripts wrote them. Else a glob when it has `*`, `?` or `[`, matched against the path under `test-dir` and the file name. Else a plain word, matching any file name containing it. Patterns that together match no test file are an error (exit 2).',
    default: '',
    parse: list,
    surface: 'both',
  }),
  framework: input({
    description: `Test framework preset: ${frameworkChoices()}. Detected from the project when empty (${detectionClues()}).`,
    default: '',
    parse: optional(oneOf(FRAMEWORK_NAMES)),
    surface: 'both',
  }),
  'working-directory': input({
    description: 'Project root the tests run from; every other path is relative to it.',
    default: '.',
    parse: text,
    surface: 'both',
  }),
  'test-dir': input({
    description: `Folder holding the test files. Empty: the framework's (${perPreset((preset) => codeSpan(preset.defaultTestDir))}).`,
    default: '',
    parse: text,
    surface: 'both',
  }),
  'test-pattern': input({
    description: `Glob, under \`test-dir\`, of the test files. Empty: the framework's (${perPreset((preset) => codeSpan(preset.defaultTestPattern))}).`,
    default: '',
    parse: text,
    surface: 'both',
  }),
  'cassette-dir': input({
    description: `Folder holding the cassettes. Empty: read from the project where the framework configures it (${perPreset((preset) => preset.docs.configuredCassetteDir)}), else the framework's (${perPreset((preset) => preset.docs.defaultCassetteDir)}).`,
    default: '',
    parse: text,
    surface: 'both',
  }),
  'cassette-functions': input({
    description:
      'Your own wrappers around `use_cassette` / `nock.back` whose first argument (or `name =`) is a cassette name, comma-separated, such as `withFixture, with_api_cassette`: their calls are mapped like the built-in ones.',
    default: '',
    parse: list,
    surface: 'both',
  }),
  'cassette-path': input({
    description:
      'For `framework: custom`: where a cassette named in a `cassette-functions` call lives, under `cassette-dir`, with `{name}` for the name, such as `{name}.yaml` for go-vcr.',
    default: '{name}',
    parse: nameTemplate,
    surface: 'both',
  }),
  command: input({
    description: `Command that runs one test file, as words with \`{file}\` where the file goes, or \`{dir}\` for its folder (quotes group words; no shell). Required for ${presetsWhere((preset) => preset.commandUse === 'required')}; optional elsewhere, the hook still loads (defaults: ${perPreset((preset) => (preset.commandUse === 'optional' ? codeSpan(preset.defaultCommand.join(' ')) : undefined))}); not used by ${presetsWhere((preset) => preset.commandUse === 'unused')}.`,
    default: '',
    parse: commandTemplate,
    surface: 'both',
  }),
  workers: input({
    description: 'How many test files run at the same time.',
    default: '8',
    parse: wholeNumber(1),
    surface: 'both',
  }),
  'batch-size': input({
    description: 'Files per batch: after every `batch-size` file starts, new starts pause for `batch-delay` (running files go on), and the failure log is checkpointed.',
    default: '20',
    parse: wholeNumber(1),
    surface: 'both',
  }),
  'batch-delay': input({
    description:
      'Pause between batches: `500ms`, `0.5s`, `1m` (a bare number is seconds). Off by default: rerecord paces itself to the API (see `rate-limit`); set it for an API whose limit does not answer 429 but, say, bans a burst.',
    default: '0s',
    parse: duration,
    surface: 'both',
  }),
  'rate-limit': input({
    description:
      'The API\'s request budget for the whole run, such as `10/s`, `600/m` or `36000/h`: file starts are paced so that the expected requests (learned per file in `.rerecord/manifest.json`) stay under it. With `shard: i/n` each shard takes 1/n of it. Empty: adaptive only (concurrency halves when the API answers 429, or 503 with `Retry-After`, and climbs back while files pass).',
    default: '',
    parse: optional(requestRate),
    surface: 'both',
  }),
  'rate-limit-wait': input({
    description:
      'How long in all one file may wait on a rate-limiting API (429, or 503 with `Retry-After`) before it fails with `rate-limited: ...`. A rate-limited attempt is retried after the wait without spending `retries`.',
    default: '10m',
    parse: duration,
    surface: 'both',
  }),
  timeout: input({
    description: 'Longest one test file may run; past it its whole process tree is killed and its cassettes restored.',
    default: '10m',
    parse: duration,
    surface: 'both',
  }),
  retries: input({
    description: 'How many times a failed file is tried again, after an exponential, jittered backoff.',
    default: '1',
    parse: wholeNumber(0),
    surface: 'both',
  }),
  verify: input({
    description:
      "`replay`: once a file's new recordings pass the leak, poison and noise checks, run the file again with the library in its strict replay mode and the network refused, and keep the recordings only if that run passes (a request carrying a timestamp or nonce fails it: `recording does not replay`). Not for `custom` without `replay-command`, nor with `record-host-map` (the tests ask the recording origin). `none`: keep them unverified.",
    default: 'replay',
    parse: oneOf(VERIFY_MODES),
    surface: 'both',
  }),
  warm: input({
    description: `Where the framework allows it (${presetsWhere((preset) => preset.warmWorker !== undefined)}), run test files in warm workers: one process per worker slot loads the runtime, the VCR library and the project's setup once, then forks a fresh child per test file, which starts from a state that never ran a test and is timed out, killed and restored like a fresh process. \`auto\`: warm where possible, else (the worker cannot load, forking is unsafe, the command is not the framework's own runner) a fresh process per file, said once in the log. \`on\`: a worker that cannot start is an error before any test runs (exit 2). \`off\`: a fresh process per file.`,
    default: 'auto',
    parse: oneOf(WARM_MODES),
    surface: 'both',
  }),
  collect: input({
    description: `Where the framework can answer (${presetsWhere((preset) => preset.collector !== undefined)}), ask it which cassettes each test file names before planning, without running a test (\`pytest --collect-only\`, \`rspec --dry-run\`, \`mocha --dry-run\` for Polly): names built at run time (parametrize ids, descriptions and titles from loops, interpolated metadata) come out exact. The answer is cached until a test or helper file changes. \`auto\`: ask, and when it fails (the runtime does not load, it takes over 2 minutes, the command is not the framework's own runner) map from the source alone, the plan saying why. \`off\`: map from the source alone.`,
    default: 'auto',
    parse: oneOf(COLLECT_MODES),
    surface: 'both',
  }),
  'replay-command': input({
    description:
      'For `framework: custom` with `verify: replay`: the command that runs one test file replaying its cassettes only (an unmatched request must fail it), with `{file}` or `{dir}` like `command`. Without it, custom recordings are kept unverified and the summary says so.',
    default: '',
    parse: commandTemplate,
    surface: 'both',
  }),
  'api-key': input({
    description:
      'The API key, from a secret (such as `secrets.MY_API_KEY`). Masked, handed to test processes only in the variable named by `api-key-env`, redacted from everything rerecord writes. The CLI takes no flag for it: it reads the variable named by `--api-key-env`.',
    default: '',
    parse: text,
    surface: 'action',
    secret: true,
  }),
  'api-key-env': input({
    description: 'Name of the environment variable your tests read the key from, such as `MY_API_KEY`. When set, a run refuses to start without a key.',
    default: '',
    parse: optional(environmentVariableName),
    surface: 'both',
  }),
  'failure-log': input({
    description:
      'Failure log: one test file per line that did not re-record (a name a line cannot carry as it is, such as one holding a newline, as a JSON string in double quotes). A JSON twin with per-file details is written beside it (`.json`); `mode: failures` reads the twin, or the text form when there is no twin. Both are written whole (aside, then renamed), never through a symlink.',
    default: '.rerecord/failures.txt',
    parse: text,
    surface: 'both',
  }),
  shard: input({
    description: 'This runner\'s share of the files as `i/n` (for a matrix): every shard computes the same split, balanced by recorded timings; files sharing a cassette stay together.',
    default: '1/1',
    parse: shard,
    surface: 'both',
  }),
  'max-age': input({
    description:
      'For `mode: stale`: how old a recording may get, such as `30d` or `2w`. Age comes from the cassette\'s own timestamps (`recorded_at`, HAR `startedDateTime`), else from its last commit.',
    default: '30d',
    parse: duration,
    surface: 'both',
  }),
  'volatile-headers': input({
    description:
      'Response headers that change on every recording, on top of the built-in ones (`Date`, `Age`, `Expires`, request-id style headers, ...): a cassette that differs only in these is put back to its old bytes.',
    default: '',
    parse: list,
    surface: 'both',
  }),
  'volatile-fields': input({
    description:
      'JSON body fields that change on every recording, ignored when comparing: a bare key (`generated_at`) at any depth, or a path (`$.meta.request_time`, `$.items[*].updated_at`); prefix a cassette glob to limit an entry to those cassettes (`tests/cassettes/loans/*.yaml:$.data.id`).',
    default: '',
    parse: volatileFields,
    surface: 'both',
  }),
  'volatile-paths': input({
    description:
      'URL path templates whose `{*}` segments are ids the API makes per call (`/repos/{*}/issues/{*}`, or with a method: `POST /v1/files/{*}`): an old and a new interaction that differ only in those segments are compared as one, and that difference is noise. Without a template such a pair is still compared as one, and reported as changed.',
    default: '',
    parse: volatilePaths,
    surface: 'both',
  }),
  'learn-noise': input({
    description:
      'Learn noise by probing: a file whose new recording differs from the old one is recorded a second time at once (its requests count against `rate-limit`); JSON fields, headers and `{*}` path segments that differ between the two fresh recordings are volatile for that method and path from then on. Stored per endpoint in `.rerecord/manifest.json`, used by later runs and `rerecord diff`, listed in the log (`learned: $.id on POST /v1/files`). Only for frameworks with a record hook.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
  'poison-statuses': input({
    description:
      'Response statuses that poison a recording when the old cassette did not hold them for the same request: the file fails and its cassettes are restored. Codes, `5xx` classes or ranges such as `500-599`.',
    default: '401, 403, 407, 429, 5xx',
    parse: statusList,
    surface: 'both',
  }),
  'record-host-map': input({
    description:
      'Origins to rewrite in new recordings, as `FROM=TO` pairs (comma- or newline-separated), such as `http://127.0.0.1:8080=https://api.example.com`: for recording against a server on another host or port than the one your tests replay with.',
    default: '',
    parse: hostMap,
    surface: 'both',
  }),
  'extra-secrets': input({
    description:
      'More secret values (newline-separated, from secrets) that must never land in a cassette or anything rerecord writes. The CLI reads them from the `RERECORD_EXTRA_SECRETS` variable instead.',
    default: '',
    parse: list,
    surface: 'action',
    secret: true,
  }),
  'on-leak': input({
    description:
      'When a new recording holds the key or an extra secret (raw, URL-encoded, JSON-escaped or base64): `fail` fails the file and restores its cassettes; `redact` replaces it with `placeholder` and warns.',
    default: 'fail',
    parse: oneOf(LEAK_ACTIONS),
    surface: 'both',
  }),
  placeholder: input({
    description: 'What `on-leak: redact` writes in place of a secret.',
    default: '<<<API_KEY>>>',
    parse: text,
    surface: 'both',
  }),
  'fail-on': input({
    description:
      'For `audit`: the least severe finding that fails it: `error` (leaked secrets), `warning` (also poisoned recordings and missing cassettes), `notice` (also orphans, foreign files, shared names, stale recordings) or `never`.',
    default: 'error',
    parse: oneOf(SEVERITIES),
    surface: 'both',
  }),
  publish: input({
    description:
      'Where refreshed cassettes go: `none` (left in the working tree), `commit` (committed on the current branch and pushed, rebasing on a concurrent push), `pull-request` (committed on `branch` and opened or updated as a pull request against `base`) or `artifact` (uploaded as `artifact-name`). Only cassettes with real changes and the manifest are published.',
    default: 'none',
    parse: oneOf(PUBLISH_MODES),
    surface: 'both',
  }),
  branch: input({
    description: 'For `publish: pull-request`: the branch the refreshed cassettes are pushed to (force-pushed with a lease).',
    default: 'rerecord/cassettes',
    parse: text,
    surface: 'both',
  }),
  base: input({
    description: 'For `publish: pull-request`: the branch the pull request targets. Empty: the branch being run on.',
    default: '',
    parse: text,
    surface: 'both',
  }),
  'pr-title': input({
    description:
      'Title of the pull request, set when it is opened and on every update. May hold `{changed-count}` (cassettes with real changes), `{failed-count}` (files not re-recorded), `{headline}` (such as `2 cassettes changed`) and `{run-url}` (the workflow run, empty off a runner); another `{word}` is an error.',
    default: 'Refresh HTTP cassettes',
    parse: template(PR_TITLE_PLACEHOLDERS),
    surface: 'both',
  }),
  'pr-body': input({
    description:
      'Body of the pull request, as a template: `{drift}` (the drift report: what changed in each cassette), `{failed}` (the files not re-recorded, with their reasons and where their output is; empty when none), `{headline}`, `{changed-count}`, `{failed-count}` and `{run-url}` as in `pr-title`; another `{word}` is an error. Empty: the headline, a link to the run, `{drift}` and `{failed}`. Cut at GitHub\'s limit of 65536 characters, saying so.',
    default: '',
    parse: template(PR_BODY_PLACEHOLDERS),
    surface: 'both',
  }),
  'pr-labels': input({
    description: 'Labels to put on the pull request, comma- or newline-separated.',
    default: '',
    parse: list,
    surface: 'both',
  }),
  draft: input({
    description: 'For `publish: pull-request`: open the pull request as a draft.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
  reviewers: input({
    description: 'For `publish: pull-request`: users to request a review from, comma- or newline-separated (a token that may request reviews is needed).',
    default: '',
    parse: list,
    surface: 'both',
  }),
  'team-reviewers': input({
    description:
      'For `publish: pull-request`: teams of the repository\'s organization to request a review from, by slug (`api-team`), comma- or newline-separated. Asked once, when the pull request is opened, like `reviewers`; the workflow\'s own token may not request teams: use `token` (a PAT or App token with organization read access).',
    default: '',
    parse: list,
    surface: 'both',
  }),
  milestone: input({
    description: 'For `publish: pull-request`: the number of the milestone to put the pull request in, set when it is opened and on every update.',
    default: '',
    parse: optional(wholeNumber(1)),
    surface: 'both',
  }),
  assignees: input({
    description: 'For `publish: pull-request`: users to assign the pull request to, comma- or newline-separated.',
    default: '',
    parse: list,
    surface: 'both',
  }),
  'keep-pull-request-open': input({
    description:
      'For `publish: pull-request`: when a run finds no real drift left in the cassettes the open pull request changes (the API went back, or someone fixed them on the base branch), rerecord closes that pull request with a comment saying why; `true` leaves it open instead.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
  'delete-branch': input({
    description: 'For `publish: pull-request`: delete the pull-request branch when rerecord closes its pull request.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
  author: input({
    description:
      'For `publish: commit` and `pull-request`: the author of the commit rerecord makes, as `Name <email>`, such as `Jane Doe <jane@example.com>`. Empty: `committer`.',
    default: '',
    parse: optional(gitIdentity),
    surface: 'both',
  }),
  committer: input({
    description:
      'For `publish: commit` and `pull-request`: the committer of that commit, as `Name <email>`. Empty: `author`; with neither, the identity git is configured with, else `github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>`. Not with `sign-commits` (GitHub commits as the token\'s owner).',
    default: '',
    parse: optional(gitIdentity),
    surface: 'both',
  }),
  'sign-commits': input({
    description:
      'For `publish: pull-request`: make the pull-request branch\'s commit through the GitHub API (git data API: blobs, tree, commit, ref) instead of `git push`, so GitHub signs it and shows it as verified, committed by the token\'s owner (`github-actions[bot]` with the workflow\'s token, your App with an App token). The tree is the one `git push` would carry. The base commit must be on GitHub already.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
  'commit-message': input({
    description: 'Message of the commit that carries the refreshed cassettes.',
    default: 'Re-record HTTP cassettes',
    parse: text,
    surface: 'both',
  }),
  'github-token': input({
    description:
      'Token for the pull request and for artifacts of earlier runs. The workflow token needs `permissions: contents: write, pull-requests: write` (and `actions: read` for `failures-from: artifact`). The CLI reads `GITHUB_TOKEN`.',
    default: '${{ github.token }}',
    parse: text,
    surface: 'action',
    secret: true,
  }),
  token: input({
    description:
      'A personal access token or GitHub App installation token (contents and pull-requests write) to push the pull-request branch and open the pull request with, instead of `github-token`. Needed for CI to run on that pull request: GitHub starts no workflow for pushes and pull requests made with the workflow\'s own `GITHUB_TOKEN`. The CLI reads `RERECORD_TOKEN`.',
    default: '',
    parse: text,
    surface: 'action',
    secret: true,
  }),
  'artifact-name': input({
    description: 'Name of the artifact for `publish: artifact` (with a matrix, each shard appends `-<i>-of-<n>`).',
    default: 'rerecord-cassettes',
    parse: text,
    surface: 'both',
  }),
  'retention-days': input({
    description: 'How long uploaded artifacts are kept, in days (`publish: artifact`, the failure logs, the shards of a matrix). Empty: the repository\'s setting.',
    default: '',
    parse: optional(wholeNumber(1)),
    surface: 'both',
  }),
  'compression-level': input({
    description:
      'For `publish: artifact`: how hard the artifact\'s zip is compressed, 0 (stored as is, fastest) to 9 (smallest), as in actions/upload-artifact.',
    default: '6',
    parse: numberBetween(0, 9),
    surface: 'both',
  }),
  'if-no-files-found': input({
    description:
      'For `publish: artifact`, when no cassette really changed and there is nothing to upload: `warn` says so as a warning, `error` fails the run (exit 1, after the cassettes were handled as always), `ignore` says so in the log only. As in actions/upload-artifact.',
    default: 'warn',
    parse: oneOf(IF_NO_FILES_FOUND),
    surface: 'both',
  }),
  'failures-from': input({
    description:
      'For `mode: failures`: `file` reads `failure-log` from the working tree; `artifact` fetches the failure logs of the latest completed run of this workflow on this branch.',
    default: 'file',
    parse: oneOf(FAILURE_SOURCES),
    surface: 'both',
  }),
  'dry-run': input({
    description: 'Plan and report what would be re-recorded without running a test or touching a file.',
    default: 'false',
    parse: boolean,
    surface: 'both',
  }),
} as const;

export type InputName = keyof typeof INPUTS;
export type InputValues = { [K in InputName]: ReturnType<(typeof INPUTS)[K]['parse']> };

export const OUTPUTS = {
  selected: 'How many test files were selected for this run (this shard).',
  succeeded: 'How many test files re-recorded successfully.',
  failed: 'How many test files failed (or were not run because the run was cancelled).',
  'failed-files': 'The files that did not re-record, as a JSON array of paths relative to `working-directory`.',
  'failure-log': 'Path of the failure log written by this run (its JSON twin sits beside it).',
  'cassettes-changed': 'How many cassettes hold real changes (noise-only re-recordings were put back and do not count).',
  findings: 'For `step: audit`: the number of findings per kind, as a JSON object.',
  'pull-request-url': 'URL of the pull request opened or updated (empty when nothing changed).',
  'pull-request-number': 'Number of that pull request.',
  'pull-request-operation':
    '`created`, `updated`, `unchanged` (a re-run found what the open pull request already holds: nothing pushed, the pull request untouched), `closed` (no real drift left: the open pull request was closed) or `none` (no real change, so no commit and no pull request).',
  'artifact-id': 'For `publish: artifact`: the id of the uploaded artifact.',
  'artifact-url': 'For `publish: artifact`: where to download the uploaded artifact (on a runner: the run\'s artifact page).',
  'commit-sha': 'The commit that carries the refreshed cassettes (empty when nothing was committed).',
} as const;

/** CLI spellings that users of the old re-record scripts type: `--all`, `--failures`, `--priority`. */
export const MODE_ALIASES: Record<string, Mode> = { all: 'all', failures: 'failures', priority: 'priority' };
