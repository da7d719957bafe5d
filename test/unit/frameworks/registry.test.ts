// The preset registry: each preset is one folder that declares everything about its framework, and
// the input table, the docs and the detection error are derived from the registry.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASSETTE_FORMATS } from '../../../src/cassettes/model.js';
import { loadConfig, type InputSource } from '../../../src/config/config.js';
import { INPUTS, type InputName } from '../../../src/config/inputs.js';
import { frameworkChoices, frameworkTable, perPreset } from '../../../src/frameworks/docs.js';
import { definePreset, type FrameworkPreset } from '../../../src/frameworks/preset.js';
import { detectFramework, FRAMEWORK_NAMES, LIBRARY_MISS, NEVER_SEARCHED_FOLDERS, PRESETS, presetNamed, reservedByAPreset } from '../../../src/frameworks/registry.js';
import { custom } from '../../../src/frameworks/custom/index.js';
import { memoryProject } from '../config/memory-project.js';

const FRAMEWORKS_DIR = path.resolve('src/frameworks');
const folderOf = (preset: FrameworkPreset) => path.join(FRAMEWORKS_DIR, preset.name);

describe('every registered preset is one folder', () => {
  it.each(PRESETS.map((preset) => [preset.name, preset] as const))('%s has its index.ts and README section', (name, preset) => {
    expect(existsSync(path.join(folderOf(preset), 'index.ts'))).toBe(true);
    const section = readFileSync(path.join(folderOf(preset), 'README.md'), 'utf8');
    expect(section).toMatch(new RegExp(`^### .*\\(\`framework: ${name}\`\\)`));
  });

  it.each(PRESETS.map((preset) => [preset.name, preset] as const))('%s declares exactly the files in its hook/ folder', (_name, preset) => {
    const hookFolder = path.join(folderOf(preset), 'hook');
    const present = existsSync(hookFolder) ? readdirSync(hookFolder).sort() : [];
    expect(present).toEqual([...preset.hookFiles].sort());
  });

  it("imports no other preset's folder: adding or changing a framework touches its own folder only", () => {
    const names = new Set<string>(FRAMEWORK_NAMES);
    const crossings: string[] = [];
    for (const folder of readdirSync(FRAMEWORKS_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      const files = readdirSync(path.join(FRAMEWORKS_DIR, folder.name), { recursive: true, encoding: 'utf8' }).filter((name) => /\.(ts|cjs)$/.test(name));
      for (const file of files) {
        const source = readFileSync(path.join(FRAMEWORKS_DIR, folder.name, file), 'utf8');
        for (const [, specifier] of source.matchAll(/(?:from|require\()\s*'(\.[^']+)'/g)) {
          const target = path.relative(FRAMEWORKS_DIR, path.resolve(FRAMEWORKS_DIR, folder.name, path.dirname(file), specifier!)).split(path.sep)[0]!;
          if (target !== folder.name && names.has(target)) crossings.push(`${folder.name}/${file} -> ${specifier}`);
        }
      }
      expect(files.length, `${folder.name} has sources`).toBeGreaterThan(0);
    }
    expect(crossings).toEqual([]);
  });
});

describe('what a preset declares is consistent', () => {
  it.each(PRESETS.map((preset) => [preset.name, preset] as const))('%s', (_name, preset) => {
    // A default command exactly when the user's command is optional, and it names the file or folder.
    if (preset.commandUse === 'optional') expect(preset.defaultCommand.some((word) => /\{file\}|\{dir\}/.test(word))).toBe(true);
    else expect(preset.defaultCommand).toEqual([]);
    // Detected exactly when the docs say by what.
    expect(preset.detect === undefined).toBe(preset.docs.detectedBy === undefined);
    expect(preset.docs.hookLoadedBy === undefined).toBe(preset.hookFiles.length === 0);
    expect(preset.cassetteFormats.length).toBeGreaterThan(0);
    for (const format of preset.cassetteFormats) expect(CASSETTE_FORMATS).toContain(format);
  });

  it('names are unique and presetNamed finds each', () => {
    expect(new Set(FRAMEWORK_NAMES).size).toBe(PRESETS.length);
    for (const name of FRAMEWORK_NAMES) expect(presetNamed(name).name).toBe(name);
  });
});

describe('detection follows the registry order', () => {
  it('picks Polly over nock when a project has both, and never guesses custom', () => {
    const both = memoryProject({ 'package.json': JSON.stringify({ devDependencies: { nock: '^14', '@pollyjs/core': '^6' } }) });
    expect(detectFramework(both)).toMatchObject({ preset: { name: 'polly' }, evidence: '@pollyjs/core in package.json' });
    expect(detectFramework(memoryProject({ 'main.go': 'package main' }))).toBeUndefined();
    expect(custom.detect).toBeUndefined();
  });

  it("the could-not-detect error lists what every detectable preset looks for", () => {
    const source: InputSource = { surface: 'cli', read: () => undefined, label: (name: InputName) => `--${name}` };
    let message = '';
    try {
      loadConfig(source, { cwd: '/p', env: {}, openProject: () => memoryProject({ 'main.go': '' }) });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const preset of PRESETS) {
      if (preset.docs.detectedBy) expect(message).toContain(`${preset.name}: ${preset.docs.detectedBy.replaceAll('`', '')}`);
    }
    expect(message).toContain(`set it to one of ${FRAMEWORK_NAMES.join(', ')}`);
  });
});

describe('the inputs and docs derive from the registry', () => {
  it('the framework input accepts every registered name and nothing else', () => {
    for (const name of FRAMEWORK_NAMES) expect(INPUTS.framework.parse(name)).toBe(name);
    expect(() => INPUTS.framework.parse('jest')).toThrow(FRAMEWORK_NAMES.join(', '));
  });

  it("the inputs' descriptions carry each preset's summary and defaults", () => {
    for (const preset of PRESETS) {
      expect(INPUTS.framework.description).toContain(`\`${preset.name}\` (${preset.docs.summary})`);
      expect(INPUTS['test-dir'].description).toContain(`\`${preset.defaultTestDir}\``);
      expect(INPUTS['test-pattern'].description).toContain(`\`${preset.defaultTestPattern}\``);
      expect(INPUTS['cassette-dir'].description).toContain(preset.docs.defaultCassetteDir);
      if (preset.commandUse === 'optional') expect(INPUTS.command.description).toContain(`\`${preset.defaultCommand.join(' ')}\``);
    }
    expect(INPUTS.command.description).toMatch(/not used by `testthat`/);
    expect(INPUTS.command.description).toMatch(/Required for `custom`/);
  });

  it('a new preset shows up in the choices, the grouped defaults and the README table by being listed', () => {
    const jest = definePreset({
      ...custom,
      name: 'jest',
      docs: { ...custom.docs, summary: 'Jest with nock back', detectedBy: '`jest` in `package.json`', defaultCassetteDir: '`__fixtures__`' },
      defaultTestDir: '__tests__',
    });
    const presets = [...PRESETS, jest];
    expect(frameworkChoices(presets)).toMatch(/`custom` \(any command\) or `jest` \(Jest with nock back\)$/);
    expect(perPreset((preset) => `\`${preset.defaultTestDir}\``, presets)).toContain('jest `__tests__`');
    expect(perPreset((preset) => `\`${preset.defaultTestDir}\``, presets)).toContain('polly, node and custom `test`');
    const table = frameworkTable(presets).split('\n');
    expect(table).toHaveLength(2 + presets.length);
    expect(table.at(-1)).toMatch(/^\| `jest` \| Jest with nock back \| `jest` in `package.json` \| `__tests__`, `\*\*\/\*` \| `__fixtures__` \|/);
  });

  it('the README holds the generated table and every preset section, in registry order', () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = /<!-- frameworks:start[^]*?<!-- frameworks:end -->/.exec(readme)?.[0] ?? '';
    expect(block).toContain(frameworkTable());
    const headings = [...block.matchAll(/\(`framework: (\w+)`\)/g)].map((match) => match[1]);
    expect(headings).toEqual([...FRAMEWORK_NAMES]);
  });
});

describe("what each preset knows of its runtime, gathered by the registry", () => {
  it('reserves every runtime variable a hook rides in, and none of the user\'s own names', () => {
    for (const name of ['PYTHONPATH', 'PYTEST_PLUGINS', 'RUBYOPT', 'RUBYLIB', 'BUNDLE_GEMFILE', 'R_LIBS_USER', 'NODE_OPTIONS', 'NOCK_BACK_MODE']) expect(reservedByAPreset(name), name).toBe(true);
    for (const name of ['MYAPI_KEY', 'OPENAI_API_KEY', 'GITHUB_PAT_X']) expect(reservedByAPreset(name), name).toBe(false);
  });

  it('never searches a runtime\'s tool folders, whichever preset made them', () => {
    for (const folder of ['node_modules', '__pycache__', '.pytest_cache', '.Rproj.user', '.bundle', '.git', '.rerecord']) expect(NEVER_SEARCHED_FOLDERS.has(folder), folder).toBe(true);
    expect(NEVER_SEARCHED_FOLDERS.has('cassettes')).toBe(false);
  });

  it("knows each library's words for a request it has no recording for", () => {
    const misses = [
      'Nock: No match for request {',
      'PollyError: [Polly] [adapter:fetch] Recording for the following request is not found and `recordIfMissing` is `false`.',
      'vcr.errors.CannotOverwriteExistingCassetteException: Can\'t overwrite existing cassette',
      'An HTTP request has been made that VCR does not know how to handle:',
      'Failed to find matching request in active cassette',
    ];
    for (const line of misses) expect(LIBRARY_MISS.test(line), line).toBe(true);
    expect(LIBRARY_MISS.test('AssertionError: expected 2 to equal 3')).toBe(false);
  });
});
