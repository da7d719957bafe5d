// Python: pytest + vcrpy, with pytest-recording or pytest-vcr for `@pytest.mark.vcr`. The record
// hook is a pytest plugin (hook/rerecord_vcrpy.py) that pins every cassette to record mode and
// journals it; PYTEST_PLUGINS loads it, so it also rides along with a custom `command` that ends up
// running pytest.
import path from 'node:path';
import { definePreset, fillCommand, hookEnvironment, runnerArguments, withPossible, type CassetteRef, type MappingContext } from '../preset.js';
import { pytestFailure, pytestRuntimeCheck } from './runtime.js';
import { declaredPytestPlugin, markedCassettes } from './marks.js';
import { decoratorArguments, keywordArgument, positionalArguments, pythonLiteral, readPythonModule, resolveDirectory, type PythonModule } from './python-source.js';
import { blankStrings, findCassetteCalls, withWrappers } from '../shared/source-scan.js';
import { readCollectedLines } from '../shared/collected-lines.js';

export { pythonCode, pythonLiteral } from './python-source.js';

const PLUGIN = 'rerecord_vcrpy';
const WORKER = 'rerecord_worker.py';
const PYTHON = /(?:^|\/)python[\d.]*$/;
const PYTEST = /(?:^|\/)(?:pytest|py\.test)$/;
const COLLECT_PLUGIN = 'rerecord_collect';

/** `vcr.use_cassette(`, `my_vcr.use_cassette(`, `self.vcr.use_cassette(`, a bare imported `use_cassette(`. */
const CASSETTE_CALL = { callee: /(?<![\w])use_cassette\s*\(/, namedArgument: /^(?:path|name)\s*=(?!=)\s*/ };
const TEST_FILE = /^(?:test_.*|.*_test)\.py$/;
/** What a project lists among its (test) dependencies when it records with vcrpy. */
const VCR_DEPENDENCY = /(?<![\w-])(?:vcrpy|pytest[-_]recording|pytest[-_]vcr)(?![\w-])/i;

export const pytest = definePreset({
  name: 'pytest',
  docs: {
    summary: 'pytest with vcrpy, pytest-recording or pytest-vcr',
    detectedBy: '`pytest.ini`, `conftest.py`, a pytest section in `pyproject.toml` / `setup.cfg` / `tox.ini`, or vcrpy, pytest-recording or pytest-vcr among the dependencies',
    configuredCassetteDir: '`cassette_library_dir` in `conftest.py`',
    defaultCassetteDir: '`<test-dir>/cassettes` (with pytest-recording or pytest-vcr: `cassettes` beside each test module)',
    cassetteFile: '`<name>` (`@pytest.mark.vcr`: `<module>/<test>.yaml`)',
    hookLoadedBy: '`PYTEST_PLUGINS=rerecord_vcrpy` on `PYTHONPATH`',
  },
  defaultTestDir: 'tests',
  defaultTestPattern: '**/{test_*,*_test}.py',
  // `python3 -m` (not `pytest`) also puts the working directory on sys.path, as most projects expect.
  defaultCommand: ['python3', '-m', 'pytest', '{file}'],
  commandUse: 'optional',
  hookFiles: ['rerecord_vcrpy.py', WORKER, 'rerecord_collect.py'],
  cassetteFormats: ['vcrpy'],

  detect(project) {
    const config = ['pytest.ini', '.pytest.ini', 'conftest.py', 'tests/conftest.py', 'test/conftest.py'].find((file) => project.isFile(file));
    if (config) return config;
    const sections: Array<[string, RegExp]> = [
      ['pyproject.toml', /^\[tool\.pytest\b[^\]\n]*\]/m],
      ['setup.cfg', /^\[tool:pytest\]/m],
      ['tox.ini', /^\[pytest\]/m],
    ];
    for (const [file, section] of sections) {
      const found = section.exec(project.readText(file) ?? '');
      if (found) return `${found[0]} in ${file}`;
    }
    // A project that lists vcrpy (or a pytest plugin for it) among its dependencies tests with pytest.
    for (const file of dependencyFiles(project)) {
      const found = VCR_DEPENDENCY.exec(project.readText(file) ?? '');
      if (found) return `${found[0]} in ${file}`;
    }
    return undefined;
  },

  /**
   * vcrpy joins names to the `cassette_library_dir` of the VCR(...) that opens them; we look for
   * one in conftest.py files and the helper modules of the test folder. Without one, the cassettes
   * of `@pytest.mark.vcr` sit beside each test module (pytest-recording, pytest-vcr): the test
   * folder holds them all.
   */
  defaultCassetteDir(project, testDir) {
    const helpers = project.list(testDir).filter((name) => name.endsWith('.py') && !TEST_FILE.test(name) && name !== 'conftest.py');
    const candidates = ['conftest.py', path.posix.join(testDir, 'conftest.py'), ...helpers.sort().map((name) => path.posix.join(testDir, name))];
    for (const file of [...new Set(candidates.map((candidate) => path.posix.normalize(candidate)))]) {
      const source = project.readText(file);
      const dir = source === undefined ? undefined : findLibraryDir(source, path.posix.dirname(file));
      if (dir !== undefined) return dir;
    }
    return declaredPytestPlugin(project) === undefined ? path.posix.join(testDir, 'cassettes') : testDir;
  },

  /** Names as the source spells them: `use_cassette` calls and decorators (marks need the file's place: `mapFile`). */
  findCassetteRefs(source, wrappers) {
    return useCassetteRefs(readPythonModule(source), wrappers);
  },

  /** vcrpy does not prefix a name that already starts with the library dir. */
  cassettePath: (cassetteDir, name) => placeInLibrary(cassetteDir, name),

  mapFile(context: MappingContext) {
    const module = readPythonModule(context.source);
    const refs = useCassetteRefs(module, context.wrappers);
    // What pytest's collection named replaces every cassette the source derives from marks.
    const marked = context.collected ?? markedCassettes(module, context);
    const named = refs.flatMap((ref) => (ref.name === undefined ? [] : [placeInLibrary(context.cassetteDir, ref.name)]));
    const mapped = {
      cassettes: [...named, ...marked.cassettes],
      unresolved: [...refs.filter((ref) => ref.name === undefined), ...marked.unresolved].sort((a, b) => a.line - b.line),
    };
    // A `use_cassette` of the same name is the test's own: expected, whatever a spread mark says.
    return withPossible(mapped, new Set(marked.possible ?? []), new Set(named));
  },

  /** pytest-recording and pytest-vcr keep cassettes in `cassettes` folders beside the test modules. */
  isCassetteFile: (relativePath) => /(?:^|\/)cassettes\//.test(relativePath),

  launch(absoluteFile, command, hook, environment) {
    const inherited = (name: string, separator: string) => (environment[name] ? `${environment[name]}${separator}` : '');
    return {
      ...fillCommand(command, absoluteFile),
      env: {
        ...hookEnvironment(hook),
        PYTHONPATH: `${inherited('PYTHONPATH', path.delimiter)}${hook.hookDirectory}`,
        PYTEST_PLUGINS: `${inherited('PYTEST_PLUGINS', ',')}${PLUGIN}`,
      },
    };
  },

  warmWorker(command, hookDirectory) {
    // `python -m pytest …` names its Python; a bare `pytest` runs in the Python of its `#!` line.
    const found = runnerArguments(command, [[PYTHON, '-m', 'pytest'], [PYTEST]]);
    if ('unavailable' in found) return found;
    const worker = [path.join(hookDirectory, WORKER)];
    if (found.runner.length === 3) return { command: found.runner[0]!, args: worker, runnerArgs: found.runnerArgs };
    return { command: 'python3', args: worker, runnerArgs: found.runnerArgs, interpreterOf: found.runner[0]! };
  },

  collector: {
    what: 'pytest --collect-only',
    launch(files, command, output, hookDirectory, environment) {
      const found = runnerArguments(command, [[PYTHON, '-m', 'pytest'], [PYTEST]]);
      if ('unavailable' in found) return found;
      const [program, ...words] = [...found.runner, ...found.runnerArgs, '-p', COLLECT_PLUGIN, '--collect-only', '-q', '--continue-on-collection-errors', '-p', 'no:cacheprovider', ...files];
      const pythonPath = [environment.PYTHONPATH, hookDirectory].filter((part) => part).join(path.delimiter);
      return { command: program!, args: words, env: { RERECORD_COLLECT_OUTPUT: output, PYTHONPATH: pythonPath } };
    },
    read: readCollectedLines,
    explain: (output) => pytestFailure(output),
    supportFiles: (project, testDir) => ['conftest.py', path.posix.join(testDir, 'conftest.py'), 'pytest.ini', 'pyproject.toml', 'setup.cfg', 'tox.ini'].filter((file) => project.isFile(file)),
  },

  runtimeCheck: pytestRuntimeCheck,
  firstFailure: pytestFailure,
  // An import of vcrpy, pytest-recording or pytest itself fails.
  environmentErrors: [/^.*(?:ModuleNotFoundError|ImportError): No module named '?[\w.]+'?.*$/m, /^.*: No module named [\w.]+$/m],
  libraryMiss: /CannotOverwriteExistingCassetteException/,
  reservedVariables: /^(PYTHON\w*|PYTEST_\w+|VIRTUAL_ENV)$/,
  toolFolders: ['__pycache__', '.pytest_cache'],
});

/** vcrpy does not prefix a name that already starts with the library dir. */
function placeInLibrary(cassetteDir: string, name: string): string {
  return name.startsWith(`${cassetteDir}/`) ? path.posix.normalize(name) : path.posix.join(cassetteDir, name);
}

/** Where Python projects list their dependencies (test extras included). */
export function dependencyFiles(project: { list(dir: string): string[]; isFile(file: string): boolean }): string[] {
  const requirements = (dir: string) =>
    project
      .list(dir)
      .filter((name) => /requirements.*\.(?:txt|in)$|^(?:dev|test)s?[-_.].*\.txt$/i.test(name))
      .map((name) => path.posix.join(dir, name));
  return ['pyproject.toml', 'setup.cfg', 'setup.py', 'tox.ini', 'Pipfile', ...requirements('.'), ...requirements('requirements')]
    .map((file) => path.posix.normalize(file))
    .filter((file) => project.isFile(file));
}

/** `use_cassette(...)` calls with their names, and decorators that name the cassette after the function. */
function useCassetteRefs(module: PythonModule, wrappers: readonly string[]): CassetteRef[] {
  const calls = findCassetteCalls(withoutDefinitionNames(module.code), 'hash', { ...CASSETTE_CALL, callee: withWrappers(CASSETTE_CALL.callee, wrappers) });
  // The generic scanner reads JavaScript-style literals; Python's have prefixes (r"", f"").
  const literalCalls = calls.map((ref) => ({ ...ref, name: pythonLiteral(ref.expression) }));
  return [...literalCalls, ...bareDecoratorRefs(module, wrappers)].sort((a, b) => a.line - b.line);
}

/** The names in `def name(` blanked (same length), so that a definition never reads as a call. One pass. */
function withoutDefinitionNames(code: string): string {
  const parts: string[] = [];
  let from = 0;
  for (const match of blankStrings(code).matchAll(/\bdef\s+(\w+)/g)) {
    const at = match.index + match[0].length - match[1]!.length;
    parts.push(code.slice(from, at), '_'.repeat(match[1]!.length));
    from = at + match[1]!.length;
  }
  parts.push(code.slice(from));
  return parts.join('');
}

/**
 * `@my_vcr.use_cassette` without a path names the cassette after the function (plus whatever
 * path_transformer the VCR has): left to the journal.
 */
function bareDecoratorRefs(module: PythonModule, wrappers: readonly string[]): CassetteRef[] {
  const useCassette = withWrappers(CASSETTE_CALL.callee, wrappers);
  const decoratorCall = new RegExp(String.raw`^(?:[A-Za-z_]\w*\s*\.\s*)*(?:${useCassette.source.replace(/\\s\*\\\($/, '')})\s*(?:\(|$)`);
  const refs: CassetteRef[] = [];
  for (const fn of module.functions) {
    if (fn.nested) continue;
    for (const decorator of fn.decorators) {
      const call = decoratorCall.exec(decorator.shape.slice(1));
      if (!call) continue;
      const args = call[0].endsWith('(') ? decoratorArguments(decorator.text.slice(1)) : [];
      // With a path, the call scanner already has it.
      if (positionalArguments(args).length > 0 || keywordArgument(args, 'path') !== undefined || keywordArgument(args, 'name') !== undefined) continue;
      refs.push({ name: undefined, expression: `${decorator.text.replace(/\s+/g, ' ')} on ${fn.name}`, line: decorator.line });
    }
  }
  return refs;
}

/** The cassette_library_dir a file configures, relative to the working directory, when it is written plainly. */
export function findLibraryDir(source: string, fileDir: string): string | undefined {
  const module = readPythonModule(source);
  const setting = /(?:\bcassette_library_dir\s*=(?!=)|(["'])cassette_library_dir\1\s*:)\s*/g;
  for (const match of module.code.matchAll(setting)) {
    const expression = expressionAt(module.code, match.index + match[0].length);
    const dir = resolveDirectory(expression, { fileDir, constants: module.constants });
    if (dir !== undefined) return dir;
  }
  return undefined;
}

/** The expression starting at `start`, up to a top-level comma, closing bracket or line end. */
function expressionAt(code: string, start: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = start; i < code.length; i++) {
    const char = code[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote || char === '\n') quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth < 0) return code.slice(start, i).trim();
    else if (depth === 0 && (char === ',' || char === '\n')) return code.slice(start, i).trim();
  }
  return code.slice(start).trim();
}

