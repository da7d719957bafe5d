// Tier test/process: needs `sleep` (a live process holds the lock).
// The lock on a file system without hard links (some network and FUSE mounts refuse link(2) with
// EPERM): it falls back to an exclusive copy, so it still works and still admits one holder.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const refusedLinks = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  const refuse = async () => {
    refusedLinks.count++;
    throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM' });
  };
  return { ...real, default: { ...real, link: refuse }, link: refuse };
});

const { RunLock } = await import('../../../src/state/lock.js');

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('RunLock without hard links', () => {
  it('takes a free lock whole and releases it, refuses while a live process holds it, takes over a dead one', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-nolink-'));
    const lockFile = path.join(root, '.rerecord/lock');
    const first = await RunLock.acquire(root, 'run');
    expect(first.taken).toBe(true);
    expect(refusedLinks.count).toBeGreaterThan(0);
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid, command: 'run' });
    if (first.taken) await first.lock.release();
    await expect(readFile(lockFile)).rejects.toThrow(/ENOENT/);

    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(lockFile, JSON.stringify({ pid: sleeper.pid, host: os.hostname(), startedAt: 'then', command: 'run' }));
      expect(await RunLock.acquire(root, 'run')).toMatchObject({ taken: false, holder: { pid: sleeper.pid } });
    } finally {
      sleeper.kill('SIGKILL');
    }
    await writeFile(lockFile, JSON.stringify({ pid: 2 ** 22 + 5, host: os.hostname(), startedAt: 'then', command: 'run' }));
    expect(await RunLock.acquire(root, 'run')).toMatchObject({ taken: true, stale: { pid: 2 ** 22 + 5 } });
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
  });
});
