// Node: `node --test` (or any node-based runner) with nock back. The preload pins nock back
// to record mode and journals each fixture; NODE_OPTIONS carries it into test subprocesses.
import path from 'node:path';
import { nodePreloadLaunch, type FrameworkPreset } from './preset.js';
import { findAssignedDirectory } from './js-source.js';
import { usesNpmPackage } from './project-files.js';
import { findCassetteCalls, withWrappers } from './source-scan.js';

/** `nock.back.fixtures =`, `nockBack.fixtures =`, `back.fixtures =` (not `==`). */
const FIXTURES_ASSIGNMENT = /(?:\bnock\s*\.\s*back|\bnockBack|(?<![.\w$])back)\s*\.\s*fixtures\s*=(?!=)/;
const FIXTURE_CALL = { callee: /(?:\bnock\s*\.\s*back|\bnockBack|(?<![.\w])back)\s*\(/ };

export const node: FrameworkPreset = {
  name: 'node',
  defaultTestDir: 'test',
  defaultTestPattern: '**/*.test.{js,mjs,cjs}',
  defaultCommand: ['node', '--test', '{file}'],
  hasRecordHook: true,

  detect: (project) => usesNpmPackage(project, 'nock'),

  /** Where a helper under the test folder points nock back (`nockBack.fixtures = path.join(__dirname, 'x')`), else `<test-dir>/fixtures`. */
  defaultCassetteDir: (project, testDir) => findAssignedDirectory(project, testDir, FIXTURES_ASSIGNMENT)?.dir ?? path.posix.join(testDir, 'fixtures'),

  findCassetteRefs: (source, wrappers) => findCassetteCalls(source, 'slash', { callee: withWrappers(FIXTURE_CALL.callee, wrappers) }),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, name),

  launch: nodePreloadLaunch('nock-back.cjs'),
};
