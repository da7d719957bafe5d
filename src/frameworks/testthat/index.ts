// R: testthat + vcr (1.x and 2.x). A cassette is `<folder>/<name>.<yml|json|qs2>`: the folder is the
// call's own `dir =` (vcr 2), else the helpers' `vcr_configure(dir =)`, else vcr's default (vcr 2:
// testthat::test_path("_vcr"); vcr 1: "."). A relative folder resolves against the test file's
// folder, which testthat makes the working directory while the file runs. Our Rscript runner
// (hook/testthat.R) traces vcr's insert_cassette to record fresh and journal each cassette.
import path from 'node:path';
import { definePreset, hookEnvironment, type CassetteRef, type FrameworkPreset } from '../preset.js';
import { testthatFailure, testthatRuntimeCheck } from './runtime.js';
import type { ProjectFiles } from '../shared/project-files.js';
import { blankComments, blankStrings, callArguments, lineFinder, splitArguments, stringLiteral, withWrappers } from '../shared/source-scan.js';

const CASSETTE_CALL = /\b(?:vcr:::?)?(?:use_cassette|local_cassette|insert_cassette)\s*\(/;
const CONFIGURE_CALL = /(?<![\w.])(?:vcr:::?)?vcr_configure\s*\(/;
const ANY_CONFIGURE_CALL = /(?<![\w.])(?:vcr:::?)?(?:local_)?vcr_configure\s*\(/;
const NAMED = /^([A-Za-z.][\w.]*)\s*=(?!=)\s*/;
const EXTENSIONS: Record<string, string> = { yaml: '.yml', json: '.json', qs2: '.qs2' };

/** A folder as R sees it: relative to the R working directory (the test file's folder) or to the project root. */
interface Folder {
  base: 'cwd' | 'root';
  path: string;
}

/** Something a helper configured that the source alone cannot tell, and where it was said. */
interface Unknown {
  unknown: string;
}

/** What the helper files tell about vcr, read once per project. */
interface VcrSettings {
  testDir: string;
  /** The configured folder; undefined: vcr's default. */
  folder: Folder | Unknown | undefined;
  format: string | Unknown;
  major: 1 | 2;
  /** Top-level assignments of the helpers, visible in every test file (testthat sources helpers first); negative orders. */
  variables: ReadonlyArray<Assignment>;
  /** `--cassette-dir` was given: the user says where the configured folder is. */
  folderGiven: boolean;
}

interface Assignment {
  name: string;
  expression: string;
  /** Where it happens: its offset in the file, or a negative sequence number for an earlier helper's (sourced before). */
  order: number;
  /**
   * Where the `{ }` block it is made in closes (Infinity at top level): past it, the assignment is out
   * of sight. A test_that() block's variables are its own, and an `if { }` one may not have happened.
   */
  scopeEnd: number;
}

/** The assignments made before a point, by name (each list in order), for lookups in logarithmic time. */
interface Scope {
  byName: ReadonlyMap<string, readonly Assignment[]>;
  before: number;
}

const DEFAULTS: VcrSettings = { testDir: 'tests/testthat', folder: undefined, format: 'yaml', major: 2, variables: [], folderGiven: true };

export const testthat = makeTestthat(DEFAULTS);

function makeTestthat(settings: VcrSettings): FrameworkPreset<'testthat'> {
  return definePreset({
    name: 'testthat',
    docs: {
      summary: 'R testthat with vcr 1 or 2',
      detectedBy: 'a `tests/testthat` folder',
      configuredCassetteDir: '`vcr_configure(dir =)`',
      defaultCassetteDir: 'vcr\'s own: `tests/testthat/_vcr` (vcr 1: `tests/testthat`)',
      cassetteFile: '`<name>.yml` (`.json`, `.qs2` by serializer)',
      hookLoadedBy: 'an `Rscript` runner that traces `vcr::insert_cassette`',
    },
    defaultTestDir: 'tests/testthat',
    defaultTestPattern: 'test*.[rR]',
    defaultCommand: [],
    commandUse: 'unused',
    hookFiles: ['testthat.R', 'rerecord_hook.R', 'worker.R'],
    cassetteFormats: ['vcr'],

    detect: (project) => (project.isDirectory('tests/testthat') ? 'the tests/testthat folder' : undefined),

    configure: (project, testDir, { cassetteDirGiven }) => makeTestthat(readSettings(project, testDir, cassetteDirGiven)),

    defaultCassetteDir(project, testDir) {
      const own = settings === DEFAULTS ? readSettings(project, testDir, false) : settings;
      return configuredFolder(own) ?? defaultFolder(own);
    },

    findCassetteRefs: (source, wrappers, file) => findRefs(source, wrappers, file, settings),

    cassettePath: (cassetteDir, name, format) => path.posix.join(cassetteDir, `${name}${EXTENSIONS[format ?? (typeof settings.format === 'string' ? settings.format : 'yaml')] ?? '.yml'}`),

    launch: (absoluteFile, _command, hook) => ({
      command: 'Rscript',
      args: ['--vanilla', path.join(hook.hookDirectory, 'testthat.R'), absoluteFile],
      env: hookEnvironment(hook),
    }),
    // testthat has only its own runner: every project can run warm.
    warmWorker: (_command, hookDirectory) => ({ command: 'Rscript', args: ['--vanilla', path.join(hookDirectory, 'worker.R')], runnerArgs: [] }),

    runtimeCheck: testthatRuntimeCheck,
    firstFailure: testthatFailure,
    // library(vcr) or loadNamespace() with the package missing.
    // rlang::check_installed() (vcr 2 asking for httr2 or crul): `The package "httr2" is required.`
    environmentErrors: [/^.*there is no package called .[\w.]+..*$/m, /^.*The package .[\w.]+. is required.*$/m],
    // vcr 1: "An HTTP request has been made that vcr does not know how to handle"; vcr 2 (webmockr):
    // "Failed to find matching request in active cassette", "Real HTTP connections are disabled".
    libraryMiss: /does not know how to handle|Failed to find matching request|real HTTP connections are disabled/i,
    reservedVariables: /^(R_\w+|RSCRIPT\w*)$/,
    toolFolders: ['.Rproj.user'],
  });
}

/** helper*.R then setup*.R, each alphabetically: the order testthat sources them in. */
function helperFiles(project: ProjectFiles, testDir: string): string[] {
  const names = project.list(testDir).sort();
  return [...names.filter((name) => /^helper.*\.[rR]$/.test(name)), ...names.filter((name) => /^setup.*\.[rR]$/.test(name))].map((name) =>
    path.posix.join(testDir, name),
  );
}

function readSettings(project: ProjectFiles, testDir: string, folderGiven: boolean): VcrSettings {
  let folder: VcrSettings['folder'];
  let format: VcrSettings['format'] = 'yaml';
  const variables: Assignment[] = [];
  let next = -(2 ** 40);
  for (const file of helperFiles(project, testDir)) {
    const code = blankComments(project.readText(file) ?? '', 'hash');
    const plain = blankStrings(code);
    const own = findAssignments(code, plain);
    const byName = indexByName([...variables, ...own]);
    const lineOf = lineFinder(code);
    for (const call of findCalls(code, plain, CONFIGURE_CALL)) {
      // vcr_configure() changes only the settings it is given.
      const visible: Scope = { byName, before: call.index };
      const where = `in ${file} line ${lineOf(call.index)}`;
      const dir = call.named.get('dir');
      if (dir !== undefined) {
        const known = dir.trim() === 'NULL' ? undefined : evaluateFolder(dir, visible, testDir);
        // A folder outside the project is no folder of ours: as unknown as a computed one.
        folder = dir.trim() === 'NULL' ? undefined : known && inProject(known, testDir) !== undefined ? known : { unknown: `vcr_configure(dir = ${dir.trim()}) ${where}` };
      }
      const serializer = call.named.get('serialize_with');
      if (serializer !== undefined) format = evaluateFormat(serializer, visible) ?? { unknown: `vcr_configure(serialize_with = ${serializer.trim()}) ${where}` };
    }
    // Helpers run before any test file: their top-level variables come before every position there.
    const topLevel = own.filter((assignment) => assignment.scopeEnd === Infinity);
    variables.push(...topLevel.map((assignment, i) => ({ ...assignment, order: next + i })));
    next += topLevel.length;
  }
  return { testDir, folder, format, major: vcrMajor(project, testDir), variables, folderGiven };
}

function configuredFolder(settings: VcrSettings): string | undefined {
  const folder = settings.folder;
  if (!folder || 'unknown' in folder) return undefined;
  return inProject(folder, settings.testDir);
}

/** vcr 2: testthat::test_path("_vcr"); vcr 1: "." (the test folder). Also where an unknown configured folder is looked for. */
function defaultFolder(settings: VcrSettings): string {
  return settings.major === 1 ? settings.testDir : path.posix.join(settings.testDir, '_vcr');
}

/**
 * Which vcr the project records with, for the default folder only. vcr 2 (what CRAN has had since
 * 2025) unless the project says otherwise: DESCRIPTION's `vcr (>= 2...)`, a `_vcr` folder, or
 * cassettes in the test folder written by vcr 1 (`recorded_with: vcr/1...`).
 */
function vcrMajor(project: ProjectFiles, testDir: string): 1 | 2 {
  const required = /\bvcr\s*\(\s*>=?\s*(\d+)/.exec(project.readText('DESCRIPTION') ?? '')?.[1];
  if (required !== undefined && Number(required) >= 2) return 2;
  if (project.isDirectory(path.posix.join(testDir, '_vcr'))) return 2;
  for (const name of project.list(testDir).filter((file) => /\.(ya?ml|json)$/.test(file)).slice(0, 20)) {
    const text = project.readText(path.posix.join(testDir, name)) ?? '';
    if (/recorded_with"?:\s*"?vcr\/1\./.test(text)) return 1;
    if (/recorded_with"?:\s*"?VCR-vcr\/2\./.test(text)) return 2;
  }
  return 2;
}

/** A vcr_configure() / local_vcr_configure() inside a test file: it applies to the cassettes after it, up to `end`. */
interface InFileSetting {
  start: number;
  end: number;
  /** The argument as written; 'NULL' for vcr's default. */
  dir: string | undefined;
  serializer: string | undefined;
  label: string;
}

function findRefs(source: string, wrappers: readonly string[], file: string | undefined, settings: VcrSettings): CassetteRef[] {
  const code = blankComments(source, 'hash');
  const plain = blankStrings(code);
  const lineOf = lineFinder(code);
  const own = findAssignments(code, plain);
  const cwd = file === undefined ? settings.testDir : path.posix.dirname(file);
  const byName = indexByName([...settings.variables, ...own]);
  const visibleAt = (index: number): Scope => ({ byName, before: index });
  // vcr_configure() holds for the rest of the file; local_vcr_configure() until its block closes.
  const inFile: InFileSetting[] = findCalls(code, plain, ANY_CONFIGURE_CALL).map((call) => ({
    start: call.index,
    end: call.callee.includes('local_') ? blockEnd(plain, call.index) : code.length,
    dir: call.named.get('dir'),
    serializer: call.named.get('serialize_with'),
    label: `${call.callee.replace(/\s*\($/, '')} line ${lineOf(call.index)}`,
  }));
  const refs: CassetteRef[] = [];
  for (const call of findCalls(code, plain, withWrappers(CASSETTE_CALL, wrappers))) {
    const nameExpression = call.named.get('name') ?? call.positional[0];
    if (nameExpression === undefined) continue;
    const line = lineOf(call.index);
    const name = stringLiteral(nameExpression);
    const expression = nameExpression.trim();
    if (name === undefined) {
      refs.push({ name, expression, line });
      continue;
    }
    const unresolved = (why: string) => refs.push({ name: undefined, expression: `${expression}${why}`, line });
    // Only vcr's own calls take `dir =` and `serialize_with =`; a wrapper's arguments mean what it says.
    const builtIn = CASSETTE_CALL.test(call.callee);
    const active = inFile.filter((setting) => setting.start < call.index && call.index < setting.end);
    const ref: CassetteRef = { name, expression, line };

    const ownDir = builtIn ? call.named.get('dir') : undefined;
    const fileDir = active.findLast((setting) => setting.dir !== undefined);
    if (ownDir !== undefined && ownDir.trim() !== 'NULL') {
      const folder = evaluateFolder(ownDir, visibleAt(call.index), settings.testDir);
      const inside = folder && inProject(folder, cwd);
      if (inside === undefined) {
        unresolved(`, dir = ${ownDir.trim()}`);
        continue;
      }
      ref.folder = inside;
    } else if (fileDir) {
      const dir = fileDir.dir!.trim();
      const folder = dir === 'NULL' ? { base: 'root' as const, path: defaultFolder(settings) } : evaluateFolder(dir, visibleAt(fileDir.start), settings.testDir);
      const inside = folder && inProject(folder, cwd);
      if (inside === undefined) {
        unresolved(` (folder: dir = ${dir} in ${fileDir.label})`);
        continue;
      }
      ref.folder = inside;
    } else if (settings.folder && 'unknown' in settings.folder && !settings.folderGiven) {
      unresolved(` (folder: ${settings.folder.unknown})`);
      continue;
    }

    const ownSerializer = builtIn ? call.named.get('serialize_with') : undefined;
    const fileSerializer = active.findLast((setting) => setting.serializer !== undefined);
    const serializer = ownSerializer !== undefined && ownSerializer.trim() !== 'NULL' ? { text: ownSerializer, at: call.index, why: '' } : fileSerializer && { text: fileSerializer.serializer!, at: fileSerializer.start, why: ` in ${fileSerializer.label}` };
    if (serializer) {
      const format = serializer.text.trim() === 'NULL' ? 'yaml' : evaluateFormat(serializer.text, visibleAt(serializer.at));
      if (format === undefined) {
        unresolved(serializer.why ? ` (format: serialize_with = ${serializer.text.trim()}${serializer.why})` : `, serialize_with = ${serializer.text.trim()}`);
        continue;
      }
      ref.format = format;
    } else if (typeof settings.format !== 'string') {
      unresolved(` (format: ${settings.format.unknown})`);
      continue;
    }
    refs.push(ref);
  }
  return refs;
}

/** Where the innermost `{ }` block around a position closes (the end of the file at top level). */
function blockEnd(plain: string, index: number): number {
  let depth = 0;
  let open = -1;
  for (let i = index - 1; i >= 0; i--) {
    const char = plain[i];
    if (char === '}') depth++;
    else if (char === '{' && depth-- === 0) {
      open = i;
      break;
    }
  }
  if (open === -1) return plain.length;
  depth = 0;
  for (let i = open; i < plain.length; i++) {
    if (plain[i] === '{') depth++;
    else if (plain[i] === '}' && --depth === 0) return i;
  }
  return plain.length;
}

interface Call {
  callee: string;
  index: number;
  positional: string[];
  named: Map<string, string>;
}

/** Every call to `callee` in comment-free code (`plain`: the same with strings blanked), its arguments split into positional and named. */
function findCalls(code: string, plain: string, callee: RegExp): Call[] {
  const calls: Call[] = [];
  for (const match of plain.matchAll(new RegExp(callee.source, 'g'))) {
    const args = splitArguments(callArguments(code, match.index + match[0].length - 1));
    const named = new Map<string, string>();
    const positional: string[] = [];
    for (const arg of args) {
      const name = NAMED.exec(arg);
      if (name) named.set(name[1]!, arg.slice(name[0].length));
      else positional.push(arg);
    }
    calls.push({ callee: match[0], index: match.index, positional, named });
  }
  return calls;
}

/**
 * `name <- expression` and `name = expression` outside any parentheses (so not a named argument),
 * each with the statement it assigns (up to the end of the line, or further while brackets are open).
 */
function findAssignments(code: string, plain: string): Assignment[] {
  const depth = parenDepths(plain);
  const found: Array<{ name: string; expression: string; order: number }> = [];
  for (const match of plain.matchAll(/^[ \t]*([A-Za-z.][\w.]*)[ \t]*(?:<<?-|=(?!=))[ \t]*/gm)) {
    if (depth[match.index] !== 0) continue;
    const start = match.index + match[0].length;
    found.push({ name: match[1]!, expression: statementAt(code, plain, start), order: match.index });
  }
  const ends = blockEnds(plain, found.map((assignment) => assignment.order));
  return found.map((assignment, i) => ({ ...assignment, scopeEnd: ends[i]! }));
}

/** For each position (ascending), where the innermost `{ }` block around it closes; Infinity at top level. One pass. */
function blockEnds(plain: string, positions: readonly number[]): number[] {
  const open: number[] = [];
  const enclosing: number[] = [];
  const closeOf = new Map<number, number>();
  let next = 0;
  for (let i = 0; i < plain.length; i++) {
    while (next < positions.length && positions[next] === i) enclosing[next++] = open.at(-1) ?? -1;
    if (plain[i] === '{') open.push(i);
    else if (plain[i] === '}') {
      const start = open.pop();
      if (start !== undefined) closeOf.set(start, i);
    }
  }
  while (next < positions.length) enclosing[next++] = open.at(-1) ?? -1;
  return enclosing.map((start) => (start === -1 ? Infinity : (closeOf.get(start) ?? plain.length)));
}

/**
 * How many ( and [ are open before each position, counted from the innermost `{`: a statement in
 * a test_that("x", { ... }) block is at depth 0 again, a named argument is not.
 */
function parenDepths(plain: string): Int32Array {
  const depths = new Int32Array(plain.length + 1);
  const outer: number[] = [];
  let depth = 0;
  for (let i = 0; i < plain.length; i++) {
    depths[i] = depth;
    const char = plain[i]!;
    if (char === '(' || char === '[') depth++;
    else if ((char === ')' || char === ']') && depth > 0) depth--;
    else if (char === '{') {
      outer.push(depth);
      depth = 0;
    } else if (char === '}') depth = outer.pop() ?? 0;
  }
  depths[plain.length] = depth;
  return depths;
}

function statementAt(code: string, plain: string, start: number): string {
  let depth = 0;
  let i = start;
  for (; i < plain.length; i++) {
    const char = plain[i]!;
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if ((char === '\n' || char === ';') && depth <= 0) break;
    if (depth < 0) break;
  }
  return code.slice(start, i).trim();
}

const MAX_INDIRECTION = 8;

function indexByName(assignments: readonly Assignment[]): Map<string, Assignment[]> {
  const byName = new Map<string, Assignment[]>();
  for (const assignment of assignments) {
    const list = byName.get(assignment.name);
    if (list) list.push(assignment);
    else byName.set(assignment.name, [assignment]);
  }
  return byName;
}

/**
 * The value of a variable at a point: its last assignment before it that is still in sight there,
 * and the scope that assignment's own expression saw.
 */
function lookup(name: string, scope: Scope): { expression: string; scope: Scope } | undefined {
  const list = scope.byName.get(name) ?? [];
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle]!.order < scope.before) low = middle + 1;
    else high = middle;
  }
  for (let i = low - 1; i >= 0; i--) {
    const found = list[i]!;
    if (scope.before < found.scopeEnd) return { expression: found.expression, scope: { byName: scope.byName, before: found.order } };
  }
  return undefined;
}

/**
 * A folder expression, when the source alone tells it: a string, a variable assigned one,
 * `test_path(...)`, `vcr_test_path(...)` (the folder above tests/testthat), `here::here(...)` and
 * `file.path(...)` of those. Anything else (a function of ours cannot know, an absolute path) is undefined.
 */
function evaluateFolder(expression: string, visible: Scope, testDir: string, depth = 0): Folder | undefined {
  const text = expression.trim();
  if (depth > MAX_INDIRECTION) return undefined;
  const literal = stringLiteral(text);
  if (literal !== undefined) return /^(\/|~|[A-Za-z]:)/.test(literal) || literal === '' ? undefined : { base: 'cwd', path: literal };
  if (/^[A-Za-z.][\w.]*$/.test(text)) {
    const value = lookup(text, visible);
    return value && evaluateFolder(value.expression, value.scope, testDir, depth + 1);
  }
  const call = /^([\w.:]+)\s*\(/.exec(text);
  if (!call || callArguments(text, call[0].length - 1).length + call[0].length + 1 !== text.length) return undefined;
  const args = splitArguments(callArguments(text, call[0].length - 1));
  if (args.some((arg) => NAMED.test(arg))) return undefined;
  const strings = () => {
    const parts = args.map((arg) => evaluateFolder(arg, visible, testDir, depth + 1));
    return parts.every((part) => part?.base === 'cwd') ? parts.map((part) => part!.path) : undefined;
  };
  switch (call[1]) {
    case 'test_path':
    case 'testthat::test_path': {
      const parts = strings();
      return parts && { base: 'cwd', path: path.posix.join(...parts) };
    }
    case 'vcr_test_path':
    case 'vcr::vcr_test_path': {
      const parts = strings();
      return parts && parts.length > 0 ? { base: 'root', path: path.posix.join(path.posix.dirname(testDir), ...parts) } : undefined;
    }
    case 'here':
    case 'here::here': {
      const parts = strings();
      return parts && { base: 'root', path: path.posix.join('.', ...parts) };
    }
    case 'file.path': {
      const [first, ...rest] = args;
      const head = first === undefined ? undefined : evaluateFolder(first, visible, testDir, depth + 1);
      const tail = rest.map((arg) => evaluateFolder(arg, visible, testDir, depth + 1));
      if (!head || !tail.every((part) => part?.base === 'cwd')) return undefined;
      return { base: head.base, path: path.posix.join(head.path, ...tail.map((part) => part!.path)) };
    }
    default:
      return undefined;
  }
}

/** A serializer name, literal or held in a variable; undefined unless vcr knows it. */
function evaluateFormat(expression: string, visible: Scope, depth = 0): string | undefined {
  const text = expression.trim();
  const literal = stringLiteral(text);
  if (literal !== undefined) return literal in EXTENSIONS ? literal : undefined;
  if (depth > MAX_INDIRECTION || !/^[A-Za-z.][\w.]*$/.test(text)) return undefined;
  const value = lookup(text, visible);
  return value && evaluateFormat(value.expression, value.scope, depth + 1);
}

/** The folder relative to the project root, or undefined when it leaves the project. */
function inProject(folder: Folder, cwd: string): string | undefined {
  const joined = path.posix.normalize(folder.base === 'cwd' ? path.posix.join(cwd, folder.path) : folder.path).replace(/\/$/, '');
  return joined === '..' || joined.startsWith('../') ? undefined : joined;
}
