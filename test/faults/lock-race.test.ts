// "Two rerecords at once": however many start together, exactly one holds the project's lock,
// whether the lock is free or left stale by a killed run, and a pid the kernel reused for another
// process does not keep a dead run's lock alive. Real processes racing on one folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStateDirectory, processStartOf, RunLock } from '../../src/state/lock.js';
import { useHarness } from './harness.js';

const CONTENDERS = 8;
const takeLock = useHarness('take-lock');

async function race(root: string): Promise<Array<{ taken: boolean; stale?: number }>> {
  const startAt = Date.now() + 1500;
  const children: ChildProcess[] = [];
  const answers = await Promise.all(
    Array.from({ length: CONTENDERS }, () => {
      const child = spawn(process.execPath, [takeLock.file, root, String(startAt)], { stdio: ['pipe', 'pipe', 'inherit'] });
      children.push(child);
      return new Promise<{ taken: boolean; stale?: number }>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk) => {
          output += chunk;
          if (output.includes('\n')) resolve(JSON.parse(output));
        });
        child.on('exit', (code) => reject(new Error(`contender exited ${code} before answering`)));
      });
    }),
  );
  // Only now let them go: a winner that exited early would free the lock for a late contender.
  await Promise.all(children.map((child) => new Promise((resolve) => (child.on('exit', resolve), child.stdin!.end()))));
  return answers;
}

describe('the project lock under a race', () => {
  it.each([
    ['free', undefined],
    ['left by a dead run', { pid: 2 ** 22 + 3, host: os.hostname(), startedAt: 'then', command: 'run' }],
    ['half-written (empty)', ''],
  ])(`exactly one of ${CONTENDERS} contenders takes a lock that is %s`, async (_what, lock) => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-lock-race-'));
    try {
      if (lock !== undefined) {
        await ensureStateDirectory(root);
        await writeFile(path.join(root, '.rerecord/lock'), typeof lock === 'string' ? lock : JSON.stringify(lock));
      }
      for (let round = 0; round < 3; round++) {
        const answers = await race(root);
        expect(answers.filter((answer) => answer.taken)).toHaveLength(1);
        // Nothing left beside the lock: the aside copies and moved stale locks are cleaned up.
        expect((await readdir(path.join(root, '.rerecord'))).filter((name) => name.startsWith('lock.'))).toEqual([]);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a reused pid', () => {
  it.runIf(processStartOf(process.pid) !== undefined)("does not keep a dead run's lock: the live process with that pid started later", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-lock-pid-'));
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await ensureStateDirectory(root);
      const holder = { pid: sleeper.pid!, host: os.hostname(), startedAt: 'then', command: 'run' };
      // The same pid with its real start stamp: a live holder, refused.
      await writeFile(path.join(root, '.rerecord/lock'), JSON.stringify({ ...holder, processStart: processStartOf(sleeper.pid!) }));
      expect(await RunLock.acquire(root, 'run')).toMatchObject({ taken: false, holder: { pid: sleeper.pid } });
      // The same pid recorded with another start stamp: the run that wrote it is gone.
      await writeFile(path.join(root, '.rerecord/lock'), JSON.stringify({ ...holder, processStart: 'another-boot:1' }));
      const taken = await RunLock.acquire(root, 'run');
      expect(taken).toMatchObject({ taken: true, stale: { pid: sleeper.pid } });
    } finally {
      sleeper.kill('SIGKILL');
      await rm(root, { recursive: true, force: true });
    }
  });
});
