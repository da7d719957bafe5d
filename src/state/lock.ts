// One rerecord at a time per working directory: `.rerecord/lock` holds the holder's pid, host and
// start time. It is created with O_EXCL, so two runs starting together cannot both win. A lock whose
// pid is dead on this host is stale: the caller recovers the dead run's transactions, then takes over.
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCK_PATH, STATE_DIR, STATE_GITIGNORE } from './paths.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

export type LockAttempt = { taken: true; lock: RunLock; stale: LockHolder | undefined } | { taken: false; holder: LockHolder };

export class RunLock {
  private constructor(private readonly file: string) {}

  /** Take the lock; a stale one (dead pid on this host, or unreadable) is taken over and returned as `stale`. */
  static async acquire(workingDirectory: string, command: string): Promise<LockAttempt> {
    await ensureStateDirectory(workingDirectory);
    const file = path.join(workingDirectory, LOCK_PATH);
    const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command };
    for (let tries = 0; tries < 3; tries++) {
      if (await createExclusive(file, `${JSON.stringify(me)}\n`)) return { taken: true, lock: new RunLock(file), stale: undefined };
      const holder = await readHolder(file);
      if (holder && isAlive(holder)) return { taken: false, holder };
      // Stale: remove it and race for it again; O_EXCL decides between two takers.
      await rm(file, { force: true });
      if (await createExclusive(file, `${JSON.stringify(me)}\n`)) {
        return { taken: true, lock: new RunLock(file), stale: holder ?? { pid: 0, host: 'unknown', startedAt: 'unknown', command: 'unknown' } };
      }
    }
    const holder = await readHolder(file);
    return { taken: false, holder: holder ?? { pid: 0, host: 'unknown', startedAt: 'unknown', command: 'unknown' } };
  }

  async release(): Promise<void> {
    const holder = await readHolder(this.file);
    if (holder?.pid === process.pid && holder.host === os.hostname()) await rm(this.file, { force: true });
  }
}

export function describeHolder(holder: LockHolder): string {
  return `rerecord ${holder.command} (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt})`;
}

/** `.rerecord/` with a .gitignore that keeps transactions, the lock and recovered files out of commits. */
export async function ensureStateDirectory(workingDirectory: string): Promise<void> {
  const directory = path.join(workingDirectory, STATE_DIR);
  await mkdir(directory, { recursive: true });
  const ignore = path.join(directory, '.gitignore');
  const current = await readFile(ignore, 'utf8').catch(() => undefined);
  if (current !== STATE_GITIGNORE) await writeFile(ignore, STATE_GITIGNORE);
}

async function createExclusive(file: string, text: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof data.pid !== 'number' || typeof data.host !== 'string') return undefined;
    return { pid: data.pid, host: data.host, startedAt: String(data.startedAt ?? 'unknown'), command: String(data.command ?? 'run') };
  } catch {
    return undefined;
  }
}

/** A holder on another host cannot be checked: treat it as alive (a shared folder over NFS is not ours to break). */
function isAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
