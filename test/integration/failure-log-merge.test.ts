// A partial run (priority, a subset, one shard) must not make `mode: failures` forget the files an
// earlier run could not re-record: the failure log keeps them until a run selects them again.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { shellRun, useShellProjects } from '../faults/shell-project.js';

const projects = useShellProjects();
const WRITES = (name: string) => `printf 'http_interactions: []\\nrecorded_with: new\\n' > test/fixtures/${name}.yml`;

async function failureLog(dir: string): Promise<{ toRerun: string[]; files: Array<{ file: string; lastFailedAt?: string }>; summary: Record<string, number> }> {
  return JSON.parse(await readFile(path.join(dir, '.rerecord/failures.json'), 'utf8'));
}

async function planned(dir: string, ...extra: string[]): Promise<string[]> {
  const result = await runCli(['plan', '--json', '--framework', 'custom', '--command', 'sh {file}', '--test-pattern', '*.sh', '--cassette-functions', 'use_cassette', ...extra], { cwd: dir, env: cleanEnv() });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).files.map((f: { file: string }) => f.file);
}

describe('the failure log across partial runs', () => {
  it('keeps the failures a priority run did not select, and drops them once a run re-records them', async () => {
    const project = await projects.create({ a: 'echo "API said 500" >&2; exit 1', b: 'exit 1', c: WRITES('c') });
    const env = cleanEnv();
    const all = await runCli(shellRun(), { cwd: project.dir, env });
    expect(all.code).toBe(1);
    const first = await failureLog(project.dir);
    // In the order the files ended (they ran side by side).
    expect([...first.toRerun].sort()).toEqual(['test/a.sh', 'test/b.sh']);

    const partial = await runCli(shellRun('--priority', '--priority-patterns', '^c'), { cwd: project.dir, env });
    expect(partial.code, partial.stderr).toBe(0);
    const second = await failureLog(project.dir);
    expect(second.toRerun).toEqual(first.toRerun);
    expect(second.summary).toMatchObject({ selected: 1, succeeded: 1, failed: 0, carriedOver: 2 });
    expect(second.files.find((entry) => entry.file === 'test/a.sh')?.lastFailedAt).toBe((first as unknown as { finishedAt: string }).finishedAt);
    expect(await readFile(path.join(project.dir, '.rerecord/failures.txt'), 'utf8')).toBe(`${first.toRerun.join('\n')}\n`);
    expect((await planned(project.dir, '--failures')).sort()).toEqual(['test/a.sh', 'test/b.sh']);

    // b is fixed and re-recorded by a run that selects only it; a stays listed; a deleted test is dropped.
    await writeFile(path.join(project.dir, 'test/b.sh'), `# use_cassette("b.yml")\n${WRITES('b')}\n`);
    const fixed = await runCli(shellRun('--priority', '--priority-patterns', '^b'), { cwd: project.dir, env });
    expect(fixed.code, fixed.stderr).toBe(0);
    expect((await failureLog(project.dir)).toRerun).toEqual(['test/a.sh']);
    await rm(path.join(project.dir, 'test/a.sh'));
    const after = await runCli(shellRun('--priority', '--priority-patterns', '^c'), { cwd: project.dir, env });
    expect(after.code, after.stderr).toBe(0);
    expect((await failureLog(project.dir)).toRerun).toEqual([]);
  });
});
