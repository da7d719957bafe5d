// Any command. No hook can journal what it opens, so the runner maps cassettes statically
// (by `cassette-dir` + the names the manifest learned) and moves them aside before each run.
import path from 'node:path';
import { fillCommand, hookEnvironment, type FrameworkPreset } from './preset.js';

export const custom: FrameworkPreset = {
  name: 'custom',
  defaultTestDir: 'test',
  defaultTestPattern: '**/*',
  defaultCommand: [],
  hasRecordHook: false,
  detect: () => false,
  defaultCassetteDir: (_project, testDir) => path.posix.join(testDir, 'fixtures'),
  findCassetteRefs: () => [],
  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, name),
  launch: (absoluteFile, command, hook) => ({ ...fillCommand(command, absoluteFile), env: hookEnvironment(hook) }),
};
