// Python: pytest + vcrpy (also pytest-vcr's `@pytest.mark.vcr`). The record hook is a pytest plugin
// (hooks/rerecord_vcrpy.py) that pins every cassette to record mode and journals it; PYTEST_PLUGINS
// loads it, so it also rides along with a custom `command` that ends up running pytest.
import path from 'node:path';
import { fillCommand, hookEnvironment, type CassetteRef, type FrameworkPreset } from './preset.js';
import { blankStrings, callArguments, findCassetteCalls, splitArguments, stringLiteral, withWrappers } from './source-scan.js';

const PLUGIN = 'rerecord_vcrpy';

/** `vcr.use_cassette(`, `my_vcr.use_cassette(`, `self.vcr.use_cassette(`, a bare imported `use_cassette(`. */
const CASSETTE_CALL = { callee: /(?<![\w])use_cassette\s*\(/, namedArgument: /^(?:path|name)\s*=(?!=)\s*/ };
const VCR_MARK = /\bmark\s*\.\s*vcr\b/;
const PARAMETRIZE = /\bmark\s*\.\s*parametrize\b/;
const TEST_FILE = /^(?:test_.*|.*_test)\.py$/;

export const pytest: FrameworkPreset = {
  name: 'pytest',
  defaultTestDir: 'tests',
  defaultTestPattern: '**/{test_*,*_test}.py',
  // `python3 -m` (not `pytest`) also puts the working directory on sys.path, as most projects expect.
  defaultCommand: ['python3', '-m', 'pytest', '{file}'],
  hasRecordHook: true,

  detect(project) {
    if (['pytest.ini', '.pytest.ini', 'conftest.py', 'tests/conftest.py', 'test/conftest.py'].some((file) => project.isFile(file))) return true;
    const sections: Array<[string, RegExp]> = [
      ['pyproject.toml', /^\[tool\.pytest\b/m],
      ['setup.cfg', /^\[tool:pytest\]/m],
      ['tox.ini', /^\[pytest\]/m],
    ];
    return sections.some(([file, section]) => section.test(project.readText(file) ?? ''));
  },

  /**
   * vcrpy joins names to the `cassette_library_dir` of the VCR(...) that opens them; we look for
   * one in conftest.py files and the helper modules of the test folder. pytest-vcr's default,
   * `cassettes` beside the test module, is the fallback.
   */
  defaultCassetteDir(project, testDir) {
    const helpers = project.list(testDir).filter((name) => name.endsWith('.py') && !TEST_FILE.test(name) && name !== 'conftest.py');
    const candidates = ['conftest.py', path.posix.join(testDir, 'conftest.py'), ...helpers.sort().map((name) => path.posix.join(testDir, name))];
    for (const file of [...new Set(candidates.map((candidate) => path.posix.normalize(candidate)))]) {
      const source = project.readText(file);
      const dir = source === undefined ? undefined : findLibraryDir(source, path.posix.dirname(file));
      if (dir !== undefined) return dir;
    }
    return path.posix.join(testDir, 'cassettes');
  },

  findCassetteRefs(source, wrappers) {
    const code = pythonCode(source);
    const calls = findCassetteCalls(withoutDefinitionNames(code), 'hash', { ...CASSETTE_CALL, callee: withWrappers(CASSETTE_CALL.callee, wrappers) });
    // The generic scanner reads JavaScript-style literals; Python's have prefixes (r"", f"").
    const literalCalls = calls.map((ref) => ({ ...ref, name: pythonLiteral(ref.expression) }));
    return [...literalCalls, ...decoratorRefs(code, wrappers)].sort((a, b) => a.line - b.line);
  },

  /** vcrpy does not prefix a name that already starts with the library dir. */
  cassettePath: (cassetteDir, name) => (name.startsWith(`${cassetteDir}/`) ? path.posix.normalize(name) : path.posix.join(cassetteDir, name)),

  launch(absoluteFile, command, hook) {
    const inherited = (name: string, separator: string) => (process.env[name] ? `${process.env[name]}${separator}` : '');
    return {
      ...fillCommand(command, absoluteFile),
      env: {
        ...hookEnvironment(hook),
        PYTHONPATH: `${inherited('PYTHONPATH', path.delimiter)}${hook.hookDirectory}`,
        PYTEST_PLUGINS: `${inherited('PYTEST_PLUGINS', ',')}${PLUGIN}`,
      },
    };
  },
};

/**
 * The source with comments blanked and triple-quoted strings reduced to `""` (newlines kept), same
 * length: what is left is simple enough for the generic scanner, whose quotes are single-line.
 */
export function pythonCode(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; ) {
    const char = source[i]!;
    if (char === '#') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (char === '"' || char === "'") {
      const triple = source.startsWith(char.repeat(3), i);
      const stop = stringEnd(source, i, triple ? char.repeat(3) : char);
      const text = source.slice(i, stop);
      out += triple ? `${char}${char}${text.slice(2).replace(/[^\n]/g, ' ')}` : text;
      i = stop;
    } else {
      out += char;
      i++;
    }
  }
  return out;
}

/** The names in `def name(` blanked (same length), so that a definition never reads as a call. */
function withoutDefinitionNames(code: string): string {
  let out = code;
  for (const match of blankStrings(code).matchAll(/\bdef\s+(\w+)/g)) {
    const at = match.index + match[0].length - match[1]!.length;
    out = out.slice(0, at) + '_'.repeat(match[1]!.length) + out.slice(at + match[1]!.length);
  }
  return out;
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

interface LogicalLine {
  indent: number;
  /** The statement with strings blanked (for structure) and as written (for arguments). */
  shape: string;
  text: string;
  line: number;
}

/** Statements: physical lines joined inside brackets and after a trailing backslash. */
function logicalLines(code: string): LogicalLine[] {
  const shapes = blankStrings(code);
  const lines: LogicalLine[] = [];
  let start = 0;
  let depth = 0;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i <= shapes.length; i++) {
    const char = shapes[i];
    if (char !== undefined && '([{'.includes(char)) depth++;
    else if (char !== undefined && ')]}'.includes(char)) depth = Math.max(0, depth - 1);
    if (char !== '\n' && char !== undefined) continue;
    const continued = char === '\n' && (depth > 0 || /\\\s*$/.test(shapes.slice(start, i)));
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

interface Scope {
  kind: 'class' | 'def';
  indent: number;
  name: string;
  vcr: boolean;
  parametrized: boolean;
}

/**
 * Names only the decorated function can tell:
 * - pytest-vcr's `@pytest.mark.vcr` (on the test, its class, or `pytestmark`) records into
 *   `<Class>.<test>.yaml` or `<test>.yaml`; a parametrized test gets one cassette per `[id]`.
 * - `@my_vcr.use_cassette` without a path names the cassette after the function (plus whatever
 *   path_transformer the VCR has): left to the journal.
 */
function decoratorRefs(code: string, wrappers: readonly string[]): CassetteRef[] {
  const useCassette = withWrappers(CASSETTE_CALL.callee, wrappers);
  const decoratorCall = new RegExp(String.raw`^(?:[A-Za-z_]\w*\s*\.\s*)*(?:${useCassette.source.replace(/\\s\*\\\($/, '')})\s*(?:\(|$)`);
  const refs: CassetteRef[] = [];
  const scopes: Scope[] = [];
  const module = { vcr: false, parametrized: false };
  let decorators: LogicalLine[] = [];
  for (const statement of logicalLines(code)) {
    while (scopes.length > 0 && scopes.at(-1)!.indent >= statement.indent) scopes.pop();
    const parent = scopes.at(-1);
    if (statement.shape.startsWith('@')) {
      decorators.push(statement);
      continue;
    }
    const marks = decorators.map((decorator) => decorator.shape);
    const definition = /^(?:(class)|(?:async\s+)?def)\s+(\w+)/.exec(statement.text);
    if (definition) {
      const scope: Scope = {
        kind: definition[1] ? 'class' : 'def',
        indent: statement.indent,
        name: definition[2]!,
        vcr: marks.some((mark) => VCR_MARK.test(mark)),
        parametrized: marks.some((mark) => PARAMETRIZE.test(mark)),
      };
      if (scope.kind === 'def' && parent?.kind !== 'def') refs.push(...testRefs(scope, parent, module, decorators, decoratorCall, statement.line));
      scopes.push(scope);
    } else if (/^pytestmark\s*(?::[^=]*)?=/.test(statement.shape)) {
      const target = parent === undefined ? module : parent.kind === 'class' ? parent : undefined;
      if (target) {
        target.vcr ||= VCR_MARK.test(statement.shape);
        target.parametrized ||= PARAMETRIZE.test(statement.shape);
      }
    }
    decorators = [];
  }
  return refs;
}

function testRefs(
  fn: Scope,
  parent: Scope | undefined,
  module: { vcr: boolean; parametrized: boolean },
  decorators: readonly LogicalLine[],
  decoratorCall: RegExp,
  line: number,
): CassetteRef[] {
  const refs: CassetteRef[] = [];
  for (const decorator of decorators) {
    const call = decoratorCall.exec(decorator.shape.slice(1));
    if (!call) continue;
    const args = call[0].endsWith('(') ? splitArguments(callArguments(decorator.text.slice(1), call[0].length - 1)) : [];
    // With a path, the call scanner already has it.
    if (args.some((arg) => !/^[A-Za-z_]\w*\s*=(?!=)/.test(arg) || CASSETTE_CALL.namedArgument.test(arg))) continue;
    refs.push({ name: undefined, expression: `${decorator.text.replace(/\s+/g, ' ')} on ${fn.name}`, line: decorator.line });
  }
  const inClass = parent?.kind === 'class';
  const isTest = fn.name.startsWith('test') && (!inClass || parent.name.startsWith('Test'));
  if (isTest && (fn.vcr || (inClass && parent.vcr) || module.vcr)) {
    const name = inClass ? `${parent.name}.${fn.name}` : fn.name;
    if (fn.parametrized || (inClass && parent.parametrized) || module.parametrized) {
      refs.push({ name: undefined, expression: `@pytest.mark.vcr on parametrized ${name} (${name}[<id>].yaml)`, line });
    } else {
      refs.push({ name: `${name}.yaml`, expression: `@pytest.mark.vcr on ${name}`, line });
    }
  }
  return refs;
}

/** The cassette_library_dir a file configures, relative to the working directory, when it is written plainly. */
export function findLibraryDir(source: string, fileDir: string): string | undefined {
  const code = pythonCode(source);
  const setting = /(?:\bcassette_library_dir\s*=(?!=)|(["'])cassette_library_dir\1\s*:)\s*/g;
  for (const match of code.matchAll(setting)) {
    const expression = expressionAt(code, match.index + match[0].length);
    const dir = resolveDirExpression(expression, fileDir);
    if (dir !== undefined) return dir;
  }
  return undefined;
}

/** The expression starting at `start`, up to a top-level comma, closing bracket or line end. */
function expressionAt(code: string, start: number): string {
  const shape = blankStrings(code);
  let depth = 0;
  for (let i = start; i < shape.length; i++) {
    const char = shape[i]!;
    if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth < 0) return code.slice(start, i).trim();
    else if (depth === 0 && (char === ',' || char === '\n')) return code.slice(start, i).trim();
  }
  return code.slice(start).trim();
}

const HERE = String.raw`(?:os\.path\.dirname\(\s*(?:os\.path\.(?:abspath|realpath)\(\s*)?__file__\s*\)?\s*\))`;
const OS_PATH_JOIN = new RegExp(String.raw`^os\.path\.join\(\s*${HERE}\s*,([^]*)\)$`);
const PATHLIB = /^(?:str\(\s*)?(?:pathlib\.)?Path\(\s*__file__\s*\)(?:\.(?:resolve|absolute)\(\s*\))?\.parent((?:\s*\/\s*[rRuU]?(["'])[^"'\n]*\2)+)\s*\)?$/;
const LITERAL = /[rRuU]?(["'])[^"'\n]*\1/g;

/** `"dir"` (relative to the working directory), `os.path.join(os.path.dirname(__file__), "a")`, `Path(__file__).parent / "a"`. */
function resolveDirExpression(expression: string, fileDir: string): string | undefined {
  const literal = pythonLiteral(expression);
  if (literal !== undefined) return literal && !path.posix.isAbsolute(literal) ? path.posix.normalize(literal).replace(/\/$/, '') : undefined;
  const joined = OS_PATH_JOIN.exec(expression);
  const parts = joined
    ? splitArguments(joined[1]!).map(pythonLiteral)
    : [...(PATHLIB.exec(expression)?.[1] ?? '').matchAll(LITERAL)].map((literal) => pythonLiteral(literal[0]));
  if (!parts || parts.length === 0 || parts.some((part) => part === undefined)) return undefined;
  return path.posix.join(fileDir, ...(parts as string[]));
}
