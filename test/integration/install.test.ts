// Installable like its peers: the packed tarball installs offline into an empty folder as one
// package (no runtime dependencies: everything is bundled), and its bin plans a real project.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../src/frameworks/registry.js';
import { copyProject, REPO_ROOT, type TempProject } from '../support/projects.js';
import { cleanEnv, NODE } from '../support/run-bundle.js';

const made: string[] = [];
let project: TempProject | undefined;
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
  await project?.remove();
});

describe('the npm package', () => {
  it('packs, installs offline into an empty folder with nothing else, and runs --help and plan', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-install-'));
    made.push(work);
    const env = cleanEnv({ npm_config_cache: path.join(work, 'cache'), npm_config_update_notifier: 'false' });
    const tarball = execFileSync('npm', ['pack', REPO_ROOT, '--silent', '--pack-destination', work], { cwd: work, env, encoding: 'utf8' }).trim().split('\n').pop()!;
    const consumer = path.join(work, 'consumer');
    await mkdir(consumer);
    await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const installed = execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(work, tarball)], { cwd: consumer, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(installed).toMatch(/added 1 package/);
    const packages = (await readdir(path.join(consumer, 'node_modules'))).filter((name) => !name.startsWith('.'));
    expect(packages).toEqual(['rerecord']);
    const bin = path.join(consumer, 'node_modules', '.bin', 'rerecord');
    const help = execFileSync(NODE, [bin, '--help'], { cwd: consumer, env, encoding: 'utf8' });
    expect(help).toMatch(/^rerecord \d+\.\d+\.\d+: re-record VCR-style HTTP cassettes/);
    // Every registered preset's record hook ships where the bundle looks for it, with the files the hooks share.
    const frameworks = path.join(consumer, 'node_modules', 'rerecord', 'dist', 'frameworks');
    for (const preset of PRESETS) {
      for (const file of preset.hookFiles) expect(existsSync(path.join(frameworks, preset.name, 'hook', file)), `${preset.name}/hook/${file}`).toBe(true);
    }
    const sharedByHooks = readdirSync(path.join(REPO_ROOT, 'src/frameworks/shared')).filter((name) => name.endsWith('.cjs'));
    expect(sharedByHooks.length).toBeGreaterThan(0);
    for (const shared of sharedByHooks) expect(existsSync(path.join(frameworks, 'shared', shared)), shared).toBe(true);
    project = await copyProject('test/projects/testthat');
    const plan = JSON.parse(execFileSync(NODE, [bin, 'plan', '--json'], { cwd: project.dir, env, encoding: 'utf8' }));
    expect(plan.files.map((file: { file: string }) => file.file)).toContain('tests/testthat/test-items.R');
  });
});
