// Just enough of a JavaScript reader for settings that live outside the test files: folders
// assigned in helpers (`recordingsDir`, `nock.back.fixtures`), the files to look in.
import path from 'node:path';
import type { ProjectFiles } from './project-files.js';
import { blankComments, blankStrings, callArguments, splitArguments, stringLiteral } from './source-scan.js';

export const SOURCE_FILE = /\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/;

/** The expression starting at `start`, up to a top-level `,` `;` closing bracket, or line end. */
export function expressionAt(code: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  let i = start;
  for (; i < code.length; i++) {
    const char = code[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (char === '"' || char === "'" || char === '`') quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) {
      if (depth-- === 0) break;
    } else if (depth === 0 && (char === ',' || char === ';' || (char === '\n' && code.slice(start, i).trim() !== ''))) break;
  }
  return code.slice(start, i).trim();
}

/**
 * A folder relative to the working directory (where Polly resolves relative ones), if the
 * expression is static: a literal, `path.join(__dirname, '/x')` (join keeps a leading slash inside),
 * `path.resolve(__dirname, 'x')` (where a leading slash would start from the root: not ours),
 * `` `${__dirname}/x` `` and `__dirname + '/x'`; `process.cwd()` and `import.meta.dirname` too.
 */
export function staticDirectory(expression: string, fileDir: string): string | undefined {
  const literal = stringLiteral(expression);
  if (literal !== undefined) return path.posix.normalize(literal.replace(/\/+$/, '')) || undefined;
  const joined = joinedOnBase(expression);
  if (!joined) return undefined;
  const root = baseFolder(joined.base, fileDir);
  if (root === undefined || joined.parts.some((part) => part === undefined || (joined.resolve && part.startsWith('/')))) return undefined;
  return path.posix.normalize(path.posix.join(root, ...(joined.parts as string[])));
}

/** `join(base, 'a', 'b')`, `` `${base}/a` `` or `base + '/a'`: the base expression and the literal parts after it. */
function joinedOnBase(expression: string): { base: string; parts: Array<string | undefined>; resolve: boolean } | undefined {
  const call = /^(?:path\s*\.\s*)?(?:posix\s*\.\s*)?(join|resolve)\s*\(/.exec(expression);
  if (call) {
    const [base, ...rest] = splitArguments(callArguments(expression, call[0].length - 1));
    return base === undefined ? undefined : { base, parts: rest.map(stringLiteral), resolve: call[1] === 'resolve' };
  }
  const template = /^`\$\{\s*([^}]+?)\s*\}([^`$]*)`$/.exec(expression);
  if (template) return { base: template[1]!, parts: [template[2]!], resolve: false };
  const sum = /^([\w$.()\s]+?)\s*\+\s*(['"][^'"]*['"])$/.exec(expression);
  if (sum) return { base: sum[1]!, parts: [stringLiteral(sum[2]!)], resolve: false };
  return undefined;
}

function baseFolder(base: string, fileDir: string): string | undefined {
  const compact = base.replace(/\s/g, '');
  if (compact === '__dirname' || compact === 'import.meta.dirname') return fileDir;
  if (compact === 'process.cwd()') return '.';
  return undefined;
}

/** Source files under `dir`, sorted, each folder's own files before its subfolders'; node_modules left out. */
export function sourceFiles(project: ProjectFiles, dir: string, depth = 0): string[] {
  if (depth > 4) return [];
  const names = [...project.list(dir)].sort();
  const here = names.map((name) => path.posix.join(dir, name));
  const files = here.filter((file) => SOURCE_FILE.test(file) && project.isFile(file));
  const folders = here.filter((file) => !file.endsWith('/node_modules') && project.isDirectory(file));
  return [...files, ...folders.flatMap((folder) => sourceFiles(project, folder, depth + 1))];
}


/**
 * The first static folder a source file under `testDir` assigns with `pattern` (which matches up
 * to and including the `=` or `:`), relative to the working directory.
 */
export function findAssignedDirectory(project: ProjectFiles, testDir: string, pattern: RegExp): { dir: string; file: string } | undefined {
  const global = new RegExp(pattern.source, 'g');
  for (const file of sourceFiles(project, testDir)) {
    const code = blankComments(project.readText(file) ?? '', 'slash');
    for (const match of blankStrings(code).matchAll(global)) {
      const dir = staticDirectory(expressionAt(code, match.index + match[0].length), path.posix.dirname(file));
      if (dir !== undefined) return { dir, file };
    }
  }
  return undefined;
}

/** What a JavaScript file imports from one module specifier. */
export interface ImportBinding {
  specifier: string;
  /** Exported name -> local names (`import { a as b }`, `const { a: b } = require()`). */
  named: Map<string, string[]>;
  /** Locals bound to the whole module (`import * as m`, `import m from`, `const m = require()`). */
  namespaces: string[];
}

const NAMED_IMPORT = /\bimport\s*(?:([\w$]+)\s*,\s*)?\{([^}]*)\}\s*from\s*(['"])([^'"\n]+)\3/g;
const NAMESPACE_IMPORT = /\bimport\s*(?:([\w$]+)\s*,\s*)?\*\s*as\s+([\w$]+)\s+from\s*(['"])([^'"\n]+)\3/g;
const DEFAULT_IMPORT = /\bimport\s+([\w$]+)\s+from\s*(['"])([^'"\n]+)\2/g;
const DESTRUCTURED_REQUIRE = /\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*(?:await\s+import|require)\s*\(\s*(['"])([^'"\n]+)\2\s*\)/g;
const WHOLE_REQUIRE = /\b(?:const|let|var)\s+([\w$]+)\s*=\s*require\s*\(\s*(['"])([^'"\n]+)\2\s*\)(\s*\.\s*([\w$]+))?/g;
const ANY_SPECIFIER = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s*|\bimport\s*)(['"])([^'"\n]+)\1/g;

/** Every module a file imports or requires, with the names it binds (comments must be blanked). */
export function importBindings(code: string): Map<string, ImportBinding> {
  const bindings = new Map<string, ImportBinding>();
  const of = (specifier: string) => {
    let binding = bindings.get(specifier);
    if (!binding) bindings.set(specifier, (binding = { specifier, named: new Map(), namespaces: [] }));
    return binding;
  };
  const bind = (specifier: string, exported: string, local: string) => {
    const named = of(specifier).named;
    named.set(exported, [...(named.get(exported) ?? []), local]);
  };
  for (const match of code.matchAll(NAMED_IMPORT)) {
    if (match[1]) bind(match[4]!, 'default', match[1]);
    for (const part of match[2]!.split(',')) {
      const pair = /^\s*(?:type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?\s*$/.exec(part);
      if (pair) bind(match[4]!, pair[1]!, pair[2] ?? pair[1]!);
    }
  }
  for (const match of code.matchAll(NAMESPACE_IMPORT)) {
    of(match[4]!).namespaces.push(match[2]!);
    if (match[1]) bind(match[4]!, 'default', match[1]);
  }
  for (const match of code.matchAll(DEFAULT_IMPORT)) {
    // A CommonJS module's default export is its module.exports: a namespace in effect.
    of(match[3]!).namespaces.push(match[1]!);
  }
  for (const match of code.matchAll(DESTRUCTURED_REQUIRE)) {
    for (const part of match[1]!.split(',')) {
      const pair = /^\s*([\w$]+)(?:\s*:\s*([\w$]+))?\s*(?:=[^,]*)?$/.exec(part);
      if (pair) bind(match[3]!, pair[1]!, pair[2] ?? pair[1]!);
    }
  }
  for (const match of code.matchAll(WHOLE_REQUIRE)) {
    if (match[5]) bind(match[3]!, match[5], match[1]!);
    else of(match[3]!).namespaces.push(match[1]!);
  }
  for (const match of code.matchAll(ANY_SPECIFIER)) of(match[2]!);
  return bindings;
}

/** A relative import resolved to a project file, as Node resolves it (extension, then index). */
export function resolveRelativeImport(project: ProjectFiles, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  const candidates = [base, ...['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'].map((ext) => `${base}${ext}`), ...['index.js', 'index.cjs', 'index.mjs', 'index.ts'].map((name) => `${base}/${name}`)];
  return candidates.find((candidate) => SOURCE_FILE.test(candidate) && project.isFile(candidate));
}

/** Local names a file gives to one export of a module (named imports, and `ns.name` through namespaces). */
export function localNames(bindings: ReadonlyMap<string, ImportBinding>, isModule: (specifier: string) => boolean, exported: string): { direct: string[]; viaNamespace: string[] } {
  const direct: string[] = [];
  const viaNamespace: string[] = [];
  for (const binding of bindings.values()) {
    if (!isModule(binding.specifier)) continue;
    direct.push(...(binding.named.get(exported) ?? []));
    viaNamespace.push(...binding.namespaces.map((namespace) => `${namespace}.${exported}`));
  }
  return { direct, viaNamespace };
}
