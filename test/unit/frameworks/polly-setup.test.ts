import { describe, expect, it } from 'vitest';
import { guidForRecording, polly } from '../../../src/frameworks/polly/index.js';
import { memoryProject } from '../config/memory-project.js';

const DIR = 'test/recordings';
const at = (name: string) => `${DIR}/${guidForRecording(name)}/recording.har`;

function plan(file: string, files: Record<string, string>) {
  return polly.mapFile!({ file, source: files[file]!, cassetteDir: DIR, wrappers: [], project: memoryProject(files) });
}

const SUITE = "describe('suite', function () {\n  SETUP\n  it('works', function () {});\n});\n";

describe('Polly setupMocha under other names', () => {
  it.each([
    ["import { setupMocha as setupPolly } from '@pollyjs/core';", 'setupPolly(config);'],
    ["const { setupMocha: sp } = require('@pollyjs/core');", 'sp(config);'],
    ["import * as PollyCore from '@pollyjs/core';", 'PollyCore.setupMocha(config);'],
    ["const core = require('@pollyjs/core');", 'core.setupMocha.beforeEach(config);'],
    ["const setup = require('@pollyjs/core').setupMocha;", 'setup(config);'],
  ])('%s', (imports, call) => {
    const source = `${imports}\n${SUITE.replace('SETUP', call)}`;
    expect(plan('test/a.test.js', { 'test/a.test.js': source })).toEqual({ cassettes: [at('suite/works')], unresolved: [] });
  });

  it('maps nothing for a local function of the same shape that is not setupMocha', () => {
    const source = `function sp() {}\n${SUITE.replace('SETUP', 'sp();')}`;
    expect(plan('test/a.test.js', { 'test/a.test.js': source })).toEqual({ cassettes: [], unresolved: [] });
  });

  it('follows new Polly under an alias', () => {
    const source = "const { Polly: Recorder } = require('@pollyjs/core');\nconst p = new Recorder('named', config);\n";
    expect(plan('test/a.test.js', { 'test/a.test.js': source }).cassettes).toEqual([at('named')]);
  });
});

describe('Polly set up in a shared file', () => {
  const wrapper = "const { setupMocha } = require('@pollyjs/core');\nfunction usePolly() {\n  setupMocha(config);\n}\nmodule.exports = { usePolly };\n";

  it('follows a helper function that calls setupMocha, imported under any name', () => {
    const files = {
      'test/support/use-polly.js': wrapper,
      'test/a.test.js': `const { usePolly: withPolly } = require('./support/use-polly');\n${SUITE.replace('SETUP', 'withPolly();')}`,
      'test/b.test.mjs': `import helpers from './support/use-polly.js';\n${SUITE.replace('SETUP', 'helpers.usePolly();')}`,
    };
    expect(plan('test/a.test.js', files).cassettes).toEqual([at('suite/works')]);
    expect(plan('test/b.test.mjs', files).cassettes).toEqual([at('suite/works')]);
  });

  it('covers every test when a required helper or a .mocharc require calls setupMocha as it loads', () => {
    const root = "const { setupMocha } = require('@pollyjs/core');\nsetupMocha(config);\n";
    const test = "describe('outer', () => {\n  describe('inner', () => {\n    it('one', () => {});\n  });\n});\nit('top', () => {});\n";
    expect(plan('test/a.test.js', { 'test/setup.js': root, 'test/a.test.js': `require('./setup');\n${test}` }).cassettes).toEqual([at('outer/inner/one'), at('top')]);
    expect(plan('test/a.test.js', { '.mocharc.yml': 'require:\n  - test/setup.js\n', 'test/setup.js': root, 'test/a.test.js': test }).cassettes).toEqual([
      at('outer/inner/one'),
      at('top'),
    ]);
    expect(plan('test/a.test.js', { 'package.json': '{"mocha": {"require": ["./test/setup.js"]}}', 'test/setup.js': root, 'test/a.test.js': test }).cassettes).toHaveLength(2);
  });

  it('covers every test when the setup file lies in the folder the mocha config’s spec glob loads', () => {
    // A real suite: mocha adds the config's spec to the file it is given, so test/_tests.setup.ts loads with every test.
    const setup = "import { setupMocha } from '@pollyjs/core';\nsetupMocha({ recordingsDir: 'test/recordings' });\n";
    const test = "describe('Attachments', () => {\n  it('gets one', () => {});\n});\n";
    const files = { '.mocharc.json': '{"spec": ["test/**/*.ts"], "recursive": true}', 'test/_tests.setup.ts': setup, 'test/a.test.ts': test };
    expect(plan('test/a.test.ts', files).cassettes).toEqual([at('Attachments/gets one')]);
    // Without the glob reaching it, nothing says Polly is set up for this file.
    expect(plan('test/a.test.ts', { ...files, '.mocharc.json': '{"spec": ["test/**/*.test.ts"]}' }).cassettes).toEqual([]);
  });

  it('reports a setup only run time can place with its file and line, and a glob so audit keeps its recordings', () => {
    const files = {
      'test/maybe.js': "const { setupMocha } = require('@pollyjs/core');\n\nif (process.env.CI) {\n  setupMocha(config);\n}\n",
      'test/a.test.js': `require('./maybe');\n${SUITE.replace('SETUP', '')}`,
    };
    expect(plan('test/a.test.js', files)).toEqual({
      cassettes: [],
      unresolved: [
        {
          name: undefined,
          expression: 'setupMocha(...) inside a block: which tests it sets Polly up for is only known at run time',
          line: 4,
          file: 'test/maybe.js',
          pattern: `${DIR}/**`,
        },
      ],
    });
  });
});
