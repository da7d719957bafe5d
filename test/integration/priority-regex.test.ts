// The habits of re-record scripts carry over: regular expressions as priority patterns select what
// they match, patterns that match nothing are exit 2 instead of an empty, "successful" run, and a
// failure log with absolute paths (as the scripts wrote them) resumes.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { useTempProjects } from '../support/suite.js';

const projects = useTempProjects();

describe('--priority --priority-patterns with regular expressions', () => {
  it('selects what the regular expressions match, in pattern order', async () => {
    const project = await projects.copy('test/projects/node-nock');
    const result = await runCli(['plan', '--json', '--priority', '--priority-patterns', '^users,^shared-(a|b)', '--cassette-functions', 'withFixture'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).files.map((f: { file: string }) => f.file)).toEqual(['test/users.test.mjs', 'test/shared-a.test.js', 'test/shared-b.test.js']);
  });

  it('patterns that all match nothing are exit 2 naming them', async () => {
    const project = await projects.copy('test/projects/node-nock');
    const result = await runCli(['run', '--priority', '--priority-patterns', '^test-ct_chemical,^test-chemi_search', '--cassette-functions', 'withFixture'], { cwd: project.dir, env: cleanEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('priority-patterns: none of "^test-ct_chemical", "^test-chemi_search" matched any of the');
  });
});

describe('--failures with a failure log of absolute paths', () => {
  it('reads paths inside the working directory as its own, and refuses ones outside it (exit 2)', async () => {
    const project = await projects.copy('test/projects/node-nock');
    await mkdir(path.join(project.dir, 'logs'));
    const log = path.join(project.dir, 'logs', 'failed.txt');
    await writeFile(log, `${path.join(project.dir, 'test/users.test.mjs')}\n${path.join(project.dir, 'test/items.test.js')}\n`);
    const args = ['plan', '--json', '--failures', '--failure-log', 'logs/failed.txt', '--cassette-functions', 'withFixture'];
    const result = await runCli(args, { cwd: project.dir, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).files.map((f: { file: string }) => f.file).sort()).toEqual(['test/items.test.js', 'test/users.test.mjs']);

    await writeFile(log, '/elsewhere/test/users.test.mjs\n');
    const outside = await runCli(args, { cwd: project.dir, env: cleanEnv() });
    expect(outside.code).toBe(2);
    // Named by position: a failure log's lines are never quoted back (it may not be one).
    expect(outside.stderr).toMatch(/logs\/failed\.txt: 1 of the 1 files it lists are outside the working directory .* \(entry 1, not shown\); remove them/);
    expect(outside.stderr).not.toContain('/elsewhere');
  });
});
