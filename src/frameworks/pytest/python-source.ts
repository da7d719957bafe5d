// Just enough of a Python reader to map cassettes: comments and docstrings blanked, statements
// joined across brackets, the classes and functions with their decorators, module constants.
// Every pass is linear in the size of the source: test files of several megabytes exist.
import path from 'node:path';
import { blankStrings, callArguments, splitArguments, stringLiteral } from '../shared/source-scan.js';

/**
 * The source with comments blanked and triple-quoted strings reduced to `""` (newlines kept), same
 * length: what is left is simple enough for the generic scanner, whose quotes are single-line.
 */
export function pythonCode(source: string): string {
  const out: string[] = [];
  let plainFrom = 0;
  for (let i = 0; i < source.length; ) {
    const char = source[i]!;
    if (char === '#') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out.push(source.slice(plainFrom, i), ' '.repeat(stop - i));
      i = plainFrom = stop;
    } else if (char === '"' || char === "'") {
      const triple = source.startsWith(char.repeat(3), i);
      const stop = stringEnd(source, i, triple ? char.repeat(3) : char);
      if (triple) {
        out.push(source.slice(plainFrom, i), `${char}${char}${source.slice(i + 2, stop).replace(/[^\n]/g, ' ')}`);
        plainFrom = stop;
      }
      i = stop;
    } else {
      i++;
    }
  }
  out.push(source.slice(plainFrom));
  return out.join('');
}

/** Index just past the string that opens at `start` (an unterminated one-line string ends at the line's end). */
function stringEnd(source: string, start: number, quote: string): number {
  for (let i = start + quote.length; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (source.startsWith(quote, i)) return i + quote.length;
    else if (quote.length === 1 && source[i] === '\n') return i;
  }
  return source.length;
}

/** A Python string literal's value: prefixes r/u/f (f only without `{}`), else undefined. */
export function pythonLiteral(expression: string): string | undefined {
  const match = /^([rRuUfF]{0,2})(["'].*["'])$/s.exec(expression.trim());
  if (!match) return undefined;
  const prefix = match[1]!.toLowerCase();
  if (prefix.includes('u') && prefix.length > 1) return undefined;
  const body = match[2]!;
  if (prefix.includes('f') && /[{}]/.test(body)) return undefined;
  if (prefix.includes('r')) return /^(["'])([^"'\n]*)\1$/.exec(body)?.[2];
  return stringLiteral(body);
}

export interface LogicalLine {
  indent: number;
  /** The statement with strings blanked (for structure) and as written (for arguments). */
  shape: string;
  text: string;
  line: number;
}

/** Statements: physical lines joined inside brackets and after a trailing backslash. One pass. */
export function logicalLines(code: string): LogicalLine[] {
  const shapes = blankStrings(code);
  const lines: LogicalLine[] = [];
  let start = 0;
  let depth = 0;
  let line = 1;
  let startLine = 1;
  let lastVisible = '';
  for (let i = 0; i <= shapes.length; i++) {
    const char = shapes[i];
    if (char !== undefined && char !== '\n') {
      if ('([{'.includes(char)) depth++;
      else if (')]}'.includes(char)) depth = Math.max(0, depth - 1);
      if (char !== ' ' && char !== '\t' && char !== '\r') lastVisible = char;
      continue;
    }
    const continued = char === '\n' && (depth > 0 || lastVisible === '\\');
    lastVisible = '';
    if (char === '\n') line++;
    if (continued) continue;
    const shape = shapes.slice(start, i);
    if (shape.trim() !== '') {
      const indent = /^[ \t]*/.exec(shape)![0].length;
      lines.push({ indent, shape: shape.trim(), text: code.slice(start + indent, i).trim(), line: startLine });
    }
    start = i + 1;
    startLine = line;
  }
  return lines;
}

export interface PythonClass {
  name: string;
  decorators: LogicalLine[];
  /** `pytestmark = ...` statements in the class body, as written. */
  marks: string[];
  line: number;
}

export interface PythonFunction {
  name: string;
  line: number;
  decorators: LogicalLine[];
  /** The innermost class it is a method of (undefined at module level). */
  owner: PythonClass | undefined;
  /** Defined inside another function: never a test, never a fixture. */
  nested: boolean;
  /** The statements of its body, for fixtures' `return` values. */
  body: LogicalLine[];
}

export interface PythonModule {
  code: string;
  functions: PythonFunction[];
  /** Module-level `pytestmark = ...`, as written. */
  marks: string[];
  /** Module-level `NAME = <expression>` (the last assignment wins, as at import time). */
  constants: Map<string, string>;
}

interface OpenScope {
  indent: number;
  kind: 'class' | 'def';
  cls?: PythonClass;
  fn?: PythonFunction;
}

/** Classes, functions and module constants of a Python file, in one pass over its statements. */
export function readPythonModule(source: string): PythonModule {
  const code = pythonCode(source);
  const functions: PythonFunction[] = [];
  const marks: string[] = [];
  const constants = new Map<string, string>();
  const scopes: OpenScope[] = [];
  let decorators: LogicalLine[] = [];
  for (const statement of logicalLines(code)) {
    while (scopes.length > 0 && scopes.at(-1)!.indent >= statement.indent) scopes.pop();
    const parent = scopes.at(-1);
    for (const scope of scopes) if (scope.fn) scope.fn.body.push(statement);
    if (statement.shape.startsWith('@')) {
      decorators.push(statement);
      continue;
    }
    const definition = /^(?:(class)|(?:async\s+)?def)\s+(\w+)/.exec(statement.shape);
    if (definition?.[1]) {
      const cls: PythonClass = { name: definition[2]!, decorators, marks: [], line: statement.line };
      scopes.push({ indent: statement.indent, kind: 'class', cls });
    } else if (definition) {
      const nested = scopes.some((scope) => scope.kind === 'def');
      const owner = parent?.kind === 'class' ? parent.cls : undefined;
      const fn: PythonFunction = { name: definition[2]!, line: statement.line, decorators, owner, nested, body: [] };
      functions.push(fn);
      scopes.push({ indent: statement.indent, kind: 'def', fn });
    } else {
      const assignment = /^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)/.exec(statement.shape);
      if (assignment && assignment[1] === 'pytestmark') {
        const value = statement.text.slice(statement.text.indexOf('=') + 1).trim();
        if (parent === undefined) marks.push(value);
        else if (parent.kind === 'class') parent.cls!.marks.push(value);
      } else if (assignment && parent === undefined) {
        constants.set(assignment[1]!, statement.text.slice(statement.text.indexOf('=', assignment[1]!.length) + 1).trim());
      }
    }
    decorators = [];
  }
  return { code, functions, marks, constants };
}

/** The expression a function returns first (at the top level of its body), as written. */
export function firstReturn(fn: PythonFunction): string | undefined {
  const bodyIndent = fn.body[0]?.indent;
  const statement = fn.body.find((line) => line.indent === bodyIndent && /^(?:return|yield)\b/.test(line.shape));
  return statement?.text.replace(/^(?:return|yield)\b/, '').trim();
}

/** The arguments of a call written as `callee(...)` (a decorator without `@`, a mark), or [] without parentheses. */
export function decoratorArguments(text: string): string[] {
  const open = text.indexOf('(');
  return open === -1 ? [] : splitArguments(callArguments(text, open));
}

/** A keyword argument's expression (`name=...`) among split arguments. */
const KEYWORD_PATTERNS = new Map<string, RegExp>();

export function keywordArgument(args: readonly string[], name: string): string | undefined {
  let pattern = KEYWORD_PATTERNS.get(name);
  if (!pattern) KEYWORD_PATTERNS.set(name, (pattern = new RegExp(`^${name}\\s*=(?!=)\\s*`)));
  const found = args.find((arg) => pattern.test(arg));
  return found?.replace(pattern, '');
}

export function positionalArguments(args: readonly string[]): string[] {
  return args.filter((arg) => !/^[A-Za-z_]\w*\s*=(?!=)/.test(arg) && !arg.startsWith('*'));
}

const HERE = String.raw`(?:os\.path\.dirname\(\s*(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__\s*\)?\s*\))`;
const OS_PATH_JOIN = /^os\.path\.join\(([^]*)\)$/;
const PATHLIB = /^(?:str\(\s*)?(?:pathlib\.)?Path\(\s*__file__\s*\)(?:\.(?:resolve|absolute)\(\s*\))?\.parent((?:\s*\/\s*[rRuU]?(["'])[^"'\n]*\2)*)\s*\)?$/;
const REQUEST_DIR = /^(?:os\.path\.dirname\(\s*(?:request\.(?:module\.__file__|node\.fspath|fspath|path)|str\(\s*request\.(?:node\.)?path\s*\))\s*\)|request\.(?:node\.)?fspath\.dirname|str\(\s*request\.(?:node\.)?path\.parent\s*\))$/;
const LITERAL = /[rRuU]?(["'])[^"'\n]*\1/g;

export interface DirectoryContext {
  /** Folder of the file that holds the expression (for `__file__`), relative to the working directory. */
  fileDir: string;
  /** Folder of the test module (for `request.module.__file__` in fixtures), when the expression sits in a fixture. */
  testDir?: string;
  /** Module-level constants of the file, for `cassette_library_dir=CASSETTES`. */
  constants?: ReadonlyMap<string, string>;
  /** The test module's `__name__` and file name without `.py`, for `request.module.__name__` in fixtures. */
  moduleName?: string;
  moduleBase?: string;
}

/** `request.module.__name__` and its kin, as a path part, when the fixture's test module is known. */
function modulePart(expression: string, context: DirectoryContext): string | undefined {
  const compact = expression.replace(/\s+/g, '');
  if (compact === 'request.module.__name__') return context.moduleName;
  if (/^request\.(?:node\.)?fspath\.purebasename$|^request\.(?:node\.)?path\.stem$/.test(compact)) return context.moduleBase;
  return undefined;
}

/**
 * A folder relative to the working directory (where pytest runs, and where vcrpy resolves relative
 * names), when the expression spells one: `"dir"`, `os.path.join(os.path.dirname(__file__), "a")`,
 * `Path(__file__).parent / "a"`, a module constant holding one of those, and in fixtures the test
 * module's folder (`request.module.__file__`, `request.node.fspath.dirname`).
 */
export function resolveDirectory(expression: string, context: DirectoryContext, depth = 0): string | undefined {
  const trimmed = expression.trim();
  const literal = pythonLiteral(trimmed);
  if (literal !== undefined) return literal && !path.posix.isAbsolute(literal) ? path.posix.normalize(literal).replace(/\/$/, '') : undefined;
  if (/^[A-Za-z_]\w*$/.test(trimmed) && depth < 3) {
    const constant = context.constants?.get(trimmed);
    return constant === undefined ? undefined : resolveDirectory(constant, context, depth + 1);
  }
  const base = folderBase(trimmed, context);
  if (base !== undefined) return base;
  const joined = OS_PATH_JOIN.exec(trimmed);
  if (joined) {
    const [first, ...rest] = splitArguments(joined[1]!);
    if (first === undefined) return undefined;
    const root = folderBase(first, context) ?? pythonLiteral(first);
    const parts = rest.map((part) => pythonLiteral(part) ?? modulePart(part, context));
    if (root === undefined || parts.some((part) => part === undefined || path.posix.isAbsolute(part))) return undefined;
    return path.posix.join(root, ...(parts as string[]));
  }
  const pathlib = PATHLIB.exec(trimmed);
  if (pathlib) {
    const parts = [...pathlib[1]!.matchAll(LITERAL)].map((found) => pythonLiteral(found[0]));
    if (parts.some((part) => part === undefined)) return undefined;
    return path.posix.join(context.fileDir, ...(parts as string[]));
  }
  return undefined;
}

function folderBase(expression: string, context: DirectoryContext): string | undefined {
  const compact = expression.replace(/\s+/g, '');
  if (new RegExp(`^${HERE}$`).test(compact)) return context.fileDir;
  if (context.testDir !== undefined && REQUEST_DIR.test(compact)) return context.testDir;
  return undefined;
}
