// Tier test/process: needs bash (runs scripts/test-all.sh with shims on PATH).
// scripts/test-all.sh, the README's test command: on a machine without the runtimes it must say
// exactly what to install and stop before anything else (no build, no test, no npm ci), and it
// must not try to install anything unless it runs as root.
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../support/projects.js';

const shims: string[] = [];
afterAll(() => Promise.all(shims.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A PATH folder where dpkg-query knows no package, `id -u` says 1000, and apt-get/npm leave a trace if called. */
async function bareMachine(): Promise<{ bin: string; trace: string }> {
  const bin = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bare-'));
  shims.push(bin);
  const trace = path.join(bin, 'called');
  const scripts: Record<string, string> = {
    'dpkg-query': 'exit 1',
    id: '[ "$1" = -u ] && echo 1000 || echo "uid=1000"',
    'apt-get': `echo apt-get >> ${JSON.stringify(trace)}`,
    npm: `echo npm >> ${JSON.stringify(trace)}`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    await chmod(path.join(bin, name), 0o755);
  }
  return { bin, trace };
}

describe('npm run test:all on a machine without the Debian packages, as a normal user', () => {
  it('prints the one apt-get line that installs them, exits 2, and runs nothing else', async () => {
    const { bin, trace } = await bareMachine();
    const result = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'test-all.sh')], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^ {2}sudo apt-get install -y --no-install-recommends r-base-core r-cran-testthat .*python3-pytest .*ruby-rspec .*$/m);
    expect(result.stdout).toBe('');
    expect(spawnSync('cat', [trace], { encoding: 'utf8' }).stdout).toBe('');
  });
});
