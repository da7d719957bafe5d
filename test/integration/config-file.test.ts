// `.rerecord.yml`: the CLI and the action both read it, flags and inputs override it, unknown keys
// are exit 2 naming the key, and `rerecord init` writes one from what detection found.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runAction, runCli } from '../support/run-bundle.js';
import { useTempProjects } from '../support/suite.js';

const projects = useTempProjects();
const SETTINGS = ['cassette-functions: withFixture', 'mode: priority', 'priority-patterns: [items]', ''].join('\n');
const planned = (stdout: string) => (JSON.parse(stdout).files as Array<{ file: string }>).map((f) => f.file).sort();

describe('.rerecord.yml', () => {
  it('reaches the CLI and the action, and a flag or input overrides a value', async () => {
    const project = await projects.copy('test/projects/node-nock');
    await writeFile(path.join(project.dir, '.rerecord.yml'), SETTINGS);
    const fromFile = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(planned(fromFile.stdout)).toEqual(['test/items.test.js']);
    const overridden = await runCli(['plan', '--json', '--priority-patterns', 'users'], { cwd: project.dir, env: cleanEnv() });
    expect(planned(overridden.stdout)).toEqual(['test/users.test.mjs']);
    // What detection went by is said, so that a wrong guess is plain; a named framework needs no evidence.
    expect(JSON.parse(fromFile.stdout).frameworkDetectedFrom).toBe('nock in package.json');
    const text = await runCli(['plan'], { cwd: project.dir, env: cleanEnv() });
    expect(text.stdout).toMatch(/^1 of 1 selected files in shard 1\/1 \(node, detected from nock in package\.json, mode priority\)/);
    const named = await runCli(['plan', '--json', '--framework', 'node'], { cwd: project.dir, env: cleanEnv() });
    expect(JSON.parse(named.stdout).frameworkDetectedFrom).toBeNull();

    const action = await runAction({ step: 'plan' }, { cwd: project.dir, env: cleanEnv() });
    expect(action.code, action.stdout).toBe(0);
    expect(action.outputs.selected).toBe('1');
    expect(action.summary).toContain('(node, detected from nock in package.json, mode priority)');
    const actionOverridden = await runAction({ step: 'plan', 'priority-patterns': 'items,users' }, { cwd: project.dir, env: cleanEnv() });
    expect(actionOverridden.outputs.selected).toBe('2');
  });

  it('an unknown key or a secret is exit 2 naming the key', async () => {
    const project = await projects.copy('test/projects/node-nock');
    await writeFile(path.join(project.dir, '.rerecord.yml'), 'workerz: 3\napi-key: hunter2\n');
    const cli = await runCli(['plan'], { cwd: project.dir, env: cleanEnv() });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('.rerecord.yml: unknown key "workerz"');
    expect(cli.stderr).toContain('.rerecord.yml: "api-key" is not allowed here');
    expect(cli.stderr).not.toContain('hunter2');
    const action = await runAction({ step: 'plan' }, { cwd: project.dir, env: cleanEnv() });
    expect(action.code).toBe(2);
    expect(action.stdout).toContain('unknown key "workerz"');
  });

  it('rerecord init writes what detection found, which plan then reads; it never overwrites', async () => {
    const project = await projects.copy('test/projects/pytest');
    const init = await runCli(['init'], { cwd: project.dir, env: cleanEnv() });
    expect(init.code, init.stderr).toBe(0);
    const text = await readFile(path.join(project.dir, '.rerecord.yml'), 'utf8');
    expect(text).toContain('framework: pytest\n');
    expect(text).toContain('cassette-dir: tests/vcr_cassettes\n');
    expect(text).toContain('command: "python3 -m pytest {file}"\n');
    const plan = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(plan.code, plan.stderr).toBe(0);
    const again = await runCli(['init'], { cwd: project.dir, env: cleanEnv() });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('.rerecord.yml exists already');
  });
});
