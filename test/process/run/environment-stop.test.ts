// Tier test/process: needs node child processes (the runner runs real test commands).
// A runtime or library that cannot load fails every file the same way: such a failure is not
// retried, and once the first files all failed with the same one, the rest are not run.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { custom } from '../../../src/frameworks/custom/index.js';
import { buildLanes, longestFirst } from '../../../src/plan/lanes.js';
import type { FileMapping } from '../../../src/plan/map.js';
import { executePlan } from '../../../src/run/execute.js';
import { AttemptPeers } from '../../../src/run/peers.js';
import { Vault } from '../../../src/run/vault.js';
import { vaultRoot } from '../../../src/state/vault-location.js';

let root: string;
afterEach(() => rm(root, { recursive: true, force: true }));

async function run(files: number, script: string) {
  root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-envstop-'));
  await mkdir(path.join(root, 'tests'), { recursive: true });
  await mkdir(path.join(root, 'fixtures'), { recursive: true });
  const mappings: FileMapping[] = [];
  for (let i = 1; i <= files; i++) {
    await writeFile(path.join(root, 'tests', `t${i}.js`), '');
    mappings.push({ file: `tests/t${i}.js`, cassettes: [], unresolved: [] });
  }
  const vault = await Vault.create(root, [path.join(root, 'fixtures')], [], { vault: await vaultRoot(root, process.env) });
  try {
    return await executePlan({
      lanes: longestFirst(buildLanes(mappings, new Map())),
      workers: 1,
      batchSize: 20,
      batchDelayMs: 0,
      retries: 2,
      backoffBaseMs: 10,
      attempt: {
        workingDirectory: root,
        preset: custom,
        command: [process.execPath, '-e', script, '{file}'],
        timeoutMs: 60_000,
        hookDirectory: root,
        childEnv: process.env,
        vault,
        signal: new AbortController().signal,
        peers: new AttemptPeers(),
      },
    });
  } finally {
    await vault.dispose();
  }
}

describe('an environment error', () => {
  it('is not retried, and stops the run once the first three files all failed with it', async () => {
    const results = await run(6, "require('rerecord-missing-library')");
    const failed = results.filter((result) => result.status === 'failed');
    const notRun = results.filter((result) => result.status === 'not-run');
    expect(failed).toHaveLength(3);
    for (const result of failed) {
      expect(result.attempts).toBe(1);
      expect(result.reason).toMatch(/^tests failed \(exit code 1\): environment error: .*Cannot find module 'rerecord-missing-library'/);
    }
    expect(notRun).toHaveLength(3);
    for (const result of notRun) expect(result.reason).toMatch(/^not run: the first 3 file\(s\) all failed with the same environment error \(.*rerecord-missing-library.*\); fix the environment and re-run$/);
  });

  it('an ordinary failure is retried and does not stop the run', async () => {
    const results = await run(4, 'process.exit(1)');
    expect(results.map((result) => [result.status, result.attempts])).toEqual(Array.from({ length: 4 }, () => ['failed', 3]));
  });
});
