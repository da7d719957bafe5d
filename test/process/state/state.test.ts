// Tier test/process: needs `sleep` (a live process holds the lock).
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunLock } from '../../../src/state/lock.js';
import { useTempDirs } from '../../support/temp-dirs.js';

const tempDir = useTempDirs('rerecord-state-');
describe('RunLock', () => {
  it('a second taker is refused while the holder lives, and a dead holder\'s lock is taken over as stale', async () => {
    const root = await tempDir();
    const first = await RunLock.acquire(root, 'run');
    expect(first.taken).toBe(true);
    // Held by a live process other than us: refused, naming it.
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const livePid = sleeper.pid!;
    await writeFile(path.join(root, '.rerecord/lock'), JSON.stringify({ pid: livePid, host: os.hostname(), startedAt: 'then', command: 'run' }));
    const second = await RunLock.acquire(root, 'run');
    expect(second).toMatchObject({ taken: false, holder: { pid: livePid, command: 'run' } });
    process.kill(livePid, 'SIGKILL');
    // A pid that no longer exists: stale.
    await writeFile(path.join(root, '.rerecord/lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), startedAt: 'then', command: 'run' }));
    const third = await RunLock.acquire(root, 'run');
    expect(third).toMatchObject({ taken: true, stale: { pid: 2 ** 22 + 1 } });
    if (third.taken) await third.lock.release();
    await expect(readFile(path.join(root, '.rerecord/lock'))).rejects.toThrow(/ENOENT/);
    expect(await readFile(path.join(root, '.rerecord/.gitignore'), 'utf8')).toMatch(/\/txn\//);
  });
});
