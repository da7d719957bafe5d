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
  /** The folder the call itself names (R's `dir =`), relative to the working directory; else the configured one. */
  folder?: string;
  /** The serializer the call itself names (R's `serialize_with =`); else the configured one. */
  format?: string;
}

/** Where the record hook of one attempt writes, handed to the child in its environment. */
export interface HookPaths {
  hookDirectory: string;
  journal: string;
  backupDirectory: string;
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
  launch(absoluteFile: string, command: readonly string[], hook: HookPaths): LaunchSpec;
}

/** Fill `{file}` (and `{dir}`, its folder: a Go package) in a command template checked when parsed. */
export function fillCommand(command: readonly string[], absoluteFile: string): { command: string; args: string[] } {
  const folder = absoluteFile.slice(0, Math.max(absoluteFile.lastIndexOf('/'), absoluteFile.lastIndexOf('\\')));
  const [program, ...args] = command.map((word) => word.replaceAll('{file}', absoluteFile).replaceAll('{dir}', folder));
  return { command: program ?? '', args };
}

export function hookEnvironment(hook: HookPaths): Record<string, string> {
  return { RERECORD_JOURNAL: hook.journal, RERECORD_BACKUP_DIR: hook.backupDirectory };
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
