// Ruby: RSpec + VCR. Cassettes are `<cassette_library_dir>/<name>.yml`, the name sanitized the way
// VCR's file system persister does. The record hook (hooks/rerecord_vcr.rb) is loaded through
// RUBYLIB + RUBYOPT rather than `rspec --require`, so that it also reaches a user's own command
// (`bundle exec rspec {file}`, `bin/rspec {file}`): every Ruby process honours RUBYOPT.
import path from 'node:path';
import { fillCommand, hookEnvironment, type FrameworkPreset } from './preset.js';
import type { ProjectFiles } from './project-files.js';
import { findRubyCassetteRefs } from './rspec-walker.js';
import { cassetteLibraryDir } from './ruby-paths.js';

export { findRubyCassetteRefs } from './rspec-walker.js';

const HOOK_FEATURE = 'rerecord_vcr';
const DEFAULT_CASSETTE_SUBDIR = 'fixtures/vcr_cassettes';

export const rspec: FrameworkPreset = {
  name: 'rspec',
  defaultTestDir: 'spec',
  defaultTestPattern: '**/*_spec.rb',
  defaultCommand: ['rspec', '{file}'],
  hasRecordHook: true,

  detect: (project) => project.isFile('.rspec') || project.isFile('spec/spec_helper.rb'),

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

  launch(absoluteFile, command, hook) {
    // RUBYOPT splits on blanks and has no quoting, so the hook goes in by feature name from RUBYLIB
    // (split on ':' only): an install path with spaces still works.
    const rubylib = [hook.hookDirectory, process.env.RUBYLIB].filter((part) => part).join(path.delimiter);
    const rubyopt = [process.env.RUBYOPT, `-r${HOOK_FEATURE}`].filter((part) => part).join(' ');
    // A Spring-preloaded app server (Rails binstubs) was started with another environment and would
    // run the specs without the hook: DISABLE_SPRING makes the binstub run them in this process.
    return { ...fillCommand(command, absoluteFile), env: { ...hookEnvironment(hook), RUBYLIB: rubylib, RUBYOPT: rubyopt, DISABLE_SPRING: '1' } };
  },
};

/** VCR's FileSystem persister: every run of characters other than [[:word:]], `-` and `/` becomes `_`. */
export function sanitizeCassetteName(name: string): string {
  return name.replace(/[^\p{L}\p{M}\p{Nd}\p{Pc}\-/]+/gu, '_');
}

/** spec_helper.rb, rails_helper.rb and friends directly in the test dir, then the test dir's support/*.rb. */
function helperFiles(project: ProjectFiles, testDir: string): string[] {
  const rubyIn = (dir: string) =>
    project
      .list(dir)
      .filter((name) => name.endsWith('.rb') && !name.endsWith('_spec.rb'))
      .sort((a, b) => Number(b === 'spec_helper.rb') - Number(a === 'spec_helper.rb') || a.localeCompare(b))
      .map((name) => path.posix.join(dir, name));
  return [...rubyIn(testDir), ...rubyIn(path.posix.join(testDir, 'support'))];
}
