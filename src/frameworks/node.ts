// Node: `node --test` (or any node-based runner) with nock back. The preload pins nock back
// to record mode and journals each fixture; NODE_OPTIONS carries it into test subprocesses.
import path from 'node:path';
import { nodePreloadLaunch, type FrameworkPreset } from './preset.js';
import { usesNpmPackage } from './project-files.js';
import { findCassetteCalls, withWrappers } from './source-scan.js';

const FIXTURE_CALL = { callee: /(?:\bnock\s*\.\s*back|\bnockBack|(?<![.\w])back)\s*\(/ };

export const node: FrameworkPreset = {
  name: 'node',
  defaultTestDir: 'test',
  defaultTestPattern: '**/*.test.{js,mjs,cjs}',
  defaultCommand: ['node', '--test', '{file}'],
  hasRecordHook: true,

  detect: (project) => usesNpmPackage(project, 'nock'),

  defaultCassetteDir: (_project, testDir) => path.posix.join(testDir, 'fixtures'),

  findCassetteRefs: (source, wrappers) => findCassetteCalls(source, 'slash', { callee: withWrappers(FIXTURE_CALL.callee, wrappers) }),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, name),

  launch: nodePreloadLaunch('nock-back.cjs'),
};
