// What the two Node presets (nock back, Polly.js) share: the hook rides in NODE_OPTIONS, the
// pre-flight asks the project's node for the library, and failures read as node --test reports them.
import path from 'node:path';
import { fillCommand, hookEnvironment, type FrameworkPreset, type RuntimeCheck } from '../preset.js';
import { clip, unixLines } from './failure-text.js';

/**
 * Launch for Node runners: the hook is a `--require` preload in NODE_OPTIONS, which `node --test`
 * (and mocha, and any node child) passes on to the processes that load the tests.
 */
export function nodePreloadLaunch(hookFile: string): FrameworkPreset['launch'] {
  return (absoluteFile, command, hook, environment) => {
    const preload = path.join(hook.hookDirectory, hookFile);
    const inherited = environment.NODE_OPTIONS ? `${environment.NODE_OPTIONS} ` : '';
    return {
      ...fillCommand(command, absoluteFile),
      env: { ...hookEnvironment(hook), NODE_OPTIONS: `${inherited}--require ${JSON.stringify(preload)}` },
    };
  };
}

/** The mocking library (or the runner) is not installed. */
export const NODE_ENVIRONMENT_ERRORS: readonly RegExp[] = [/^.*Cannot find (?:module|package) '[^']+'.*$/m];

/** Whether `library` resolves from the project with the command's node (or `node`). */
export function nodeLibraryCheck(library: string): NonNullable<FrameworkPreset['runtimeCheck']> {
  return (command) => {
    const node = path.basename(command[0] ?? '') === 'node' ? command[0]! : 'node';
    // require.resolve, then import() for packages that only export ESM: either finding it is enough.
    const script = `const n=${JSON.stringify(library)};try{require.resolve(n)}catch{import(n).catch(()=>{console.error("Cannot find module '"+n+"'");process.exit(1)})}`;
    return { command: node, args: ['-e', script], what: `${library} from the project with ${node}`, fix: `npm install --save-dev ${library} in the project` } satisfies RuntimeCheck;
  };
}

/** node --test: the first `not ok N - name` (TAP) or `✖ name` (spec) and its error message. */
export function nodeTestFailure(output: string): string | undefined {
  const lines = unixLines(output).split('\n');
  const tap = lines.findIndex((line) => /^\s*not ok \d+ - /.test(line) && !isSuiteLine(lines, line));
  if (tap >= 0) {
    const name = lines[tap]!.trim().replace(/^not ok \d+ - /, '');
    const block = lines.slice(tap + 1, tap + 40);
    const at = block.findIndex((line) => /^\s*error: /.test(line));
    return clip(`${name}${at >= 0 ? `: ${tapError(block, at)}` : ''}`);
  }
  const spec = lines.findIndex((line) => /^\s*✖ /.test(line) && !/failing tests:/.test(line));
  if (spec >= 0) {
    const name = lines[spec]!.trim().replace(/^✖ /, '').replace(/\s*\([\d.]+m?s\)$/, '');
    const error = lines.slice(spec + 1, spec + 10).map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('✖'));
    return clip(`${name}${error ? `: ${error}` : ''}`);
  }
  return undefined;
}

/** The YAML `error:` value: inline (quoted or not) or a block scalar (`|-`) of the lines below it. */
function tapError(block: readonly string[], at: number): string {
  const value = block[at]!.trim().replace(/^error: /, '');
  if (!/^[|>][-+]?$/.test(value)) return value.replace(/^'(.*)'$/, '$1');
  const indent = /^\s*/.exec(block[at]!)![0].length;
  const body: string[] = [];
  for (const line of block.slice(at + 1)) {
    if (line.trim() !== '' && /^\s*/.exec(line)![0].length <= indent) break;
    if (line.trim() !== '') body.push(line.trim());
  }
  return body.join(' ');
}

/** A TAP `not ok` for a file or suite that only failed because a test inside it did. */
function isSuiteLine(lines: readonly string[], line: string): boolean {
  return /^not ok \d+ - \//.test(line.trim()) && lines.some((other) => /^\s+not ok \d+ - /.test(other));
}
