// Backups that `git clean -fdX` or `git stash --all` cannot wipe: the vault lives under the git
// directory, so a test (or a person after a crash) cleaning the work tree in the middle of a run
// deletes none of them, and every cassette comes back byte for byte, an uncommitted edit included.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATE_GITIGNORE } from '../../src/state/paths.js';
import { vaultRoot } from '../../src/state/vault-location.js';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects, vaultRunFolders, writesRecording as writes, killRunOnceProbed } from '../support/fault-project.js';
import { git } from '../support/projects.js';

const { project } = useFaultProjects();

const GIT = 'git -c user.name=t -c user.email=t@example.com';

/** fixtures/edited.yml carries an edit nobody committed: only the vault has those bytes. */
async function withUncommittedEdit(dir: string): Promise<void> {
  await writeFile(path.join(dir, 'fixtures/edited.yml'), cassetteYaml('edited by hand, not committed'));
}

const jsonOf = (stdout: string) => JSON.parse(stdout) as { warnings: string[]; files: Array<{ file: string; status: string; reason: string; warnings: string[]; cassettes: Array<{ cassette: string; outcome: string }> }> };

describe('cleaning the work tree mid-run', () => {
  it.each([
    ['git clean -fdX', `${GIT} clean -fdXq`],
    ['git stash --all', `${GIT} stash --all -q`],
  ])('a failing test that runs %s: every cassette comes back byte for byte, the uncommitted edit included', async (name, clean) => {
    const p = await project(
      {
        // Half-writes both of its cassettes, wipes what git calls disposable, and fails.
        'cleaner.sh': `# use_cassette("a")\n# use_cassette("edited")\nprintf 'half a recor' > "$FIX/a.yml"\nprintf 'half' > "$FIX/edited.yml"\n${clean}\ntouch "$PROBES/cleaned"\nexit 1`,
        // Runs alongside: its own backup must survive the cleaning too, and it passes.
        'other.sh': `# use_cassette("b")\nprintf 'half b' > "$FIX/b.yml"\nwhile [ ! -e "$PROBES/cleaned" ]; do sleep 0.05; done\n${writes('b')}`,
      },
      { 'a.yml': cassetteYaml('old a'), 'edited.yml': cassetteYaml('old edited'), 'b.yml': cassetteYaml('old b') },
    );
    await withUncommittedEdit(p.dir);
    const before = await hashesInAndBeside(p);

    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--json'])], p.env());

    expect(result.code, result.stderr).toBe(1);
    const after = await hashesInAndBeside(p);
    expect(after.outside).toEqual(before.outside);
    expect(after.project['fixtures/a.yml']).toBe(before.project['fixtures/a.yml']);
    expect(after.project['fixtures/edited.yml']).toBe(before.project['fixtures/edited.yml']);
    expect(await readFile(path.join(p.dir, 'fixtures/b.yml'), 'utf8'), result.stdout).toContain('fresh');
    expect({ ...after.project, 'fixtures/b.yml': before.project['fixtures/b.yml'] }).toEqual(before.project);
    // The message is true: the file failed and its cassettes were restored; nothing is left to recover.
    const cleaner = jsonOf(result.stdout).files.find((file) => file.file === 'tests/cleaner.sh')!;
    expect(cleaner.reason).toMatch(/^tests failed \(exit code 1\)/);
    expect(cleaner.reason).not.toMatch(/recover/);
    expect(cleaner.cassettes).toEqual(expect.arrayContaining([{ cassette: 'fixtures/a.yml', outcome: 'restored' }, { cassette: 'fixtures/edited.yml', outcome: 'restored' }]));
    expect(await vaultRunFolders(p)).toEqual([]);
    // git stash --all takes .rerecord/ with it (git clean -X leaves its .gitignore): made anew, git-ignored as before, and the run says so.
    const report = jsonOf(result.stdout);
    const warnings = [...report.warnings, ...report.files.flatMap((file) => file.warnings)];
    // Removed, or (when a write of rerecord's own came first) found replaced by a new folder: made anew either way.
    if (name === 'git stash --all') {
      expect(warnings, JSON.stringify(warnings)).toEqual(expect.arrayContaining([expect.stringMatching(/^rerecord's folder \.rerecord\/ was (removed|replaced by .+) while the run went on .*: made anew.*; no backup was in it/)]));
    }
    expect(await readFile(path.join(p.dir, '.rerecord/.gitignore'), 'utf8')).toBe(STATE_GITIGNORE);
    const recovered = await rerecord(p, ['recover'], p.env());
    expect(recovered.stdout).toMatch(/nothing to recover/);
  });

  it('a person runs git clean -fdX after rerecord was killed with SIGKILL: rerecord recover still puts every cassette back', async () => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n# use_cassette("edited")\nprintf 'half' > "$FIX/a.yml"\nprintf 'half' > "$FIX/edited.yml"\ntouch "$PROBES/started"\nsleep 30` }, { 'a.yml': cassetteYaml('old a'), 'edited.yml': cassetteYaml('old edited') });
    await withUncommittedEdit(p.dir);
    const before = await hashesInAndBeside(p);
    await killRunOnceProbed(p);

    execFileSync('git', ['clean', '-fdXq'], { cwd: p.dir });
    expect(existsSync(path.join(p.dir, '.rerecord/lock'))).toBe(false);
    expect(await vaultRunFolders(p)).toHaveLength(1);

    const recovered = await rerecord(p, ['recover'], p.env());
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/recovered 1 interrupted run: 2 files put back/);
    expect(recovered.stdout).toMatch(/restored fixtures\/a\.yml/);
    expect(recovered.stdout).toMatch(/restored fixtures\/edited\.yml/);
    expect(await hashesInAndBeside(p)).toEqual(before);
    expect(await vaultRunFolders(p)).toEqual([]);
  });
});

describe('where the vault is', () => {
  it('under the git directory every worktree shares, one folder per project working directory', async () => {
    const p = await project({}, { 'a.yml': cassetteYaml('a') });
    const worktree = path.join(path.dirname(p.dir), 'worktree');
    git(p.dir, 'worktree', 'add', '-q', worktree);
    const sub = path.join(p.dir, 'fixtures');
    const [main, other, nested] = await Promise.all([vaultRoot(p.dir, process.env), vaultRoot(worktree, process.env), vaultRoot(sub, process.env)]);
    const gitDirectory = await realpath(path.join(p.dir, '.git'));
    for (const root of [main, other, nested]) {
      expect(path.basename(path.dirname(root))).toBe('rerecord');
      expect(await realpath(path.dirname(path.dirname(root)))).toBe(gitDirectory);
      expect(path.basename(root)).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set([main, other, nested]).size).toBe(3);
  });

  it('outside a git repository, under $XDG_STATE_HOME/rerecord/', async () => {
    const plain = await mkdtemp(path.join(os.tmpdir(), 'rerecord-plain-'));
    try {
      const root = await vaultRoot(plain, { ...process.env, XDG_STATE_HOME: '/somewhere/state' });
      expect(path.dirname(root)).toBe('/somewhere/state/rerecord');
      expect(path.basename(root)).toMatch(/^[0-9a-f]{16}$/);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});
