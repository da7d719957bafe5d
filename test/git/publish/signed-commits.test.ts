// Tier test/git: needs git and a free loopback port (stand-in GitHub API).
// sign-commits: the pull-request branch's commit made through the git data API (blobs, tree,
// commit, ref) of the stand-in GitHub, which writes real git objects into the bare origin, so the
// branch is checked with git as any pushed branch is.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { publishBranch } from '../../../src/publish/git.js';
import { createOriginAndClone, git, isolateGitConfig, writeFiles, type OriginAndClone } from '../../support/git-repos.js';
import { startStandinGithub } from '../../support/standin-github.mjs';

const repoAt = (cwd: string) => ({ cwd, inherited: process.env });
const TOKEN = 'ghs_standin_token';
const BRANCH = 'rerecord/refresh';
const JANE = { name: 'Jane Doe', email: 'jane@example.com' };

let restoreConfig: () => void;
beforeAll(() => {
  restoreConfig = isolateGitConfig();
});
afterAll(() => restoreConfig());

let github: Awaited<ReturnType<typeof startStandinGithub>>;
let repos: OriginAndClone;
beforeEach(async () => {
  github = await startStandinGithub({ token: TOKEN, owner: 'octo' });
  repos = await createOriginAndClone({
    'README.md': 'r\n',
    'cassettes/a.yml': 'a: 1\n',
    'cassettes/gone.yml': 'gone: 1\n',
    'cassettes/b.yml': 'b: 1\n',
  });
  github.serveRepository('octo/proj', repos.origin);
});
afterEach(async () => {
  await github.close();
  await repos.remove();
});

const api = () => ({ token: TOKEN, apiUrl: github.url, owner: 'octo', repo: 'proj' });
const PATHS = ['cassettes/a.yml', 'cassettes/gone.yml', 'cassettes/new/c.bin', 'cassettes/b.yml'];
const writes = () => github.requests().filter((request) => request.method !== 'GET');

describe('sign-commits: the commit made through the GitHub API', () => {
  it('carries the tree git would push, made and signed by GitHub, one commit on the base', async () => {
    const { clone, origin } = repos;
    const base = git(clone, 'rev-parse', 'HEAD');
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256));
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 2\n', 'cassettes/gone.yml': null });
    await mkdir(path.join(clone, 'cassettes/new'));
    await writeFile(path.join(clone, 'cassettes/new/c.bin'), binary);
    const signed = await publishBranch(repoAt(clone), { branch: BRANCH, base: 'main', paths: PATHS, message: 'Re-record cassettes', identity: { author: JANE }, api: api() });

    expect(signed).toMatchObject({ changed: true, outcome: 'pushed', signature: { verified: true, reason: 'valid' } });
    expect(repos.originSha(BRANCH)).toBe(signed.sha);
    // The same tree as the git path builds from the same files.
    const plain = await publishBranch(repoAt(clone), { branch: 'rerecord/plain', base: 'main', paths: PATHS, message: 'Re-record cassettes' });
    expect(git(origin, 'rev-parse', `${BRANCH}^{tree}`)).toBe(git(origin, 'rev-parse', 'rerecord/plain^{tree}'));
    expect(plain.sha).not.toBe(signed.sha);
    // Content: one commit on the base, with the change, the deletion and the new file (bytes intact).
    expect(git(origin, 'rev-parse', `${BRANCH}^`)).toBe(base);
    expect(git(origin, 'show', '--name-status', '--format=', BRANCH).split('\n').sort()).toEqual(['A\tcassettes/new/c.bin', 'D\tcassettes/gone.yml', 'M\tcassettes/a.yml']);
    expect(git(origin, 'show', `${BRANCH}:cassettes/a.yml`)).toBe('a: 2');
    expect(execFileSync('git', ['cat-file', 'blob', `${BRANCH}:cassettes/new/c.bin`], { cwd: origin }).equals(binary)).toBe(true);
    // GitHub committed it (so it signs it); the author is the one asked for.
    expect(git(origin, 'log', '-1', '--format=%an <%ae>|%cn|%s', BRANCH)).toBe('Jane Doe <jane@example.com>|github-actions[bot]|Re-record cassettes');
    expect(github.state.signatures.get(signed.sha!)).toEqual({ verified: true, reason: 'valid' });

    // The request log: one blob per new content (none for the deletion), one tree on the base's, one commit, a new branch.
    const log = writes().map((request) => `${request.method} ${request.path}`);
    expect(log).toEqual(['POST /repos/octo/proj/git/blobs', 'POST /repos/octo/proj/git/blobs', 'POST /repos/octo/proj/git/trees', 'POST /repos/octo/proj/git/commits', 'POST /repos/octo/proj/git/refs']);
    const [tree] = github.requests('POST', /\/git\/trees$/);
    expect(tree!.body).toMatchObject({ base_tree: git(clone, 'rev-parse', `${base}^{tree}`) });
    expect((tree!.body as { tree: unknown[] }).tree).toEqual(
      expect.arrayContaining([
        { path: 'cassettes/gone.yml', mode: '100644', type: 'blob', sha: null },
        expect.objectContaining({ path: 'cassettes/a.yml', mode: '100644', type: 'blob' }),
        expect.objectContaining({ path: 'cassettes/new/c.bin', mode: '100644', type: 'blob' }),
      ]),
    );
    const [commit] = github.requests('POST', /\/git\/commits$/);
    expect(commit!.body).toEqual({ message: 'Re-record cassettes', tree: git(origin, 'rev-parse', `${BRANCH}^{tree}`), parents: [base], author: JANE });
    expect(github.requests('POST', /\/git\/refs$/)[0]!.body).toEqual({ ref: `refs/heads/${BRANCH}`, sha: signed.sha });
    // Git sees the branch where GitHub put it.
    expect(git(clone, 'rev-parse', BRANCH)).toBe(signed.sha);
  });

  it('moves the branch on the next change (no fast-forward needed), and makes nothing on a re-run', async () => {
    const { clone, origin } = repos;
    const base = git(clone, 'rev-parse', 'HEAD');
    const publish = () => publishBranch(repoAt(clone), { branch: BRANCH, base: 'main', paths: PATHS, message: 'm', api: api() });
    await writeFiles(clone, { 'cassettes/a.yml': 'a: 2\n' });
    const first = await publish();
    await writeFiles(clone, { 'cassettes/b.yml': 'b: 2\n' });
    const second = await publish();
    expect(second).toMatchObject({ changed: true, outcome: 'pushed' });
    expect(repos.originSha(BRANCH)).toBe(second.sha);
    expect(git(origin, 'rev-parse', `${BRANCH}^`)).toBe(base);
    expect(git(origin, 'show', '--name-only', '--format=', BRANCH).split('\n').sort()).toEqual(['cassettes/a.yml', 'cassettes/b.yml']);
    const moved = github.requests('PATCH', /\/git\/refs\//);
    expect(moved.map((request) => [decodeURIComponent(request.path), request.body])).toEqual([[`/repos/octo/proj/git/refs/heads/${BRANCH}`, { sha: second.sha, force: true }]]);
    expect(first.sha).not.toBe(second.sha);

    const before = writes().length;
    expect(await publish()).toEqual({ sha: second.sha, changed: false, outcome: 'up-to-date' });
    expect(writes()).toHaveLength(before);
  });

  it('leaves a branch someone else created meanwhile alone, and says so', async () => {
    await writeFiles(repos.clone, { 'cassettes/a.yml': 'a: 2\n' });
    // The branch appears between our look (none) and our create: GitHub answers 422.
    github.refuse('create-ref', 422, 'Reference already exists');
    await expect(publishBranch(repoAt(repos.clone), { branch: BRANCH, base: 'main', paths: PATHS, message: 'm', api: api() })).rejects.toThrow(
      /origin\/rerecord\/refresh changed while publishing .*not overwriting it/,
    );
    expect(repos.originSha(BRANCH)).toBeUndefined();
  });

  it('the stand-in, as GitHub, signs only the commits it is the committer of', async () => {
    await writeFiles(repos.clone, { 'cassettes/a.yml': 'a: 2\n' });
    // The stand-in, as GitHub, signs only what it commits itself: a committer given makes it unsigned.
    const published = await publishBranch(repoAt(repos.clone), { branch: BRANCH, base: 'main', paths: PATHS, message: 'm', api: api() });
    expect(published.signature).toEqual({ verified: true, reason: 'valid' });
    const response = await fetch(`${github.url}/repos/octo/proj/git/commits`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'x', tree: git(repos.origin, 'rev-parse', `${BRANCH}^{tree}`), parents: [], committer: JANE }),
    });
    expect(((await response.json()) as { verification: { verified: boolean } }).verification.verified).toBe(false);
  });
});
