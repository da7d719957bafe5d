// R: testthat + vcr. Cassettes are `<dir>/<name>.yml`; our Rscript runner traces
// vcr::insert_cassette to force a fresh recording and journal each cassette it opens.
import path from 'node:path';
import { hookEnvironment, type FrameworkPreset } from './preset.js';
import { findCassetteCalls, withWrappers } from './source-scan.js';

const CASSETTE_CALL = {
  callee: /\b(?:vcr:::?)?(?:use_cassette|local_cassette|insert_cassette)\s*\(/,
  namedArgument: /^name\s*=\s*/,
};

const VCR_DIR = /vcr_configure\s*\([^]*?\bdir\s*=\s*(["'])([^"']+)\1/;

export const testthat: FrameworkPreset = {
  name: 'testthat',
  defaultTestDir: 'tests/testthat',
  defaultTestPattern: 'test*.[rR]',
  defaultCommand: [],
  hasRecordHook: true,

  detect: (project) => project.isDirectory('tests/testthat'),

  /** vcr resolves a relative `dir` against the test folder, where testthat runs each file. */
  defaultCassetteDir(project, testDir) {
    for (const name of project.list(testDir).filter((file) => /^(helper|setup).*\.[rR]$/.test(file))) {
      const dir = VCR_DIR.exec(project.readText(path.posix.join(testDir, name)) ?? '')?.[2];
      if (dir) return path.posix.normalize(path.posix.join(testDir, dir));
    }
    return 'tests/fixtures';
  },

  findCassetteRefs: (source, wrappers) =>
    findCassetteCalls(source, 'hash', { ...CASSETTE_CALL, callee: withWrappers(CASSETTE_CALL.callee, wrappers) }),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, `${name}.yml`),

  launch: (absoluteFile, _command, hook) => ({
    command: 'Rscript',
    args: ['--vanilla', path.join(hook.hookDirectory, 'testthat.R'), absoluteFile],
    env: hookEnvironment(hook),
  }),
};
