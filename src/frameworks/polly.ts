// Node: Polly.js 6 (@pollyjs/core) with the fs persister, run by `node --test` (or any node-based
// runner). A recording named `a/b` lives at `<recordingsDir>/<slug(a)>_<hash(a)>/<slug(b)>_<hash(b)>/recording.har`;
// the preload pins Polly to record mode and journals each recording file it opens.
import path from 'node:path';
import { nodePreloadLaunch, type CassetteRef, type FrameworkPreset } from './preset.js';
import { usesNpmPackage, type ProjectFiles } from './project-files.js';
import { expressionAt, findAssignedDirectory } from './js-source.js';
import { blankComments, blankStrings, callArguments, findCassetteCalls, splitArguments, stringLiteral, withWrappers } from './source-scan.js';

/** `new Polly('name', …)`, also `new core.Polly(…)`. */
const POLLY_CALL = /(?<![\w$])new\s+(?:[\w$]+\s*\.\s*)?Polly\s*\(/;
/** `server.any().recordingName('name')`: a per-route override of the recording. */
const ROUTE_NAME_CALL = /\.\s*recordingName\s*\(/;
/** `polly.recordingName = 'name'` and `{ recordingName: 'name' }` (setupPolly-style helpers). */
const NAME_ASSIGNMENT = /(?<![\w$])recordingName\s*(?::|=(?![=>]))/g;
/** Mocha's setupMocha names recordings after the describe titles and the test title, joined by `/`. */
const SETUP_MOCHA = /(?<![\w.$])setupMocha\s*(?:\.\s*beforeEach\s*)?\(/;
const SUITE_CALL = /(?<![\w.$])(?:describe|context|suite)(?:\s*\.\s*(?:only|skip))?\s*\(/g;
const TEST_CALL = /(?<![\w.$])(?:it|specify|test)(?:\s*\.\s*(?:only|skip))?\s*\(/g;

export const polly: FrameworkPreset = {
  name: 'polly',
  defaultTestDir: 'test',
  defaultTestPattern: '**/*.test.{js,mjs,cjs}',
  defaultCommand: ['node', '--test', '{file}'],
  hasRecordHook: true,

  detect: (project) => usesNpmPackage(project, '@pollyjs/core'),

  defaultCassetteDir(project, testDir) {
    const found = findRecordingsDir(project, testDir);
    if (found !== undefined) return found;
    // Without recordingsDir, Polly writes to `recordings` in the working directory.
    const inTestDir = path.posix.join(testDir, 'recordings');
    return project.isDirectory('recordings') && !project.isDirectory(inTestDir) ? 'recordings' : inTestDir;
  },

  findCassetteRefs(source, wrappers) {
    const refs = [
      ...findCassetteCalls(source, 'slash', { callee: withWrappers(POLLY_CALL, wrappers) }),
      ...findCassetteCalls(source, 'slash', { callee: ROUTE_NAME_CALL }),
      ...findNameAssignments(source),
      ...findMochaTitles(source),
    ];
    return refs.sort((a, b) => a.line - b.line);
  },

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, guidForRecording(name), 'recording.har'),

  launch: nodePreloadLaunch('polly.cjs'),
};

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
  const refs: CassetteRef[] = [];
  for (const match of blankStrings(code).matchAll(NAME_ASSIGNMENT)) {
    const expression = expressionAt(code, match.index + match[0].length);
    // `recordingName: string` is a TypeScript annotation, not a name.
    if (expression === '' || expression === 'string') continue;
    refs.push({ name: stringLiteral(expression), expression, line: lineOf(code, match.index) });
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

/** Recordings named by setupMocha: `<describe>/<describe>/<it>` for every test in its scope. */
function findMochaTitles(source: string): CassetteRef[] {
  const code = blankComments(source, 'slash');
  const masked = blankStrings(code);
  const setups = [...masked.matchAll(new RegExp(SETUP_MOCHA.source, 'g'))];
  if (setups.length === 0) return [];
  const suites = callsOf(code, masked, SUITE_CALL);
  const inside = (outer: Call, index: number) => outer.start < index && index < outer.end;
  // Each setupMocha covers the tests of the innermost suite it sits in (the whole file at top level).
  const scopes = setups.map((setup) => suites.filter((suite) => inside(suite, setup.index)).at(-1));
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
    refs.push({ name, expression: used.join(' / '), line: lineOf(code, test.start) });
  }
  return refs;
}

/** `recordingsDir: 'x'` or `recordingsDir: path.join(__dirname, 'x')` in a file under the test folder. */
function findRecordingsDir(project: ProjectFiles, testDir: string): string | undefined {
  return findAssignedDirectory(project, testDir, /(?<![\w$])recordingsDir\s*:/)?.dir;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
