// argv -> subcommand + raw input strings, named exactly like the action's inputs.
import { plainText } from '../frameworks/docs.js';
import type { InputSource } from './config.js';
import { INPUTS, MODE_ALIASES, type InputName } from './inputs.js';
import { closest, didYouMean } from './suggest.js';

export const SUBCOMMANDS = ['run', 'plan', 'audit', 'diff', 'recover', 'init'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

export interface CliArgs {
  subcommand: Subcommand;
  json: boolean;
  help: boolean;
  /** `--help-all`: every option, grouped, with its whole description. */
  helpAll: boolean;
  version: boolean;
  values: Partial<Record<InputName, string>>;
  /** `diff OLD NEW`: the two paths (or git revisions). */
  positionals: string[];
  /** `diff REV REV -- PATH...`: what follows `--`; undefined when there was no `--`. */
  pathspecs?: string[];
  problems: string[];
}

const BOOLEAN_INPUTS = new Set<string>(['dry-run']);
/** Flags of the CLI itself, beside the inputs. */
const OWN_FLAGS = ['json', 'help', 'help-all', 'version', ...Object.keys(MODE_ALIASES)];

function cliInputNames(): Set<string> {
  return new Set(Object.entries(INPUTS).filter(([, spec]) => spec.surface === 'both').map(([name]) => name));
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { subcommand: 'run', json: false, help: false, helpAll: false, version: false, values: {}, positionals: [], problems: [] };
  const names = cliInputNames();
  const rest = [...argv];
  if (rest[0] && !rest[0].startsWith('-')) {
    const word = rest.shift()!;
    if ((SUBCOMMANDS as readonly string[]).includes(word)) args.subcommand = word as Subcommand;
    else args.problems.push(`unknown command ${JSON.stringify(word)}: expected one of ${SUBCOMMANDS.join(', ')}${didYouMean(word, SUBCOMMANDS)}`);
  }
  while (rest.length > 0) {
    const word = rest.shift()!;
    if (word === '--' && args.subcommand === 'diff') {
      args.pathspecs = rest.splice(0);
      break;
    }
    const [flag, inlineValue] = splitFlag(word);
    if (flag === 'json') args.json = true;
    else if (flag === 'help' || word === '-h') args.help = true;
    else if (flag === 'help-all') args.help = args.helpAll = true;
    else if (flag === 'version') args.version = true;
    else if (flag !== undefined && flag in MODE_ALIASES && inlineValue === undefined) args.values.mode = MODE_ALIASES[flag];
    else if (flag === 'api-key') {
      args.problems.push('--api-key: the key is never taken as a flag (it would land in shell history and ps); export it and pass --api-key-env NAME');
      if (inlineValue === undefined && rest[0] && !rest[0].startsWith('--')) rest.shift();
    } else if (flag !== undefined && names.has(flag)) {
      const value = inlineValue ?? (BOOLEAN_INPUTS.has(flag) ? 'true' : rest.shift());
      if (value === undefined) args.problems.push(`--${flag}: expected a value`);
      else args.values[flag as InputName] = value;
    } else if (args.subcommand === 'diff' && !word.startsWith('-')) {
      args.positionals.push(word);
    } else {
      const meant = flag === undefined ? undefined : closest(flag, [...names, ...OWN_FLAGS]);
      args.problems.push(`unknown option ${JSON.stringify(word)}: ${meant ? `did you mean --${meant}? ` : ''}see rerecord --help`);
      // Its value goes with it (`--worker 2`), so it is not reported as an option of its own.
      if (meant && names.has(meant) && !BOOLEAN_INPUTS.has(meant) && inlineValue === undefined && rest[0] !== undefined && !rest[0].startsWith('-')) rest.shift();
    }
  }
  if (args.subcommand === 'diff' && !args.help && args.positionals.length !== 2) {
    args.problems.push(`diff: expected two paths, OLD and NEW (files or folders), or two git revisions, got ${args.positionals.length}`);
  }
  if (args.pathspecs !== undefined && args.pathspecs.length === 0) {
    args.problems.push('diff: expected at least one path after --');
  }
  return args;
}

function splitFlag(word: string): [string | undefined, string | undefined] {
  if (!word.startsWith('--')) return [undefined, undefined];
  const equals = word.indexOf('=');
  return equals === -1 ? [word.slice(2), undefined] : [word.slice(2, equals), word.slice(equals + 1)];
}

export function cliInputs(args: CliArgs): InputSource {
  return {
    surface: 'cli',
    read: (name) => (name === 'step' ? (args.subcommand === 'diff' || args.subcommand === 'recover' || args.subcommand === 'init' ? 'plan' : args.subcommand) : args.values[name]),
    label: (name) => `--${name}`,
  };
}

/**
 * How `--help-all` groups the options, by what a user is doing. An input not listed here (a new
 * one) still shows, under "Other", so the help never hides one.
 */
const OPTION_GROUPS: ReadonlyArray<[string, readonly string[]]> = [
  ['The project', ['framework', 'working-directory', 'test-dir', 'test-pattern', 'cassette-dir', 'cassette-functions', 'cassette-path', 'command', 'replay-command']],
  ['What to re-record', ['mode', 'priority-patterns', 'max-age', 'failure-log', 'failures-from', 'shard', 'dry-run']],
  ['Pace and processes', ['workers', 'batch-size', 'batch-delay', 'rate-limit', 'rate-limit-wait', 'timeout', 'retries', 'warm', 'collect']],
  ['The key and what a recording may hold', ['api-key-env', 'extra-secrets', 'on-leak', 'placeholder', 'poison-statuses', 'record-host-map', 'verify']],
  ['Noise', ['volatile-headers', 'volatile-fields', 'volatile-paths', 'learn-noise']],
  ['Audit', ['fail-on']],
];
const PUBLISHING = /^(publish|branch|base|pr-|draft|reviewers|team-reviewers|assignees|milestone|keep-pull-request-open|delete-branch|commit-message|author|committer|sign-commits|artifact-name|retention-days|compression-level|if-no-files-found)/;
/** What `--help` shows: the options most runs set. */
const COMMON_OPTIONS = ['framework', 'mode', 'workers', 'rate-limit', 'api-key-env', 'test-dir', 'cassette-dir', 'command', 'publish'];

function optionEntry(name: string, whole: boolean): string {
  const spec = INPUTS[name as InputName];
  const shown = spec.default === '' ? '' : ` (default: ${spec.default})`;
  const description = plainText(spec.description);
  const text = whole ? description : firstSentence(description);
  return `  --${name}${BOOLEAN_INPUTS.has(name) ? '' : ' VALUE'}\n      ${text}${shown}`;
}

/** The description's first sentence, at most one line of a terminal. */
function firstSentence(text: string): string {
  const end = text.search(/\.(?:\s|$)/);
  const sentence = end === -1 ? text : text.slice(0, end + 1);
  return sentence.length <= 100 ? sentence : `${sentence.slice(0, 99).replace(/\s+\S*$/, '')} …`;
}

function groupedOptions(): string[] {
  const cli = [...cliInputNames()];
  const grouped = new Set<string>();
  const lines: string[] = [];
  const section = (title: string, names: readonly string[]) => {
    const present = names.filter((name) => cli.includes(name) && !grouped.has(name));
    if (present.length === 0) return;
    for (const name of present) grouped.add(name);
    lines.push('', `${title}:`, ...present.map((name) => optionEntry(name, true)));
  };
  for (const [title, names] of OPTION_GROUPS) section(title, names);
  section('Publishing (pull request, commit, artifact)', cli.filter((name) => PUBLISHING.test(name)));
  section('Other', cli);
  return lines;
}

const USAGE = [
  'Usage: rerecord [run|plan|audit|recover|init] [options]',
  '       rerecord diff OLD NEW [--json] [--volatile-headers ...] [--volatile-fields ...] [--volatile-paths ...]',
  '       rerecord diff REV REV [-- PATH...]   (git revisions, e.g. rerecord diff HEAD~3 HEAD -- tests/cassettes)',
  '  run      re-record (default)',
  '  init     write .rerecord.yml with what detection found (framework, folders, command)',
  '  plan     print what run would do: selected files, their cassettes, shards; runs no test',
  '  audit    cassette health without running tests: leaked secrets, poisoned recordings, missing,',
  '           orphaned and shared cassettes, age; exit 1 when a finding reaches --fail-on',
  '  recover  put back what an interrupted run left in flight (run does this first on its own)',
  '  diff     what really changed between two cassettes, folders or git revisions, noise ignored;',
  '           exit 1 when something changed',
];

const FOOTER = [
  'The API key is never a flag: export it and pass --api-key-env NAME (the variable your tests read).',
  'The CLI reads extra secrets (newline-separated) from RERECORD_EXTRA_SECRETS.',
  'Exit codes: 0 all re-recorded; 1 some files failed (audit: findings; diff: changes); 2 bad usage or config;',
  '129/130/143 interrupted (SIGHUP/SIGINT/SIGTERM).',
];

/** `--help`: commands and the common options, short; `--help-all` (all: true): every option, grouped, in full. */
export function helpText(version: string, all = false): string {
  const header = `rerecord ${version}: re-record VCR-style HTTP cassettes in parallel, restoring every cassette whose re-record fails.`;
  const own = ['  --all, --failures, --priority', '      Shorthands for --mode all, --mode failures, --mode priority.', '  --json', '      Print one JSON document on stdout; progress and logs go to stderr.', '  --help, --help-all, --version'];
  if (!all) {
    const common = COMMON_OPTIONS.filter((name) => cliInputNames().has(name)).map((name) => optionEntry(name, false));
    return [header, '', ...USAGE, '', 'Common options (named like the action inputs; rerecord --help-all lists all of them, grouped):', ...common, ...own, '', ...FOOTER].join('\n');
  }
  return [header, '', ...USAGE, '', 'Options (named like the action inputs):', ...groupedOptions(), '', 'Of the CLI itself:', ...own, '', ...FOOTER].join('\n');
}
