// Where Polly's mocha setup comes from for one test file: `setupMocha` imported under any name,
// helpers that call it (imported by the test, or loaded by `.mocharc` `require` / `spec`), and
// what cannot be told statically, reported with its file and line.
import path from 'node:path';
import type { CassetteRef } from '../preset.js';
import type { ProjectFiles } from '../shared/project-files.js';
import { minimatch } from 'minimatch';
import { importBindings, localNames, resolveRelativeImport, sourceFiles, type ImportBinding } from '../shared/js-source.js';
import { blankComments, blankStrings, lineFinder } from '../shared/source-scan.js';

const CORE = '@pollyjs/core';
/** How deep helpers that import helpers are followed. */
const MAX_DEPTH = 3;
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'catch', 'function', 'with', 'return']);

export interface MochaSetup {
  /** Calls that set Polly up for the suite they sit in (undefined: none in this file). */
  callee: RegExp | undefined;
  /** Polly is set up for every test, by a helper that calls setupMocha when it loads. */
  everywhere: boolean;
  /** Local names of the Polly class (for `new X(name)`). */
  pollyNames: string[];
  /** Setups only run time can tell apart (in helpers), with their file and line. */
  unresolved: CassetteRef[];
}

interface HelperSetup {
  /** The helper calls setupMocha at its top level: root hooks, every test of the run. */
  topLevel: boolean;
  /** Top-level functions of the helper that call setupMocha for whichever suite calls them. */
  wrappers: string[];
  unresolved: CassetteRef[];
}

const helpersByProject = new WeakMap<ProjectFiles, Map<string, HelperSetup>>();

/** The names under which a file calls setupMocha: imported from @pollyjs/core (any alias) or from helpers. */
function setupNames(file: string, code: string, project: ProjectFiles | undefined, depth: number): { names: string[]; bindings: Map<string, ImportBinding>; everywhere: boolean; unresolved: CassetteRef[] } {
  const bindings = importBindings(code);
  const core = localNames(bindings, (specifier) => specifier === CORE, 'setupMocha');
  const names = ['setupMocha', ...core.direct, ...core.viaNamespace];
  let everywhere = false;
  const unresolved: CassetteRef[] = [];
  if (project && depth < MAX_DEPTH) {
    for (const binding of bindings.values()) {
      const helper = resolveRelativeImport(project, file, binding.specifier);
      if (!helper || helper === file) continue;
      const setup = helperSetup(project, helper, depth + 1);
      everywhere ||= setup.topLevel;
      unresolved.push(...setup.unresolved);
      for (const wrapper of setup.wrappers) {
        names.push(...(binding.named.get(wrapper) ?? []), ...binding.namespaces.map((namespace) => `${namespace}.${wrapper}`));
      }
    }
  }
  return { names: [...new Set(names)], bindings, everywhere, unresolved };
}

function calleePattern(names: readonly string[]): RegExp {
  const alternatives = names.map((name) => name.split('.').map((part) => part.replace(/\$/g, '\\$')).join('\\s*\\.\\s*')).join('|');
  return new RegExp(`(?<![\\w.$])(?:${alternatives})\\s*(?:\\.\\s*beforeEach\\s*)?\\(`, 'g');
}

/** What a helper does with setupMocha, read once per planning pass. */
function helperSetup(project: ProjectFiles, file: string, depth: number): HelperSetup {
  let known = helpersByProject.get(project);
  if (!known) helpersByProject.set(project, (known = new Map()));
  const cached = known.get(file);
  if (cached) return cached;
  // Cycles end here: a helper that imports itself back sets nothing up twice.
  known.set(file, { topLevel: false, wrappers: [], unresolved: [] });
  const code = blankComments(project.readText(file) ?? '', 'slash');
  const masked = blankStrings(code);
  const own = setupNames(file, code, project, depth);
  const result: HelperSetup = { topLevel: own.everywhere, wrappers: [], unresolved: [...own.unresolved] };
  const blocks = topLevelBlocks(masked);
  const lineOf = lineFinder(code);
  for (const call of masked.matchAll(calleePattern(own.names))) {
    const block = blocks.find((candidate) => candidate.start < call.index && call.index < candidate.end);
    if (!block) {
      result.topLevel = true;
      continue;
    }
    const name = functionNameBefore(masked, block.start);
    if (name !== undefined) result.wrappers.push(name);
    else {
      result.unresolved.push({
        name: undefined,
        expression: `${call[0].replace(/\s*\($/, '')}(...) inside a block: which tests it sets Polly up for is only known at run time`,
        line: lineOf(call.index),
        file,
      });
    }
  }
  result.wrappers = [...new Set(result.wrappers)];
  known.set(file, result);
  return result;
}

/** `{ ... }` blocks that open at brace depth 0. */
function topLevelBlocks(masked: string): Array<{ start: number; end: number }> {
  const blocks: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < masked.length; i++) {
    const char = masked[i];
    if (char === '{' && depth++ === 0) start = i;
    else if (char === '}' && depth > 0 && --depth === 0) blocks.push({ start, end: i });
  }
  if (depth > 0) blocks.push({ start, end: masked.length });
  return blocks;
}

/** The function a top-level block is the body of: `function f(...)`, `f = (...) =>`, `f = function`, `f(...)` methods. */
function functionNameBefore(masked: string, blockStart: number): string | undefined {
  const before = masked.slice(Math.max(0, blockStart - 300), blockStart);
  const match =
    /function\s*\*?\s*([\w$]+)\s*\([^()]*\)\s*$/.exec(before) ??
    /([\w$]+)\s*=\s*(?:async\s+)?(?:function\s*[\w$]*\s*\([^()]*\)|\([^()]*\)\s*=>|[\w$]+\s*=>)\s*$/.exec(before) ??
    /(?:^|[\s;,])([\w$]+)\s*\([^()]*\)\s*$/.exec(before);
  const name = match?.[1];
  return name !== undefined && !KEYWORDS.has(name) ? name : undefined;
}

/** Helpers mocha loads before every test file: `.mocharc.*` and package.json's `mocha` key, `require` and `spec`. */
function mochaHelpers(project: ProjectFiles): string[] {
  const texts = ['.mocharc.js', '.mocharc.cjs', '.mocharc.mjs', '.mocharc.json', '.mocharc.jsonc', '.mocharc.yml', '.mocharc.yaml'].map((file) => project.readText(file) ?? '');
  const pkg = project.readText('package.json');
  if (pkg) {
    try {
      texts.push(JSON.stringify((JSON.parse(pkg) as { mocha?: unknown }).mocha ?? ''));
    } catch {
      // An unreadable package.json names no helper.
    }
  }
  const files = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/(?:\.\/)?[\w@.\-/]+\.[cm]?[jt]s\b/g)) {
      const file = path.posix.normalize(match[0]);
      if (project.isFile(file)) files.add(file);
    }
    for (const file of specGlobMatches(project, text)) files.add(file);
  }
  return [...files].sort();
}

/**
 * Files a `spec` glob of the mocha config matches (every `.ts` under `test/`): mocha adds the config's spec to
 * whatever files it is given, so a setup file in the test folder (`test/_tests.setup.ts`) loads
 * with every test file, and its top-level setupMocha applies to all of them.
 */
function specGlobMatches(project: ProjectFiles, configText: string): string[] {
  const found: string[] = [];
  for (const [glob] of configText.matchAll(/(?:\.\/)?[\w@.\-/{},]*\*[\w@.\-/*{},]*/g)) {
    const pattern = path.posix.normalize(glob);
    const base = pattern.split('/').filter((part, index, parts) => !/[*{]/.test(part) && parts.slice(0, index).every((before) => !/[*{]/.test(before))).join('/');
    if (base === '' || base.startsWith('..')) continue;
    found.push(...sourceFiles(project, base).filter((file) => minimatch(file, pattern)));
  }
  return found;
}

/** Everything that decides how Polly names the recordings of one test file. */
export function mochaSetup(file: string, source: string, project: ProjectFiles | undefined): MochaSetup {
  const code = blankComments(source, 'slash');
  const own = setupNames(file, code, project, 0);
  let everywhere = own.everywhere;
  const unresolved = [...own.unresolved];
  if (project) {
    for (const helper of mochaHelpers(project)) {
      if (helper === file) continue;
      const setup = helperSetup(project, helper, 1);
      everywhere ||= setup.topLevel;
      unresolved.push(...setup.unresolved);
    }
  }
  const polly = localNames(own.bindings, (specifier) => specifier === CORE, 'Polly');
  const uses = [...blankStrings(code).matchAll(calleePattern(own.names))].length > 0;
  return {
    callee: uses ? new RegExp(calleePattern(own.names).source) : undefined,
    everywhere,
    pollyNames: [...new Set(polly.direct)].filter((name) => name !== 'Polly'),
    unresolved: dedupe(unresolved),
  };
}

function dedupe(refs: readonly CassetteRef[]): CassetteRef[] {
  const seen = new Set<string>();
  return refs.filter((ref) => {
    const key = `${ref.file}:${ref.line}:${ref.expression}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
