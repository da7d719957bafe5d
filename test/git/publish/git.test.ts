// Tier test/git: needs git (real repositories in temp folders).
// Real git in temp folders: commits of exact paths, pushes that survive concurrent pushes, and
// the pull-request branch. Runs with no git identity configured, as on an Actions runner.
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOT_IDENTITY, commitPaths, fileOnRemoteBranch, publishBranch, pushWithRebase } from '../../../src/publish/git.js';
import { createOriginAndClone, git, isolateGitConfig, writeFiles, type OriginAndClone } from '../../support/git-repos.js';

/** The tests' repositories, with git started from the test process's environment as the CLI starts it. */
const repoAt = (cwd: string) => ({ cwd, inherited: process.env });

let restoreConfig: () => void;
beforeAll(() => {
  restoreConfig = isolateGitConfig();
});
afterAll(() => restoreConfig());

let repos: OriginAndClone | undefined;
afterEach(async () => {
  await repos?.remove();
  repos = undefined;
});

async function setUp(files?: Record<string, string>): Promise<OriginAndClone> {
  repos = await createOriginAndClone(files ?? { 'README.md': '# p\n', 'cassettes/a.yml': 'a: 1\n', 'cassettes/b.yml': 'b: 1\n', 'src/app.js': 'x\n' });
  return repos;
}

const files = (dir: string, ref = 'HEAD') => git(dir, 'ls-tree', '-r', '--name-only', ref).split('\n');
const subject = (dir: string, ref = 'HEAD') => git(dir, 'log', '-1', '--format=%s', ref);

describe('commitPaths', () => {
  it('commits exactly the given paths (changes, additions, deletions) as the Actions bot', async () => {
    const { clone } = await setUp();
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 2\n', 'cassettes/new [id].yml': 'n: 1\n', 'cassettes/b.yml': null, 'src/app.js': 'y\n', 'notes.txt': 'n\n' });
    git(clone, 'add', 'notes.txt'); // staged by someone else: must stay out of our commit
    const result = await commitPaths(repoAt(clone), ['cassettes/a.yml', 'cassettes/new [id].yml', 'cassettes/b.yml'], 'Re-record cassettes');
    expect(result?.sha).toBe(git(clone, 'rev-parse', 'HEAD'));
    expect(git(clone, 'show', '--name-status', '--format=', 'HEAD').split('\n').sort()).toEqual(['A\tcassettes/new [id].yml', 'D\tcassettes/b.yml', 'M\tcassettes/a.yml']);
    expect(git(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(`${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>|${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>`);
    expect(git(clone, 'status', '--porcelain').split('\n').sort()).toEqual([' M src/app.js', 'A  notes.txt']);
  });

  it('returns undefined and makes no commit when the paths did not change', async () => {
    const { clone } = await setUp();
    const before = git(clone, 'rev-parse', 'HEAD');
    await writeFiles(clone, { 'src/app.js': 'changed\n' });
    expect(await commitPaths(repoAt(clone), ['cassettes/a.yml', 'cassettes/gone-and-never-tracked.yml'], 'm')).toBeUndefined();
    expect(await commitPaths(repoAt(clone), [], 'm')).toBeUndefined();
    expect(git(clone, 'rev-parse', 'HEAD')).toBe(before);
    expect(git(clone, 'status', '--porcelain')).toBe('M src/app.js');
  });

  it('works from a subfolder of the repository, paths relative to it', async () => {
    const { clone } = await setUp({ 'README.md': 'r\n', 'pkg/cassettes/a.yml': 'a: 1\n', 'cassettes/a.yml': 'root: 1\n' });
    await writeFiles(clone, { 'pkg/cassettes/a.yml': 'a: 2\n', 'pkg/cassettes/c.yml': 'c: 1\n', 'cassettes/a.yml': 'root: 2\n' });
    const result = await commitPaths(repoAt(path.join(clone, 'pkg')), ['cassettes/a.yml', 'cassettes/c.yml'], 'sub');
    expect(result).toBeDefined();
    expect(git(clone, 'show', '--name-only', '--format=', 'HEAD').split('\n').sort()).toEqual(['pkg/cassettes/a.yml', 'pkg/cassettes/c.yml']);
    expect(git(clone, 'status', '--porcelain')).toBe('M cassettes/a.yml');
  });

  it('takes a whole folder, deletions included, and skips ignored files', async () => {
    const { clone } = await setUp({ 'README.md': 'r\n', '.gitignore': '*.tmp\n', 'cassettes/a.yml': 'a\n', 'cassettes/old/b.yml': 'b\n' });
    await writeFiles(clone, { 'cassettes/old/b.yml': null, 'cassettes/c.yml': 'c\n', 'cassettes/x.tmp': 'scratch\n' });
    await commitPaths(repoAt(clone), ['cassettes', 'cassettes/x.tmp', 'cassettes/old'], 'folder');
    expect(files(clone)).toEqual(['.gitignore', 'README.md', 'cassettes/a.yml', 'cassettes/c.yml']);
  });

  it('uses the configured identity, or the given author and committer', async () => {
    const { clone } = await setUp();
    git(clone, 'config', 'user.name', 'Dev Eloper');
    git(clone, 'config', 'user.email', 'dev@example.com');
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 2\n' });
    await commitPaths(repoAt(clone), ['cassettes/a.yml'], 'mine');
    expect(git(clone, 'log', '-1', '--format=%an <%ae>')).toBe('Dev Eloper <dev@example.com>');
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 3\n' });
    await commitPaths(repoAt(clone), ['cassettes/a.yml'], 'theirs', { author: { name: 'Robot', email: 'robot@example.com' } });
    expect(git(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe('Robot <robot@example.com>|Robot <robot@example.com>');
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 4\n' });
    await commitPaths(repoAt(clone), ['cassettes/a.yml'], 'both', { author: { name: 'Jane Doe', email: 'jane@example.com' }, committer: { name: 'Build Bot', email: 'bot@example.com' } });
    expect(git(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe('Jane Doe <jane@example.com>|Build Bot <bot@example.com>');
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 5\n' });
    await commitPaths(repoAt(clone), ['cassettes/a.yml'], 'committer only', { committer: { name: 'Build Bot', email: 'bot@example.com' } });
    expect(git(clone, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe('Build Bot <bot@example.com>|Build Bot <bot@example.com>');
  });
});

describe('pushWithRebase', () => {
  it('pushes straight away when nobody else pushed', async () => {
    const repo = await setUp();
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n' });
    const { sha } = (await commitPaths(repoAt(repo.clone), ['cassettes/a.yml'], 'ours'))!;
    expect(await pushWithRebase(repoAt(repo.clone), { branch: 'main' })).toEqual({ sha, attempts: 1 });
    expect(repo.originSha('main')).toBe(sha);
  });

  it('survives a concurrent push to another file by rebasing, keeping both commits', async () => {
    const repo = await setUp();
    const theirs = await repo.pushConcurrent({ 'src/app.js': 'theirs\n' }, { message: 'their change' });
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n', 'report.log': 'left in the working tree\n' });
    await commitPaths(repoAt(repo.clone), ['cassettes/a.yml'], 'Re-record cassettes');
    const pushed = await pushWithRebase(repoAt(repo.clone), { branch: 'main' });
    expect(pushed.attempts).toBe(2);
    expect(repo.originSha('main')).toBe(pushed.sha);
    expect(git(repo.origin, 'log', '--format=%s', 'main').split('\n')).toEqual(['Re-record cassettes', 'their change', 'initial']);
    expect(git(repo.origin, 'rev-parse', 'main~1')).toBe(theirs);
    expect(git(repo.origin, 'show', 'main:src/app.js')).toBe('theirs');
    expect(git(repo.origin, 'show', 'main:cassettes/a.yml')).toBe('a: 2');
    // The untracked report survived the rebase.
    expect(await readFile(path.join(repo.clone, 'report.log'), 'utf8')).toBe('left in the working tree\n');
  });

  it('fails clearly on a real conflict, aborting the rebase and leaving the branch as it was', async () => {
    const repo = await setUp();
    await repo.pushConcurrent({ 'cassettes/a.yml': 'a: theirs\n' });
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: ours\n' });
    const ours = (await commitPaths(repoAt(repo.clone), ['cassettes/a.yml'], 'ours'))!.sha;
    const theirs = repo.originSha('main');
    await expect(pushWithRebase(repoAt(repo.clone), { branch: 'main' })).rejects.toThrow(/could not rebase onto origin\/main.*aborted.*cassettes\/a\.yml/s);
    expect(existsSync(path.join(repo.clone, '.git', 'rebase-merge'))).toBe(false);
    expect(existsSync(path.join(repo.clone, '.git', 'rebase-apply'))).toBe(false);
    expect(git(repo.clone, 'rev-parse', 'HEAD')).toBe(ours);
    expect(git(repo.clone, 'status', '--porcelain')).toBe('');
    expect(repo.originSha('main')).toBe(theirs);
  });

  it('gives up after the last attempt when the branch keeps moving', async () => {
    const repo = await setUp();
    await repo.pushConcurrent({ 'src/app.js': 'theirs\n' });
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n' });
    await commitPaths(repoAt(repo.clone), ['cassettes/a.yml'], 'ours');
    await expect(pushWithRebase(repoAt(repo.clone), { branch: 'main', attempts: 1 })).rejects.toThrow(/kept moving.*1 attempt/);
  });

  it('reports a refusal that is not a race at once, with git\'s message', async () => {
    const repo = await setUp();
    const hook = path.join(repo.origin, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "protected branch: pushes need a review" >&2\nexit 1\n');
    await chmod(hook, 0o755);
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n' });
    await commitPaths(repoAt(repo.clone), ['cassettes/a.yml'], 'ours');
    await expect(pushWithRebase(repoAt(repo.clone), { branch: 'main' })).rejects.toThrow(/could not push to origin\/main:.*protected branch: pushes need a review/s);
  });

  it('rebases in a shallow checkout (actions/checkout fetch-depth: 1)', async () => {
    const repo = await setUp();
    await repo.commit(repo.clone, { 'src/app.js': 'second\n' }, 'second');
    git(repo.clone, 'push', '-q', 'origin', 'main');
    const shallow = path.join(repo.root, 'shallow');
    git(repo.root, 'clone', '-q', '--depth=1', `file://${repo.origin}`, shallow);
    await repo.pushConcurrent({ 'README.md': 'theirs\n' }, { message: 'theirs' });
    await writeFiles(shallow, { 'cassettes/a.yml': 'a: 2\n' });
    await commitPaths(repoAt(shallow), ['cassettes/a.yml'], 'ours');
    await pushWithRebase(repoAt(shallow), { branch: 'main' });
    expect(git(repo.origin, 'log', '--format=%s', 'main').split('\n')).toEqual(['ours', 'theirs', 'second', 'initial']);
  });
});

describe('publishBranch', () => {
  const options = { branch: 'rerecord/refresh', base: 'main', paths: ['cassettes'], message: 'Re-record cassettes' };

  it('pushes one commit on top of HEAD and leaves the workspace exactly as found', async () => {
    const repo = await setUp();
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n', 'cassettes/b.yml': null, 'src/app.js': 'unrelated\n', 'cassettes/c.yml': 'c\n' });
    git(repo.clone, 'add', 'src/app.js');
    const status = git(repo.clone, 'status', '--porcelain');
    const head = git(repo.clone, 'rev-parse', 'HEAD');
    const published = await publishBranch(repoAt(repo.clone), options);
    expect(published).toEqual({ sha: repo.originSha('rerecord/refresh'), changed: true, outcome: 'pushed' });
    expect(git(repo.origin, 'rev-parse', 'rerecord/refresh~1')).toBe(head);
    expect(git(repo.origin, 'show', '--name-status', '--format=', 'rerecord/refresh').split('\n').sort()).toEqual(['A\tcassettes/c.yml', 'D\tcassettes/b.yml', 'M\tcassettes/a.yml']);
    expect(git(repo.origin, 'log', '-1', '--format=%an|%s', 'rerecord/refresh')).toBe(`${BOT_IDENTITY.name}|Re-record cassettes`);
    expect(git(repo.clone, 'rev-parse', 'HEAD')).toBe(head);
    expect(git(repo.clone, 'symbolic-ref', '--short', 'HEAD')).toBe('main');
    expect(git(repo.clone, 'status', '--porcelain')).toBe(status);
    expect(git(repo.clone, 'rev-parse', 'rerecord/refresh')).toBe(published.sha);
  });

  it('does not commit or push when the remote branch already holds this content', async () => {
    const repo = await setUp();
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n' });
    const first = await publishBranch(repoAt(repo.clone), options);
    const again = await publishBranch(repoAt(repo.clone), options);
    expect(again).toEqual({ sha: first.sha, changed: false, outcome: 'up-to-date' });
    expect(repo.originSha('rerecord/refresh')).toBe(first.sha);
  });

  it('reports no-changes when the paths equal HEAD', async () => {
    const repo = await setUp();
    await writeFiles(repo.clone, { 'src/app.js': 'not a cassette\n' });
    expect(await publishBranch(repoAt(repo.clone), options)).toEqual({ sha: undefined, changed: false, outcome: 'no-changes' });
    expect(repo.originSha('rerecord/refresh')).toBeUndefined();
  });

  it('works from a subfolder and from a detached HEAD', async () => {
    const repo = await setUp({ 'README.md': 'r\n', 'pkg/cassettes/a.yml': 'a\n' });
    git(repo.clone, 'checkout', '-q', '--detach');
    await writeFiles(repo.clone, { 'pkg/cassettes/a.yml': 'a: 2\n' });
    const published = await publishBranch(repoAt(path.join(repo.clone, 'pkg')), { ...options, paths: ['cassettes/a.yml'] });
    expect(published.changed).toBe(true);
    expect(git(repo.origin, 'show', 'rerecord/refresh:pkg/cassettes/a.yml')).toBe('a: 2');
    expect(git(repo.clone, 'status', '--porcelain')).toBe('M pkg/cassettes/a.yml');
  });

  it('refuses to overwrite the branch when someone pushed to it meanwhile (the lease)', async () => {
    const repo = await setUp();
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 2\n' });
    await publishBranch(repoAt(repo.clone), options);
    // Between our look at the remote and our push, a person pushes a fix to the branch.
    const hooks = path.join(repo.clone, '.git', 'hooks');
    await mkdir(hooks, { recursive: true });
    const other = path.join(repo.root, 'person');
    await writeFile(
      path.join(hooks, 'pre-push'),
      `#!/bin/sh\nunset GIT_INDEX_FILE GIT_DIR GIT_WORK_TREE\ngit clone -q --branch rerecord/refresh "${repo.origin}" "${other}" && cd "${other}" && echo fix > fix.txt && git add fix.txt && git -c user.name=P -c user.email=p@example.com commit -qm fix && git push -q origin HEAD:rerecord/refresh\n`,
    );
    await chmod(path.join(hooks, 'pre-push'), 0o755);
    await writeFiles(repo.clone, { 'cassettes/a.yml': 'a: 3\n' });
    await expect(publishBranch(repoAt(repo.clone), options)).rejects.toThrow(/origin\/rerecord\/refresh changed while publishing/);
    expect(subject(repo.origin, 'rerecord/refresh')).toBe('fix');
  });

  it('refuses a branch equal to its base or checked out', async () => {
    const repo = await setUp();
    await expect(publishBranch(repoAt(repo.clone), { ...options, branch: 'main' })).rejects.toThrow(/refusing to force-push the base/);
    await expect(publishBranch(repoAt(repo.clone), { ...options, base: 'develop', branch: 'main' })).rejects.toThrow(/checked-out branch/);
  });

  it('works in a shallow checkout', async () => {
    const repo = await setUp();
    const shallow = path.join(repo.root, 'shallow');
    git(repo.root, 'clone', '-q', '--depth=1', `file://${repo.origin}`, shallow);
    await writeFiles(shallow, { 'cassettes/a.yml': 'a: 2\n' });
    const first = await publishBranch(repoAt(shallow), options);
    expect(first.changed).toBe(true);
    const second = await publishBranch(repoAt(shallow), options);
    expect(second).toEqual({ sha: first.sha, changed: false, outcome: 'up-to-date' });
    expect(git(shallow, 'rev-parse', '--is-shallow-repository')).toBe('true');
  });
});

describe('fileOnRemoteBranch', () => {
  it('returns the exact bytes on the fetched branch, invalid UTF-8 and final newline included', async () => {
    const repo = await setUp();
    const latin1 = Buffer.from([0x62, 0x6f, 0x64, 0x79, 0x3a, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a, 0x0a]); // "body: café\n\n" in Latin-1
    await writeFile(path.join(repo.clone, 'cassettes/a.yml'), latin1);
    git(repo.clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qam', 'latin-1 body');
    git(repo.clone, 'push', '-q', 'origin', 'HEAD:refs/heads/rerecord/bytes');
    git(repo.clone, 'fetch', '-q', 'origin', '+refs/heads/rerecord/bytes:refs/remotes/origin/rerecord/bytes');
    expect((await fileOnRemoteBranch(repoAt(repo.clone), 'origin', 'rerecord/bytes', 'cassettes/a.yml'))?.equals(latin1)).toBe(true);
    expect(await fileOnRemoteBranch(repoAt(repo.clone), 'origin', 'rerecord/bytes', 'cassettes/none.yml')).toBeUndefined();
  });
});
