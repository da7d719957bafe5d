// Every record hook refuses the project's config file `.rerecord.yml` as a cassette before touching
// it (src/frameworks/JOURNAL.md), in its own runtime: the Node hooks' shared check, the pytest
// plugin, the Ruby VCR hook and the R runner's check, each asked about the same paths. The whole
// path through a real test run is in test/faults/state-files.test.ts (pytest + vcrpy).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/projects.js';

const HOOKS = path.join(REPO_ROOT, 'dist', 'frameworks');
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';

/** Each runtime answers `ok` or the hook's error message for one cassette path, with RERECORD_ROOT set. */
const ask: Record<string, (root: string, cassette: string) => string> = {
  node: (root, cassette) =>
    run(process.execPath, ['-e', `try { require(${JSON.stringify(path.join(HOOKS, 'shared/confine.cjs'))}).refuseOutsideRoot(process.argv[1]); console.log('ok') } catch (e) { console.log(e.message) }`, cassette], root),
  pytest: (root, cassette) =>
    run(PYTHON, ['-c', `import sys\nsys.path.insert(0, ${JSON.stringify(path.join(HOOKS, 'pytest/hook'))})\nimport rerecord_vcrpy\ntry:\n    rerecord_vcrpy._refuse_outside_root(sys.argv[1]); print("ok")\nexcept RuntimeError as e:\n    print(e)`, cassette], root),
  rspec: (root, cassette) =>
    run('ruby', ['-e', `load ${JSON.stringify(path.join(HOOKS, 'rspec/hook/rerecord_vcr.rb'))}\nbegin\n  RerecordVcr.refuse_outside_root(ARGV[0]); puts 'ok'\nrescue => e\n  puts e.message\nend`, cassette], root),
  // The R hook's shared functions (rerecord_hook.R), as both of its entry points load them: the
  // path spelled as the hook spells it (absolute_path) before the check.
  testthat: (root, cassette) =>
    run(
      'Rscript',
      [
        '-e',
        [
          `hook <- new.env(); sys.source(${JSON.stringify(path.join(HOOKS, 'testthat/hook/rerecord_hook.R'))}, envir = hook)`,
          'cat(tryCatch({ hook$refuse_outside_root(hook$absolute_path(commandArgs(TRUE)[1])); "ok" }, error = function(e) conditionMessage(e)), "\\n")',
        ].join('\n'),
        cassette,
      ],
      root,
    ),
};

function run(command: string, args: string[], root: string): string {
  return execFileSync(command, args, { env: { ...process.env, RERECORD_ROOT: root }, encoding: 'utf8' }).trim();
}

let root = '';
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-hook-refusal-'));
  await mkdir(path.join(root, 'tests', 'cassettes'), { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe.each(Object.keys(ask))('the %s hook', (hook) => {
  it('refuses the config file .rerecord.yml, however the library spells its path, and nothing else of that name', () => {
    const answer = (cassette: string) => ask[hook]!(root, cassette);
    for (const cassette of [path.join(root, '.rerecord.yml'), path.join(root, 'tests', 'cassettes', '..', '..', '.rerecord.yml')]) {
      expect(answer(cassette)).toMatch(/^rerecord: refusing cassette .*: it lies outside the project .* \(or inside \.git\/ or \.rerecord\/, or is \.rerecord\.yml\); nothing was touched$/);
    }
    expect(answer(path.join(root, 'tests', 'cassettes', '.rerecord.yml'))).toBe('ok');
    expect(answer(path.join(root, 'tests', 'cassettes', 'users.yml'))).toBe('ok');
  });
});
