import type { CassetteFormat } from '../cassettes/model.js';
import type { ProjectFiles } from './shared/project-files.js';
/** The environment a test process starts from (RunnerContext.inherited, as config/ read it). */
export type InheritedEnvironment = Readonly<Record<string, string | undefined>>;

/** A cassette reference found in a test file's source. */
export interface CassetteRef {
  /** The cassette name when it is a literal; undefined when only run time can tell. */
  name: string | undefined;
  /** The expression as written, for reports of what could not be resolved. */
  expression: string;
  line: number;
  /** The file the reference sits in when it is not the test file itself (a helper, a conftest.py). */
  file?: string;
  /**
   * For an unresolved reference: a glob (relative to the working directory) every file it may name
   * falls under, so that audit does not call those recordings orphans.
   */
  pattern?: string;
  /** The folder the call itself names (R's `dir =`), relative to the working directory; else the configured one. */
  folder?: string;
  /** The serializer the call itself names (R's `serialize_with =`); else the configured one. */
  format?: string;
}

/** What planning knows about one test file when it asks a preset for the file's cassettes. */
export interface MappingContext {
  /** The test file, relative to the working directory. */
  file: string;
  source: string;
  /** The configured (or detected) cassette folder. */
  cassetteDir: string;
  /** The user's own functions that take a cassette name like the built-in calls do. */
  wrappers: readonly string[];
  /** The project, for the support files a library reads (conftest.py, helpers, .mocharc); undefined in bare unit tests. */
  project: ProjectFiles | undefined;
  /**
   * What the framework's own collection (Collector) said of this file, when it was asked and
   * answered: the cassettes it names without running a test. The preset merges it with what the
   * source says (a `use_cassette` inside a test body is never collected).
   */
  collected?: FileCassettes;
}

/** A test file's cassettes as its preset predicts them from the source. */
export interface FileCassettes {
  /** Paths relative to the working directory. */
  cassettes: string[];
  unresolved: CassetteRef[];
  /**
   * The subset of `cassettes` the library writes only if the test makes a request (a vcrpy mark
   * spread over a whole module by `pytestmark`): never counted missing until a run saw it written.
   */
  possible?: string[];
}

/**
 * `record`: the hook records everything afresh and journals what it opens. `replay`: the hook pins
 * the library's strict replay mode (an unmatched request is an error) and journals, backs up and
 * deletes nothing.
 */
export type HookMode = 'record' | 'replay';

/** Where the record hook of one attempt writes, handed to the child in its environment. */
export interface HookPaths {
  hookDirectory: string;
  journal: string;
  backupDirectory: string;
  /** Absent: `record`. */
  mode?: HookMode;
}

/**
 * Asking the framework itself which cassettes each test file names, without running a test
 * (`rspec --dry-run`): names only run time knows (descriptions built in loops, interpolated
 * metadata) come out exact. Any failure falls back to the static prediction, saying why.
 */
export interface Collector {
  /** What the plan says was asked: `rspec --dry-run`. */
  what: string;
  /**
   * The process listing `files` (absolute) and writing what it found to `output`; unavailable when
   * the command does not start the framework's own runner.
   */
  launch(files: readonly string[], command: readonly string[], output: string, hookDirectory: string, inherited: InheritedEnvironment): LaunchSpec | { unavailable: string };
  /**
   * What the process wrote: per test file (relative to the working directory), its cassettes
   * (relative too), or why the framework could not name them (that file is mapped statically).
   * A file asked about and absent from the answer names no cassette the collection can see.
   */
  read(text: string, where: { workingDirectory: string; cassetteDir: string }): Map<string, FileCassettes | { failure: string }>;
  /** Why it failed, in the framework's own words, from its output; undefined: its last lines say it. */
  explain?(output: string): string | undefined;
  /** Support files (relative) whose content changes the answer besides the test files: the cache is keyed by them too. */
  supportFiles(project: ProjectFiles, testDir: string): string[];
}

/** How to start a warm worker (WORKERS.md) for the user's command. */
export interface WarmWorkerLaunch {
  command: string;
  args: string[];
  /** The runner's own arguments from the user's command (the runner and `{file}` taken out); the file goes last. */
  runnerArgs: string[];
  /**
   * A script (as the command names it: on PATH, or a path) whose `#!` interpreter runs the worker
   * instead of `command`: a bare `pytest` runs in its own Python, which may be a virtualenv's.
   */
  interpreterOf?: string;
}

/** A warm worker for this command, or why this command cannot run in one. */
export type WarmWorkerPlan = WarmWorkerLaunch | { unavailable: string };

export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** Whether a preset runs the user's `command`: custom has no runner of its own; testthat has only its own. */
export type CommandUse = 'required' | 'optional' | 'unused';

/**
 * What the docs and messages say of a preset. The README's framework table, the `framework`,
 * `test-dir`, `test-pattern`, `cassette-dir` and `command` descriptions, and the could-not-detect
 * error are generated from these, so a new preset documents itself.
 */
export interface PresetDocs {
  /** The runner and its VCR library, as the `framework` input lists it: `R testthat with vcr`. */
  summary: string;
  /** What in a project picks the preset when `framework` is empty; undefined: never guessed. */
  detectedBy: string | undefined;
  /** Where the project's own configuration names the cassette folder, when the preset reads it: `vcr_configure(dir =)`. */
  configuredCassetteDir: string | undefined;
  /** The cassette folder when neither `cassette-dir` nor the project names one. */
  defaultCassetteDir: string;
  /** The file a cassette named `<name>` is, under the folder: `<name>.yml`. */
  cassetteFile: string;
  /** How the record hook reaches each test process; undefined: no hook (rerecord moves cassettes aside itself). */
  hookLoadedBy: string | undefined;
}

/** Once per run, before any test file: the runtime and the VCR library load with the configured command. */
export interface RuntimeCheck {
  command: string;
  args: string[];
  /** What must load, as the message names it: `vcr (vcrpy) in python3`. */
  what: string;
  /** How to fix it when it does not. */
  fix: string;
}

/** Settings the user gives that a preset's configuration may depend on. */
export interface PresetSettings {
  /** The user named the cassette folder (`cassette-dir`), whatever the project's helpers say. */
  cassetteDirGiven: boolean;
  /** `cassette-path`: where custom places a name under the folder. */
  cassettePath: string;
}

/**
 * One framework, whole: what it is called and documented as, its defaults, how a project is
 * recognised, how its command is run and verified, how its cassettes are named and what format its
 * library writes. The registry (registry.ts) lists them; each lives in its own folder with its
 * record hook and README section.
 */
export interface FrameworkPreset<Name extends string = string> {
  name: Name;
  docs: PresetDocs;
  defaultTestDir: string;
  defaultTestPattern: string;
  /** Words with `{file}` / `{dir}`; empty when `commandUse` is not `optional`. */
  defaultCommand: readonly string[];
  commandUse: CommandUse;
  /** The record hook's files in the preset's `hook/` folder; empty: no hook, and rerecord moves cassettes aside itself. */
  hookFiles: readonly string[];
  /** What its library writes (cassettes/formats): a recording read back as another format is not its library's. */
  cassetteFormats: readonly CassetteFormat[];
  /**
   * What in the project gives the framework away (`tests/conftest.py`, `nock in package.json`),
   * shown with the plan so that a wrong guess is plain; undefined when nothing does. Absent: never
   * detected (custom).
   */
  detect?(project: ProjectFiles): string | undefined;
  defaultCassetteDir(project: ProjectFiles, testDir: string): string;
  /** The preset as the project's own configuration (its helper files) and the user's settings set it up, read once when the config is loaded. */
  configure?(project: ProjectFiles, testDir: string, settings: PresetSettings): FrameworkPreset<Name>;
  /**
   * `wrappers`: the user's own functions that take a cassette name like the built-in calls do.
   * `file`: the test file, relative to the working directory (folders named in calls resolve against it).
   */
  findCassetteRefs(source: string, wrappers: readonly string[], file?: string): CassetteRef[];
  /** `format`: a serializer a call chose for itself (CassetteRef.format). */
  cassettePath(cassetteDir: string, name: string, format?: string): string;
  /**
   * The cassettes of one test file. Presets whose names depend on where the test file sits, or on
   * support files, implement it; the others get `findCassetteRefs` placed by `cassettePath`.
   */
  mapFile?(context: MappingContext): FileCassettes;
  /**
   * When the cassettes sit beside the tests (the cassette folder is the test folder itself): whether
   * a file there that no test maps is a cassette at all, rather than test data.
   */
  isCassetteFile?(relativePath: string): boolean;
  /** `inherited`: the environment the process starts from, which the hook's variables extend (NODE_OPTIONS, PYTHONPATH, RUBYLIB...). */
  launch(absoluteFile: string, command: readonly string[], hook: HookPaths, inherited: InheritedEnvironment): LaunchSpec;
  /**
   * A warm worker that loads the runtime once and forks a child per file (WORKERS.md); its
   * environment is `launch`'s without the per-file journal. Absent: a fresh process per file.
   */
  warmWorker?(command: readonly string[], hookDirectory: string): WarmWorkerPlan;
  /** Asks the framework for the cassettes of each file before planning; absent: static analysis only. */
  collector?: Collector;
  /** The pre-flight check for this command; absent or undefined: nothing rerecord can check. */
  runtimeCheck?(command: readonly string[]): RuntimeCheck | undefined;
  /** The runner's own first failure in a failed file's output; absent: any preset's format is tried. */
  firstFailure?(output: string): string | undefined;
  /**
   * Output lines meaning the runtime or the VCR library cannot load: the same for every file, so
   * never retried and the run stops early. Every preset's are tried on any output (custom runs anything).
   */
  environmentErrors?: readonly RegExp[];
  /** The library's words for a request it holds no recording for: what a failed offline replay is summed up by. */
  libraryMiss?: RegExp;
  /** Variables the runtime or the hook reads: the key is never written into one (api-key-env). */
  reservedVariables?: RegExp;
  /** Folders the runtime or its tools make, which never hold tests or cassettes: never searched or watched. */
  toolFolders?: readonly string[];
}

/** Declares a preset, keeping its name a literal type so that the registry can name every preset. */
export function definePreset<const Name extends string>(preset: FrameworkPreset<Name>): FrameworkPreset<Name> {
  return preset;
}

/** Fill `{file}` (and `{dir}`, its folder: a Go package) in a command template checked when parsed. */
export function fillCommand(command: readonly string[], absoluteFile: string): { command: string; args: string[] } {
  const folder = absoluteFile.slice(0, Math.max(absoluteFile.lastIndexOf('/'), absoluteFile.lastIndexOf('\\')));
  const [program, ...args] = command.map((word) => word.replaceAll('{file}', absoluteFile).replaceAll('{dir}', folder));
  return { command: program ?? '', args };
}

export function hookEnvironment(hook: HookPaths): Record<string, string> {
  // A replaying hook gets no journal at all: it has nothing to write there.
  if (hook.mode === 'replay') return { RERECORD_MODE: 'replay' };
  return { RERECORD_MODE: 'record', RERECORD_JOURNAL: hook.journal, RERECORD_BACKUP_DIR: hook.backupDirectory };
}

/** The default mapping: every literal name placed into the cassette folder, the rest unresolved. */
export function mapByRefs(preset: FrameworkPreset, context: MappingContext): FileCassettes {
  const refs = preset.findCassetteRefs(context.source, context.wrappers, context.file);
  return {
    cassettes: refs.flatMap((ref) => (ref.name === undefined ? [] : [preset.cassettePath(ref.folder ?? context.cassetteDir, ref.name, ref.format)])),
    unresolved: refs.filter((ref) => ref.name === undefined),
  };
}

/** Whether the preset's record hook journals what it touches; without one rerecord moves the cassettes aside itself. */
export function hasRecordHook(preset: Pick<FrameworkPreset, 'hookFiles'>): boolean {
  return preset.hookFiles.length > 0;
}

/**
 * The runner's arguments when `command` runs one of `runners` (word prefixes, such as
 * `['python3', '-m', 'pytest']`; a prefix word may be a RegExp) with `{file}` as one whole word;
 * else why it cannot run in a warm worker.
 */
export function runnerArguments(command: readonly string[], runners: ReadonlyArray<ReadonlyArray<string | RegExp>>): { runnerArgs: string[]; runner: string[] } | { unavailable: string } {
  const shown = `\`${command.join(' ')}\``;
  const runner = runners.find((words) => words.length <= command.length && words.every((word, index) => (typeof word === 'string' ? command[index] === word : word.test(command[index]!))));
  if (!runner) return { unavailable: `the command ${shown} does not start the framework's own runner directly` };
  const rest = command.slice(runner.length);
  if (rest.some((word) => word.includes('{dir}') || (word.includes('{file}') && word !== '{file}')) || rest.filter((word) => word === '{file}').length !== 1) {
    return { unavailable: `the command ${shown} does not take \`{file}\` as one argument of its own` };
  }
  return { runnerArgs: rest.filter((word) => word !== '{file}'), runner: command.slice(0, runner.length) };
}

/**
 * A cassette is possible only when every test that names it names it under a mark spread over a
 * module or group (a vcr mark in `pytestmark`, `:vcr` on an RSpec group); a name a test also records
 * under its own mark or call is expected.
 */
export function withPossible(mapped: FileCassettes, possible: ReadonlySet<string>, expected: ReadonlySet<string>): FileCassettes {
  const only = [...possible].filter((cassette) => !expected.has(cassette));
  return only.length > 0 ? { ...mapped, possible: only } : mapped;
}
