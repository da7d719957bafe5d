import path from 'node:path';
import type { FrameworkName } from '../config/inputs.js';
import type { ProjectFiles } from './project-files.js';

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
}

/** A test file's cassettes as its preset predicts them from the source. */
export interface FileCassettes {
  /** Paths relative to the working directory. */
  cassettes: string[];
  unresolved: CassetteRef[];
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

export interface LaunchSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface FrameworkPreset {
  name: FrameworkName;
  defaultTestDir: string;
  defaultTestPattern: string;
  defaultCommand: readonly string[];
  /** Whether the framework's record hook journals what it touches; without one we move cassettes aside ourselves. */
  hasRecordHook: boolean;
  detect(project: ProjectFiles): boolean;
  defaultCassetteDir(project: ProjectFiles, testDir: string): string;
  /**
   * The preset as the project's own configuration (its helper files) sets it up, read once when the
   * config is loaded. `cassetteDirGiven`: the user named the cassette folder, whatever the helpers say.
   */
  configure?(project: ProjectFiles, testDir: string, cassetteDirGiven: boolean): FrameworkPreset;
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
  launch(absoluteFile: string, command: readonly string[], hook: HookPaths): LaunchSpec;
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

/**
 * Launch for Node runners: the hook is a `--require` preload in NODE_OPTIONS, which `node --test`
 * (and mocha, and any node child) passes on to the processes that load the tests.
 */
export function nodePreloadLaunch(hookFile: string): FrameworkPreset['launch'] {
  return (absoluteFile, command, hook) => {
    const preload = path.join(hook.hookDirectory, hookFile);
    const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : '';
    return {
      ...fillCommand(command, absoluteFile),
      env: { ...hookEnvironment(hook), NODE_OPTIONS: `${inherited}--require ${JSON.stringify(preload)}` },
    };
  };
}

/** The default mapping: every literal name placed into the cassette folder, the rest unresolved. */
export function mapByRefs(preset: FrameworkPreset, context: MappingContext): FileCassettes {
  const refs = preset.findCassetteRefs(context.source, context.wrappers, context.file);
  return {
    cassettes: refs.flatMap((ref) => (ref.name === undefined ? [] : [preset.cassettePath(ref.folder ?? context.cassetteDir, ref.name, ref.format)])),
    unresolved: refs.filter((ref) => ref.name === undefined),
  };
}
