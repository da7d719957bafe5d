// Ruby: RSpec + VCR. Cassettes are `<cassette_library_dir>/<name>.yml`, the name sanitized the way
// VCR's file system persister does. The record hook (hook/rerecord_vcr.rb) is loaded through
// RUBYLIB + RUBYOPT rather than `rspec --require`, so that it also reaches a user's own command
// (`bundle exec rspec {file}`, `bin/rspec {file}`): every Ruby process honours RUBYOPT.
import path from 'node:path';
import { definePreset, fillCommand, hookEnvironment, runnerArguments, withPossible } from '../preset.js';
import { rspecFailure, rspecRuntimeCheck } from './runtime.js';
import type { ProjectFiles } from '../shared/project-files.js';
import { findRubyCassetteRefs, readRspecFile, type Serializer, type SharedLibrary } from './walker.js';
import { literalOf, tokenize } from './ruby-lexer.js';
import { cassetteLibraryDir } from './ruby-paths.js';
import { readCollectedLines } from '../shared/collected-lines.js';

export { findRubyCassetteRefs } from './walker.js';

const HOOK_FEATURE = 'rerecord_vcr';
const COLLECT_FORMATTER = 'rerecord_collect.rb';
const WORKER = 'rerecord_worker.rb';
const RSPEC = /(?:^|\/)rspec$/;
const DEFAULT_CASSETTE_SUBDIR = 'fixtures/vcr_cassettes';

export const rspec = definePreset({
  name: 'rspec',
  docs: {
    summary: 'Ruby RSpec with VCR',
    detectedBy: '`.rspec` or `spec/spec_helper.rb`',
    configuredCassetteDir: '`cassette_library_dir =` in a spec helper',
    defaultCassetteDir: '`<test-dir>/fixtures/vcr_cassettes`',
    cassetteFile: '`<name>.yml` (`.json` with `serialize_with: :json`), sanitized as VCR does',
    hookLoadedBy: '`RUBYOPT=-rrerecord_vcr` on `RUBYLIB`',
  },
  defaultTestDir: 'spec',
  defaultTestPattern: '**/*_spec.rb',
  defaultCommand: ['rspec', '{file}'],
  commandUse: 'optional',
  hookFiles: ['rerecord_vcr.rb', WORKER, COLLECT_FORMATTER],
  cassetteFormats: ['vcr'],

  detect: (project) => ['.rspec', 'spec/spec_helper.rb'].find((file) => project.isFile(file)),

  /** The `cassette_library_dir =` of a helper file; VCR resolves a relative one against the cwd (the project root). */
  defaultCassetteDir(project, testDir) {
    for (const file of helperFiles(project, testDir)) {
      const dir = cassetteLibraryDir(project.readText(file) ?? '', file);
      if (dir !== undefined) return dir;
    }
    return path.posix.join(testDir, DEFAULT_CASSETTE_SUBDIR);
  },

  findCassetteRefs: (source, wrappers) => findRubyCassetteRefs(source, wrappers),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, `${sanitizeCassetteName(name)}.yml`),

  /**
   * With the helpers: `:vcr` metadata counts only when they call `configure_rspec_metadata!`,
   * their `default_cassette_options` may `serialize_with: :json`, and they may define the shared
   * examples a spec includes.
   */
  mapFile(context) {
    const helpers = context.project ? readHelpers(context.project, path.posix.dirname(context.file)) : undefined;
    const { refs } = readRspecFile(context.source, context.wrappers, helpers?.shared);
    const metadata = helpers === undefined || helpers.metadata || /\bconfigure_rspec_metadata!/.test(context.source);
    // What `rspec --dry-run` named replaces every cassette the source derives from metadata.
    const live = refs.filter((ref) => !ref.metadata || (metadata && context.collected === undefined));
    const cassettes: string[] = [];
    const unresolved = [];
    // VCR writes a cassette only when its example made a request: one a group's `:vcr` spreads is possible.
    const possible = new Set<string>();
    const expected = new Set<string>();
    for (const ref of live) {
      const serializer = ref.serializeWith === undefined ? (helpers?.serializeWith ?? 'yaml') : ref.serializeWith;
      if (ref.name === undefined) unresolved.push(ref);
      else if (serializer === null) unresolved.push({ ...ref, name: undefined, expression: `${ref.expression} (serialize_with only known at run time)` });
      else {
        const cassette = path.posix.join(context.cassetteDir, `${sanitizeCassetteName(ref.name)}.${extensionOf(serializer)}`);
        cassettes.push(cassette);
        (ref.spread ? possible : expected).add(cassette);
      }
    }
    for (const cassette of context.collected?.cassettes ?? []) {
      cassettes.push(cassette);
      (context.collected?.possible?.includes(cassette) ? possible : expected).add(cassette);
    }
    return withPossible({ cassettes, unresolved: unresolved.map(({ name, expression, line, file, pattern }) => ({ name, expression, line, file, pattern })) }, possible, expected);
  },

  launch(absoluteFile, command, hook, environment) {
    // RUBYOPT splits on blanks and has no quoting, so the hook goes in by feature name from RUBYLIB
    // (split on ':' only): an install path with spaces still works.
    const rubylib = [hook.hookDirectory, environment.RUBYLIB].filter((part) => part).join(path.delimiter);
    const rubyopt = [environment.RUBYOPT, `-r${HOOK_FEATURE}`].filter((part) => part).join(' ');
    // A Spring-preloaded app server (Rails binstubs) was started with another environment and would
    // run the specs without the hook: DISABLE_SPRING makes the binstub run them in this process.
    return { ...fillCommand(command, absoluteFile), env: { ...hookEnvironment(hook), RUBYLIB: rubylib, RUBYOPT: rubyopt, DISABLE_SPRING: '1' } };
  },

  warmWorker(command, hookDirectory) {
    // The worker sets up bundler itself when there is a Gemfile, as `bundle exec` would.
    const found = runnerArguments(command, [[RSPEC], ['bundle', 'exec', RSPEC]]);
    if ('unavailable' in found) return found;
    return { command: 'ruby', args: [path.join(hookDirectory, WORKER)], runnerArgs: found.runnerArgs };
  },

  collector: {
    what: 'rspec --dry-run',
    launch(files, command, output, hookDirectory) {
      const found = runnerArguments(command, [[RSPEC], ['bundle', 'exec', RSPEC]]);
      if ('unavailable' in found) return found;
      const [program, ...words] = [...found.runner, ...found.runnerArgs, '--dry-run', '--require', path.join(hookDirectory, COLLECT_FORMATTER), '--format', 'RerecordCollectFormatter', ...files];
      return { command: program!, args: words, env: { RERECORD_COLLECT_OUTPUT: output, DISABLE_SPRING: '1' } };
    },
    read: readCollectedLines,
    explain: loadError,
    supportFiles: (project, testDir) => [...helperFiles(project, testDir), '.rspec', 'Gemfile.lock'].filter((file) => project.isFile(file)),
  },

  runtimeCheck: rspecRuntimeCheck,
  firstFailure: rspecFailure,
  // require "vcr" with the gem missing, or Bundler without it.
  environmentErrors: [/^.*cannot load such file -- [\w/.-]+.*$/m, /^.*Could not find gem '[^']+'.*$/m],
  // VCR: "An HTTP request has been made that VCR does not know how to handle"; WebMock: "Real HTTP connections are disabled".
  libraryMiss: /does not know how to handle|Real HTTP connections are disabled/i,
  reservedVariables: /^(RUBY\w*|GEM_\w+|BUNDLE_\w+)$/,
  toolFolders: ['.bundle'],
});

/** `An error occurred while loading ./spec/spec_helper.rb. RuntimeError: models table unavailable`: what stopped RSpec loading the suite. */
function loadError(output: string): string | undefined {
  const text = output.replaceAll('\r\n', '\n');
  const at = text.indexOf('An error occurred while loading');
  if (at < 0) return rspecFailure(output);
  const said = text.slice(at).split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('Failure/Error:'));
  return said.slice(0, 3).join(' ').slice(0, 600);
}

/** VCR's FileSystem persister: every run of characters other than [[:word:]], `-` and `/` becomes `_`. */
export function sanitizeCassetteName(name: string): string {
  return name.replace(/[^\p{L}\p{M}\p{Nd}\p{Pc}\-/]+/gu, '_');
}

/** spec_helper.rb, rails_helper.rb and friends directly in the test dir, then the test dir's support/**.rb. */
function helperFiles(project: ProjectFiles, testDir: string): string[] {
  const rubyIn = (dir: string) =>
    project
      .list(dir)
      .filter((name) => name.endsWith('.rb') && !name.endsWith('_spec.rb'))
      .sort((a, b) => Number(b === 'spec_helper.rb') - Number(a === 'spec_helper.rb') || a.localeCompare(b))
      .map((name) => path.posix.join(dir, name));
  const below = (dir: string, depth: number): string[] =>
    depth > 4
      ? []
      : [...rubyIn(dir), ...project.list(dir).sort().flatMap((name) => (project.isDirectory(path.posix.join(dir, name)) ? below(path.posix.join(dir, name), depth + 1) : []))];
  return [...rubyIn(testDir), ...below(path.posix.join(testDir, 'support'), 0)];
}

/** VCR's serializers and the extensions its file system persister gives them. */
const EXTENSIONS: Record<string, string> = { yaml: 'yml', psych: 'yml', syck: 'yml', json: 'json', compressed: 'zz' };

function extensionOf(serializer: string): string {
  return EXTENSIONS[serializer] ?? serializer;
}

interface Helpers {
  /** `configure_rspec_metadata!` is called: `:vcr` tags open cassettes. */
  metadata: boolean;
  /** From `default_cassette_options`; null when only run time knows it. */
  serializeWith: Serializer | undefined;
  shared: SharedLibrary;
}

const helpersByProject = new WeakMap<ProjectFiles, Map<string, Helpers>>();

/** What the spec helpers of a folder say, read once per planning pass. */
function readHelpers(project: ProjectFiles, specFolder: string): Helpers {
  let known = helpersByProject.get(project);
  if (!known) helpersByProject.set(project, (known = new Map()));
  const testDir = specFolder.split('/')[0] ?? specFolder;
  const cached = known.get(testDir);
  if (cached) return cached;
  const helpers: Helpers = { metadata: false, serializeWith: undefined, shared: new Map() };
  for (const file of helperFiles(project, testDir)) {
    const source = project.readText(file) ?? '';
    helpers.metadata ||= /\bconfigure_rspec_metadata!/.test(source);
    helpers.serializeWith ??= defaultSerializer(source);
    for (const [name, frame] of readRspecFile(source, []).shared) if (!helpers.shared.has(name)) (helpers.shared as Map<string, typeof frame>).set(name, frame);
  }
  known.set(testDir, helpers);
  return helpers;
}

/** `default_cassette_options = { serialize_with: :json }` or `default_cassette_options[:serialize_with] = :json`. */
export function defaultSerializer(source: string): Serializer | undefined {
  const tokens = tokenize(source);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.text !== 'default_cassette_options') continue;
    let depth = 0;
    for (let k = i + 1; k < tokens.length && (depth > 0 || tokens[k]!.kind !== 'nl'); k++) {
      const token = tokens[k]!;
      if (token.kind === 'punct' && ['(', '[', '{'].includes(token.text)) depth++;
      else if (token.kind === 'punct' && [')', ']', '}'].includes(token.text)) depth--;
      const key = token.text === 'serialize_with' || (token.kind === 'symbol' && token.value === 'serialize_with');
      if (!key) continue;
      let value = k + 1;
      while (tokens[value] && [':', '=>', ']', '='].includes(tokens[value]!.text)) value++;
      const literal = tokens[value] ? literalOf([tokens[value]!]) : undefined;
      return literal ?? null;
    }
  }
  return undefined;
}
