// Priority patterns as re-record scripts wrote them: regular expressions select what they match,
// and patterns that match nothing are exit 2 instead of an empty, "successful" run.
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
