// Cassettes of `@pytest.mark.vcr`, named as the plugin behind the mark names them:
// - pytest-recording: `<vcr_cassette_dir>/<default_cassette_name><.serializer>`, the folder
//   defaulting to `<folder of the test file>/cassettes/<module>` and the name to
//   `[<Class>.]<test>[<id>]` with `<>?%*:|"'/\` turned into `-`; `vcr_config` and the mark's
//   keywords may set `serializer`; `@pytest.mark.default_cassette("x")` renames.
// - pytest-vcr: `<vcr_cassette_dir>/<vcr_cassette_name>.yaml`, the folder defaulting to
//   `<folder of the test file>/cassettes`.
// Fixtures (`vcr_cassette_dir`, `default_cassette_name` / `vcr_cassette_name`, `vcr_config`) are
// looked up where pytest looks: the test module, then conftest.py files from its folder up.
import path from 'node:path';
import { withPossible, type CassetteRef, type FileCassettes, type MappingContext } from '../preset.js';
import type { ProjectFiles } from '../shared/project-files.js';
import { isParametrize, parametrizeIds } from './parametrize.js';
import {
  decoratorArguments,
  firstReturn,
  keywordArgument,
  positionalArguments,
  pythonLiteral,
  readPythonModule,
  resolveDirectory,
  type PythonFunction,
  type PythonModule,
} from './python-source.js';
import { callArguments, splitArguments } from '../shared/source-scan.js';

export const PYTEST_PLUGINS = { recording: 'pytest-recording', vcr: 'pytest-vcr' } as const;
export type PytestPlugin = (typeof PYTEST_PLUGINS)[keyof typeof PYTEST_PLUGINS];

const VCR_MARK = /^(?:pytest\s*\.\s*)?mark\s*\.\s*vcr\b/;
const DEFAULT_CASSETTE_MARK = /^(?:pytest\s*\.\s*)?mark\s*\.\s*default_cassette\s*\(/;
const FIXTURE = /^(?:pytest\s*\.\s*)?fixture\b/;
/** pytest-recording replaces these in default names (they are not allowed in file names somewhere). */
const FORBIDDEN = /[<>?%*:|"'/\\]/g;

/**
 * Which plugin runs the marks: the one the project lists among its dependencies or loads with `-p`
 * in its pytest configuration; pytest-recording (the maintained, most used one) otherwise.
 */
export function pytestPlugin(project: ProjectFiles | undefined): PytestPlugin {
  return declaredPytestPlugin(project) ?? PYTEST_PLUGINS.recording;
}

/** The plugin the project declares, if it does. */
export function declaredPytestPlugin(project: ProjectFiles | undefined): PytestPlugin | undefined {
  if (!project) return undefined;
  const texts = ['pyproject.toml', 'setup.cfg', 'setup.py', 'tox.ini', 'Pipfile', 'pytest.ini', ...requirementFiles(project)].map((file) => project.readText(file) ?? '');
  if (texts.some((text) => /pytest[-_]recording/i.test(text))) return PYTEST_PLUGINS.recording;
  if (texts.some((text) => /(?<![\w-])pytest[-_]vcr(?![\w-])/i.test(text))) return PYTEST_PLUGINS.vcr;
  return undefined;
}

function requirementFiles(project: ProjectFiles): string[] {
  return ['.', 'requirements'].flatMap((dir) =>
    project
      .list(dir)
      .filter((name) => /requirements.*\.(?:txt|in)$/i.test(name))
      .map((name) => path.posix.normalize(path.posix.join(dir, name))),
  );
}

interface Fixture {
  fn: PythonFunction;
  module: PythonModule;
  /** The file that defines it, relative to the working directory. */
  file: string;
}

type FixtureName = 'vcr_cassette_dir' | 'default_cassette_name' | 'vcr_cassette_name' | 'vcr_config';

const modulesByProject = new WeakMap<ProjectFiles, Map<string, PythonModule | undefined>>();

/** A conftest.py read once per planning pass (thousands of test files share a few). */
function conftest(project: ProjectFiles, file: string): PythonModule | undefined {
  let modules = modulesByProject.get(project);
  if (!modules) modulesByProject.set(project, (modules = new Map()));
  if (!modules.has(file)) {
    const source = project.readText(file);
    modules.set(file, source === undefined ? undefined : readPythonModule(source));
  }
  return modules.get(file);
}

function fixtureIn(module: PythonModule, name: FixtureName): PythonFunction | undefined {
  return module.functions
    .filter((fn) => !fn.nested && fn.owner === undefined)
    .findLast((fn) => {
      const decorator = fn.decorators.find((d) => FIXTURE.test(d.shape.slice(1)));
      if (!decorator) return false;
      const renamed = keywordArgument(decoratorArguments(decorator.text.slice(1)), 'name');
      return (renamed === undefined ? fn.name : pythonLiteral(renamed)) === name;
    });
}

/** Where pytest finds a fixture for a test of `file`: the module, then conftest.py from its folder up to the root. */
function findFixture(name: FixtureName, module: PythonModule, context: MappingContext): Fixture | undefined {
  const own = fixtureIn(module, name);
  if (own) return { fn: own, module, file: context.file };
  if (!context.project) return undefined;
  for (let dir = path.posix.dirname(context.file); ; dir = path.posix.dirname(dir)) {
    const file = path.posix.join(dir, 'conftest.py');
    const found = conftest(context.project, file);
    const fn = found && fixtureIn(found, name);
    if (found && fn) return { fn, module: found, file };
    if (dir === '.' || dir === '/' || dir === '') return undefined;
  }
}

/** The test module's `__name__` under pytest's default import mode: packages (folders with `__init__.py`) included. */
function moduleName(file: string, project: ProjectFiles | undefined): string {
  const parts = [path.posix.basename(file, '.py')];
  for (let dir = path.posix.dirname(file); dir !== '.' && project?.isFile(path.posix.join(dir, '__init__.py')); dir = path.posix.dirname(dir)) {
    parts.unshift(path.posix.basename(dir));
  }
  return parts.join('.');
}

interface MarkedTest {
  fn: PythonFunction;
  /** `[<Class>.]<test>`. */
  name: string;
  /** Decorators and pytestmark values that apply, closest first. */
  marks: string[];
  /**
   * The vcr mark comes only from a class or the module (`pytestmark`), not the test's own decorator:
   * spread over tests that may make no request, for which vcrpy writes no file.
   */
  spread: boolean;
}

/** Test functions pytest collects (`test*` at module level or in `Test*` classes) that carry a vcr mark. */
function markedTests(module: PythonModule): MarkedTest[] {
  const tests: MarkedTest[] = [];
  const moduleMarks = module.marks.flatMap(markList);
  for (const fn of module.functions) {
    if (fn.nested || !fn.name.startsWith('test')) continue;
    if (fn.owner && !fn.owner.name.startsWith('Test')) continue;
    const own = fn.decorators.map((d) => d.text.slice(1).trim()).reverse();
    const ofClass = fn.owner ? [...fn.owner.decorators.map((d) => d.text.slice(1).trim()).reverse(), ...fn.owner.marks.flatMap(markList)] : [];
    const marks = [...own, ...ofClass, ...moduleMarks];
    if (!marks.some((mark) => VCR_MARK.test(mark))) continue;
    tests.push({ fn, name: fn.owner ? `${fn.owner.name}.${fn.name}` : fn.name, marks, spread: !own.some((mark) => VCR_MARK.test(mark)) });
  }
  return tests;
}

/** `pytestmark = mark` or `pytestmark = [mark, mark]`. */
function markList(value: string): string[] {
  const trimmed = value.trim();
  if (/^[[(]/.test(trimmed) && callArguments(trimmed, 0).length === trimmed.length - 2) return splitArguments(callArguments(trimmed, 0));
  return [trimmed];
}

/** A `dict(...)` or `{...}` literal's string values by key, or undefined for anything computed. */
function dictLiteral(expression: string): Map<string, string> | undefined {
  const trimmed = expression.trim();
  const entries = new Map<string, string>();
  if (/^dict\s*\(/.test(trimmed)) {
    for (const arg of splitArguments(callArguments(trimmed, trimmed.indexOf('(')))) {
      const pair = /^(\w+)\s*=\s*([^]*)$/.exec(arg);
      if (!pair) return undefined;
      entries.set(pair[1]!, pair[2]!.trim());
    }
    return entries;
  }
  if (!trimmed.startsWith('{') || callArguments(trimmed, 0).length !== trimmed.length - 2) return undefined;
  for (const item of splitArguments(callArguments(trimmed, 0))) {
    const colon = /^([rRuU]?(["'])[^"'\n]*\2)\s*:\s*([^]*)$/.exec(item);
    const key = colon ? pythonLiteral(colon[1]!) : undefined;
    if (!colon || key === undefined) return undefined;
    entries.set(key, colon[3]!.trim());
  }
  return entries;
}

/** Everything the fixtures decide for one test module, or why the source cannot tell. */
interface ModuleSettings {
  dir: string | { unresolved: string; line: number; file: string };
  name: string | { unresolved: string; line: number; file: string } | undefined;
  serializer: string | { unresolved: string; line: number; file: string } | undefined;
}

function moduleSettings(module: PythonModule, context: MappingContext, plugin: PytestPlugin): ModuleSettings {
  const testDir = path.posix.dirname(context.file);
  const moduleBase = path.posix.basename(context.file, '.py');
  const dirFixture = findFixture('vcr_cassette_dir', module, context);
  let dir: ModuleSettings['dir'] = plugin === PYTEST_PLUGINS.recording ? path.posix.join(testDir, 'cassettes', moduleBase) : path.posix.join(testDir, 'cassettes');
  if (dirFixture) {
    const returned = firstReturn(dirFixture.fn);
    const resolved =
      returned === undefined
        ? undefined
        : resolveDirectory(returned, {
            fileDir: path.posix.dirname(dirFixture.file),
            testDir,
            constants: dirFixture.module.constants,
            moduleName: moduleName(context.file, context.project),
            moduleBase,
          });
    dir = resolved ?? { unresolved: `vcr_cassette_dir fixture returns ${returned ?? 'nothing plain'}`, line: dirFixture.fn.line, file: dirFixture.file };
  }
  const nameFixture = findFixture(plugin === PYTEST_PLUGINS.recording ? 'default_cassette_name' : 'vcr_cassette_name', module, context);
  let name: ModuleSettings['name'];
  if (nameFixture) {
    const returned = firstReturn(nameFixture.fn);
    const literal = returned === undefined ? undefined : pythonLiteral(returned);
    name = literal ?? { unresolved: `${nameFixture.fn.name} fixture returns ${returned ?? 'nothing plain'}`, line: nameFixture.fn.line, file: nameFixture.file };
  }
  let serializer: ModuleSettings['serializer'];
  const configFixture = plugin === PYTEST_PLUGINS.recording ? findFixture('vcr_config', module, context) : undefined;
  if (configFixture) {
    const returned = firstReturn(configFixture.fn);
    const config = returned === undefined ? undefined : dictLiteral(returned);
    const value = config?.get('serializer');
    if (!config) serializer = { unresolved: `vcr_config fixture returns ${returned ?? 'nothing plain'}`, line: configFixture.fn.line, file: configFixture.file };
    else if (value !== undefined) serializer = pythonLiteral(value) ?? { unresolved: `vcr_config serializer ${value}`, line: configFixture.fn.line, file: configFixture.file };
  }
  return { dir, name, serializer };
}

/** The cassettes every vcr-marked test of the module records, or why one cannot be named. */
export function markedCassettes(module: PythonModule, context: MappingContext): FileCassettes {
  const tests = markedTests(module);
  if (tests.length === 0) return { cassettes: [], unresolved: [] };
  const plugin = pytestPlugin(context.project);
  const settings = moduleSettings(module, context, plugin);
  const cassettes: string[] = [];
  const possible = new Set<string>();
  const expected = new Set<string>();
  const unresolved: CassetteRef[] = [];
  for (const test of tests) {
    const vcrMarks = test.marks.filter((mark) => VCR_MARK.test(mark));
    const fail = (why: string, where: { line: number; file?: string } = { line: test.fn.line }, pattern?: string) =>
      unresolved.push({ name: undefined, expression: `@pytest.mark.vcr on ${test.name}: ${why}`, line: where.line, file: where.file, pattern });
    if (typeof settings.dir !== 'string') {
      fail(settings.dir.unresolved, settings.dir);
      continue;
    }
    // The mark's keywords override vcr_config (pytest-recording merges them; closest mark first).
    let serializer = settings.serializer;
    for (const mark of [...vcrMarks].reverse()) {
      const keyword = keywordArgument(decoratorArguments(mark), 'serializer');
      if (keyword !== undefined) serializer = pythonLiteral(keyword) ?? { unresolved: `serializer=${keyword}`, line: test.fn.line, file: context.file };
    }
    if (plugin === PYTEST_PLUGINS.vcr) serializer = undefined; // pytest-vcr always adds `.yaml`
    if (serializer !== undefined && typeof serializer !== 'string') {
      fail(serializer.unresolved, serializer, `${settings.dir}/*`);
      continue;
    }
    const suffix = `.${serializer ?? 'yaml'}`;
    const place = (name: string) => path.posix.join(settings.dir as string, name.endsWith(suffix) ? name : `${name}${suffix}`);
    // The test's own recording: under a spread mark, written only if the test makes a request.
    const record = (...names: string[]) => {
      const placed = names.map(place);
      cassettes.push(...placed);
      for (const cassette of placed) (test.spread ? possible : expected).add(cassette);
    };
    // pytest-recording also reads the cassettes a mark names (`@pytest.mark.vcr("shared.yaml")`),
    // as given, relative to the folder: used by the test, never rewritten by it.
    if (plugin === PYTEST_PLUGINS.recording) {
      for (const mark of vcrMarks) {
        for (const arg of positionalArguments(decoratorArguments(mark))) {
          const extra = pythonLiteral(arg);
          if (extra === undefined) fail(`extra cassette ${arg} is computed`, { line: test.fn.line }, `${settings.dir}/*`);
          else if (!path.posix.isAbsolute(extra)) {
            const named = path.posix.normalize(path.posix.join(settings.dir, extra));
            cassettes.push(named);
            expected.add(named);
          }
        }
      }
    }
    const renamed = plugin === PYTEST_PLUGINS.recording ? test.marks.find((mark) => DEFAULT_CASSETTE_MARK.test(mark)) : undefined;
    if (renamed !== undefined) {
      const literal = pythonLiteral(positionalArguments(decoratorArguments(renamed))[0] ?? '');
      if (literal === undefined) fail(`${renamed} is computed`, { line: test.fn.line }, `${settings.dir}/*`);
      else record(literal);
      continue;
    }
    if (settings.name !== undefined) {
      if (typeof settings.name === 'string') record(settings.name);
      else fail(settings.name.unresolved, settings.name, `${settings.dir}/*`);
      continue;
    }
    const parametrize = test.marks.filter(isParametrize);
    const clean = (name: string) => (plugin === PYTEST_PLUGINS.recording ? name.replace(FORBIDDEN, '-') : name);
    if (parametrize.length === 0) {
      record(clean(test.name));
      continue;
    }
    const ids = parametrizeIds(parametrize, module.constants);
    if (ids && 'ids' in ids) record(...ids.ids.map((id) => clean(`${test.name}[${id}]`)));
    else fail(`parametrized, ${ids?.unresolved ?? 'ids unknown'} (${test.name}[<id>]${suffix})`, { line: test.fn.line }, `${settings.dir}/${globEscape(clean(test.name))}\\[*\\]${suffix}`);
  }
  return withPossible({ cassettes, unresolved }, possible, expected);
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]{}()!\\]/g, '\\$&');
}
