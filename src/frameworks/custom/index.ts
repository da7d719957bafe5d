// Any command. Static mapping comes from the calls named in `cassette-functions` (first argument:
// the cassette name) placed into `cassette-path`; the runner moves those cassettes aside before
// each run and restores them on failure. A command may also journal what it opens itself.
import path from 'node:path';
import { CASSETTE_FORMATS } from '../../cassettes/model.js';
import { definePreset, fillCommand, hookEnvironment, type FrameworkPreset } from '../preset.js';
import { findCassetteCalls, withWrappers } from '../shared/source-scan.js';

/** Matches nothing by itself: custom knows no library's calls, only the user's `cassette-functions`. */
const NO_CALL = /(?!)\s*\(/;

export function customPreset(cassettePathTemplate = '{name}'): FrameworkPreset<'custom'> {
  return definePreset({
    name: 'custom',
    docs: {
      summary: 'any command',
      detectedBy: undefined,
      configuredCassetteDir: undefined,
      defaultCassetteDir: '`<test-dir>/fixtures`',
      cassetteFile: '`cassette-path` with the name for `{name}`',
      hookLoadedBy: undefined,
    },
    defaultTestDir: 'test',
    defaultTestPattern: '**/*',
    defaultCommand: [],
    commandUse: 'required',
    hookFiles: [],
    // Whatever the command's library writes; rerecord reads any format it knows.
    cassetteFormats: CASSETTE_FORMATS,
    configure: (_project, _testDir, { cassettePath }) => customPreset(cassettePath),
    defaultCassetteDir: (_project, testDir) => path.posix.join(testDir, 'fixtures'),
    // `//` comments cover Go, JavaScript, TypeScript, Java, Kotlin, Rust, C#, Swift...
    findCassetteRefs: (source, wrappers) => (wrappers.length === 0 ? [] : findCassetteCalls(source, 'slash', { callee: withWrappers(NO_CALL, wrappers) })),
    cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, cassettePathTemplate.replaceAll('{name}', name)),
    launch: (absoluteFile, command, hook) => ({ ...fillCommand(command, absoluteFile), env: hookEnvironment(hook) }),
  });
}

export const custom = customPreset();
