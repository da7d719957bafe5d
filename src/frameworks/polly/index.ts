// Node: Polly.js 6 (@pollyjs/core) with the fs persister, run by `node --test` (or any node-based
// runner). A recording named `a/b` lives at `<recordingsDir>/<slug(a)>_<hash(a)>/<slug(b)>_<hash(b)>/recording.har`;
// the preload pins Polly to record mode and journals each recording file it opens.
import path from 'node:path';
import { definePreset, runnerArguments, type CassetteRef, type FileCassettes } from '../preset.js';
import { NODE_ENVIRONMENT_ERRORS, nodeLibraryCheck, nodePreloadLaunch, nodeTestFailure } from '../shared/node-runtime.js';
import { usesNpmPackage, type ProjectFiles } from '../shared/project-files.js';
import { expressionAt, findAssignedDirectory } from '../shared/js-source.js';
import { mochaSetup, type MochaSetup } from './setup.js';
import { blankComments, blankStrings, callArguments, findCassetteCalls, lineFinder, splitArguments, stringLiteral, withWrappers } from '../shared/source-scan.js';

/** `new Polly('name', …)`, also `new core.Polly(…)`. */
/** mocha itself, `npx mocha`, or `node node_modules/mocha/bin/mocha.js`. */
const MOCHA = /(?:^|\/)(?:mocha|_mocha)$/;
const MOCHA_SCRIPT = /(?:^|\/)mocha\/bin\/(?:_?mocha)(?:\.js)?$/;
const COLLECT_REPORTER = 'rerecord-collect-mocha.cjs';
const POLLY_CALL = /(?<![\w$])new\s+(?:[\w$]+\s*\.\s*)?Polly\s*\(/;
/** `server.any().recordingName('name')`: a per-route override of the recording. */
const ROUTE_NAME_CALL = /\.\s*recordingName\s*\(/;
/** `polly.recordingName = 'name'` and `{ recordingName: 'name' }` (setupPolly-style helpers). */
const NAME_ASSIGNMENT = /(?<![\w$])recordingName\s*(?::|=(?![=>]))/g;
const SUITE_CALL = /(?<![\w.$])(?:describe|context|suite)(?:\s*\.\s*(?:only|skip))?\s*\(/g;
const TEST_CALL = /(?<![\w.$])(?:it|specify|test)(?:\s*\.\s*(?:only|skip))?\s*\(/g;

export const polly = definePreset({
  name: 'polly',
  docs: {
    summary: 'Node with Polly.js and its fs persister',
    detectedBy: '`@pollyjs/core` in `package.json`',
    configuredCassetteDir: 'a literal `recordingsDir`',
    defaultCassetteDir: '`<test-dir>/recordings`',
    cassetteFile: '`<name>_<hash>/recording.har`, as Polly names it',
    hookLoadedBy: '`NODE_OPTIONS=--require polly.cjs`',
  },
  defaultTestDir: 'test',
  defaultTestPattern: '**/*.test.{js,mjs,cjs}',
  defaultCommand: ['node', '--test', '{file}'],
  commandUse: 'optional',
  hookFiles: ['polly.cjs', COLLECT_REPORTER],
  cassetteFormats: ['har'],

  detect: (project) => (usesNpmPackage(project, '@pollyjs/core') ? '@pollyjs/core in package.json' : undefined),

  defaultCassetteDir(project, testDir) {
    const found = findRecordingsDir(project, testDir);
    if (found !== undefined) return found;
    // Without recordingsDir, Polly writes to `recordings` in the working directory.
    const inTestDir = path.posix.join(testDir, 'recordings');
    return project.isDirectory('recordings') && !project.isDirectory(inTestDir) ? 'recordings' : inTestDir;
  },

  /** From the test file alone: its own imports of @pollyjs/core (any alias), no helpers. */
  findCassetteRefs: (source, wrappers) => pollyRefs(source, wrappers, mochaSetup('', source, undefined)),

  cassettePath: (cassetteDir, name) => recordingPath(cassetteDir, name),

  /** With the helpers the test file imports and `.mocharc` loads: setupMocha called there is followed too. */
  mapFile(context) {
    const setup = mochaSetup(context.file, context.source, context.project);
    // What mocha's dry run named replaces every name the source derives from setupMocha's titles.
    const refs = pollyRefs(context.source, context.wrappers, context.collected ? { ...setup, callee: undefined, everywhere: false, unresolved: [] } : setup);
    // A setup in a helper that only run time can tell apart may name any recording in the folder.
    const unresolved = refs
      .filter((ref) => ref.name === undefined)
      .map((ref) => (ref.file === undefined ? ref : { ...ref, pattern: `${context.cassetteDir}/**` }));
    return {
      cassettes: [...refs.flatMap((ref) => (ref.name === undefined ? [] : [recordingPath(context.cassetteDir, ref.name)])), ...(context.collected?.cassettes ?? [])],
      unresolved,
    };
  },

  collector: {
    what: 'mocha --dry-run',
    launch(files, command, output, hookDirectory) {
      const found = runnerArguments(command, [[MOCHA], ['npx', MOCHA], [/(?:^|\/)node$/, MOCHA_SCRIPT]]);
      if ('unavailable' in found) return found;
      const [program, ...words] = [...found.runner, ...found.runnerArgs, '--dry-run', '--reporter', path.join(hookDirectory, COLLECT_REPORTER), ...files];
      return { command: program!, args: words, env: { RERECORD_COLLECT_OUTPUT: output } };
    },
    read: readMochaTitles,
    supportFiles: (project) => ['.mocharc.js', '.mocharc.cjs', '.mocharc.json', '.mocharc.jsonc', '.mocharc.yml', '.mocharc.yaml', 'package.json'].filter((file) => project.isFile(file)),
  },

  launch: nodePreloadLaunch('polly.cjs'),
  runtimeCheck: nodeLibraryCheck('@pollyjs/core'),
  firstFailure: nodeTestFailure,
  environmentErrors: NODE_ENVIRONMENT_ERRORS,
  libraryMiss: /Recording for the following request is not found/i,
  reservedVariables: /^(NODE_\w+|NPM_\w+)$/,
  toolFolders: ['node_modules'],
});

function recordingPath(cassetteDir: string, name: string): string {
  return path.posix.join(cassetteDir, guidForRecording(name), 'recording.har');
}

function pollyRefs(source: string, wrappers: readonly string[], setup: MochaSetup): CassetteRef[] {
  // `import { Polly as P }`: `new P(name)` opens a recording too.
  const aliases = setup.pollyNames.map((name) => name.replace(/\$/g, '\\$'));
  const callee = aliases.length === 0 ? POLLY_CALL : new RegExp(`(?<![\\w$])new\\s+(?:(?:[\\w$]+\\s*\\.\\s*)?Polly|${aliases.join('|')})\\s*\\(`);
  const refs = [
    ...findCassetteCalls(source, 'slash', { callee: withWrappers(callee, wrappers) }),
    ...findCassetteCalls(source, 'slash', { callee: ROUTE_NAME_CALL }),
    ...findNameAssignments(source),
    ...findMochaTitles(source, setup),
    ...setup.unresolved,
  ];
  return refs.sort((a, b) => a.line - b.line);
}

/**
 * The folder Polly gives a recording, as @pollyjs/core 6 computes it (utils/guid-for-recording.js):
 * each `/`-separated part becomes `<slug>_<fnv1a32>`, the slug cut so that the part stays under 100.
 */
export function guidForRecording(name: string): string {
  return name.split('/').map(guidFor).join('/');
}

function guidFor(part: string): string {
  const hash = fnv1a32(part).toString();
  // Polly: slugify(str.replace(/\W/g, '-')). After that replace only [A-Za-z0-9_-] is left, and
  // slugify then just trims dashes and collapses runs of them.
  const slug = part
    .replace(/\W/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-+/g, '-');
  return `${slug.substring(0, 100 - hash.length - 1)}_${hash}`;
}

/** @sindresorhus/fnv1a 2.x (what Polly 6 uses), including its way of switching to UTF-8 bytes mid-string. */
function fnv1a32(text: string): number {
  let string = text;
  let hash = 2166136261;
  let utf8 = false;
  for (let i = 0; i < string.length; i++) {
    let code = string.charCodeAt(i);
    if (code > 0x7f && !utf8) {
      // = unescape(encodeURIComponent(string)): one char per UTF-8 byte.
      string = Buffer.from(string, 'utf8').toString('latin1');
      code = string.charCodeAt(i);
      utf8 = true;
    }
    hash ^= code;
    hash += (hash << 1) + (hash << 4) + (hash << 7) + (hash << 8) + (hash << 24);
  }
  return hash >>> 0;
}

function findNameAssignments(source: string): CassetteRef[] {
  const code = blankComments(source, 'slash');
  const lineOf = lineFinder(code);
  const refs: CassetteRef[] = [];
  for (const match of blankStrings(code).matchAll(NAME_ASSIGNMENT)) {
    const expression = expressionAt(code, match.index + match[0].length);
    // `recordingName: string` is a TypeScript annotation, not a name.
    if (expression === '' || expression === 'string') continue;
    refs.push({ name: stringLiteral(expression), expression, line: lineOf(match.index) });
  }
  return refs;
}

interface Call {
  start: number;
  end: number;
  title: string;
}

function callsOf(code: string, masked: string, pattern: RegExp): Call[] {
  return [...masked.matchAll(pattern)].map((match) => {
    const openParen = match.index + match[0].length - 1;
    const args = callArguments(code, openParen);
    return { start: match.index, end: openParen + args.length + 1, title: splitArguments(args)[0] ?? '' };
  });
}

/**
 * Recordings named by setupMocha: `<describe>/<describe>/<it>` for every test in its scope. Mocha's
 * setupMocha names recordings after the describe titles and the test title, joined by `/`.
 */
function findMochaTitles(source: string, setup: MochaSetup): CassetteRef[] {
  const code = blankComments(source, 'slash');
  const masked = blankStrings(code);
  const setups = setup.callee ? [...masked.matchAll(new RegExp(setup.callee.source, 'g'))] : [];
  if (setups.length === 0 && !setup.everywhere) return [];
  const suites = callsOf(code, masked, SUITE_CALL);
  const inside = (outer: Call, index: number) => outer.start < index && index < outer.end;
  const lineOf = lineFinder(code);
  // Each setupMocha covers the tests of the innermost suite it sits in (the whole file at top level,
  // and every file when a helper set it up as it loaded).
  const scopes = setups.map((found) => suites.filter((suite) => inside(suite, found.index)).at(-1));
  if (setup.everywhere) scopes.push(undefined);
  const refs: CassetteRef[] = [];
  for (const test of callsOf(code, masked, TEST_CALL)) {
    if (!scopes.some((scope) => scope === undefined || inside(scope, test.start))) continue;
    const titles = [...suites.filter((suite) => inside(suite, test.start)).map((suite) => suite.title), test.title];
    // Mocha walks up the parents while they have a title: an empty one ends the name.
    const names = titles.map(stringLiteral);
    const emptyAt = names.lastIndexOf('');
    const used = emptyAt === -1 ? titles : titles.slice(emptyAt + 1);
    const literal = emptyAt === -1 ? names : names.slice(emptyAt + 1);
    const name = literal.every((part) => part !== undefined) ? literal.join('/') : undefined;
    refs.push({ name, expression: used.join(' / '), line: lineOf(test.start) });
  }
  return refs;
}

/** `recordingsDir: 'x'` or `recordingsDir: path.join(__dirname, 'x')` in a file under the test folder. */
function findRecordingsDir(project: ProjectFiles, testDir: string): string | undefined {
  return findAssignedDirectory(project, testDir, /(?<![\w$])recordingsDir\s*:/)?.dir;
}

/**
 * The reporter's JSON lines, `{"file", "recording"}` per test setupMocha records, placed as Polly
 * places them: each part of the name `<slug>_<fnv1a>` under the recordings folder.
 */
function readMochaTitles(text: string, { workingDirectory, cassetteDir }: { workingDirectory: string; cassetteDir: string }): Map<string, FileCassettes> {
  const byFile = new Map<string, FileCassettes>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { file?: unknown; recording?: unknown };
    if (typeof entry.file !== 'string' || typeof entry.recording !== 'string') continue;
    const file = path.relative(workingDirectory, path.resolve(workingDirectory, entry.file)).split(path.sep).join('/');
    const cassettes = byFile.get(file) ?? { cassettes: [], unresolved: [] };
    const cassette = recordingPath(cassetteDir, entry.recording);
    if (!cassettes.cassettes.includes(cassette)) cassettes.cassettes.push(cassette);
    byFile.set(file, cassettes);
  }
  return byFile;
}

