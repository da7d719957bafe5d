// Node: `node --test` (or any node-based runner) with nock back. The preload pins nock back
// to record mode and journals each fixture; NODE_OPTIONS carries it into test subprocesses.
import path from 'node:path';
import { definePreset } from '../preset.js';
import { NODE_ENVIRONMENT_ERRORS, nodeLibraryCheck, nodePreloadLaunch, nodeTestFailure } from '../shared/node-runtime.js';
import { findAssignedDirectory } from '../shared/js-source.js';
import { usesNpmPackage } from '../shared/project-files.js';
import { findCassetteCalls, withWrappers } from '../shared/source-scan.js';

/** `nock.back.fixtures =`, `nockBack.fixtures =`, `back.fixtures =` (not `==`). */
const FIXTURES_ASSIGNMENT = /(?:\bnock\s*\.\s*back|\bnockBack|(?<![.\w$])back)\s*\.\s*fixtures\s*=(?!=)/;
const FIXTURE_CALL = { callee: /(?:\bnock\s*\.\s*back|\bnockBack|(?<![.\w])back)\s*\(/ };

export const node = definePreset({
  name: 'node',
  docs: {
    summary: 'Node `node --test` with nock back',
    detectedBy: '`nock` in `package.json`',
    configuredCassetteDir: '`nockBack.fixtures =` in a helper',
    defaultCassetteDir: '`<test-dir>/fixtures`',
    cassetteFile: '`<name>` as given to `nock.back`',
    hookLoadedBy: '`NODE_OPTIONS=--require nock-back.cjs`',
  },
  defaultTestDir: 'test',
  defaultTestPattern: '**/*.test.{js,mjs,cjs}',
  defaultCommand: ['node', '--test', '{file}'],
  commandUse: 'optional',
  hookFiles: ['nock-back.cjs'],
  cassetteFormats: ['nock'],

  detect: (project) => (usesNpmPackage(project, 'nock') ? 'nock in package.json' : undefined),

  /** Where a helper under the test folder points nock back (`nockBack.fixtures = path.join(__dirname, 'x')`), else `<test-dir>/fixtures`. */
  defaultCassetteDir: (project, testDir) => findAssignedDirectory(project, testDir, FIXTURES_ASSIGNMENT)?.dir ?? path.posix.join(testDir, 'fixtures'),

  findCassetteRefs: (source, wrappers) => findCassetteCalls(source, 'slash', { callee: withWrappers(FIXTURE_CALL.callee, wrappers) }),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, name),

  launch: nodePreloadLaunch('nock-back.cjs'),
  runtimeCheck: nodeLibraryCheck('nock'),
  firstFailure: nodeTestFailure,
  environmentErrors: NODE_ENVIRONMENT_ERRORS,
  libraryMiss: /No match for request|Nock: Disallowed net connect|NetConnectNotAllowedError/i,
  reservedVariables: /^(NODE_\w+|NPM_\w+|NOCK_\w+)$/,
  toolFolders: ['node_modules'],
});
