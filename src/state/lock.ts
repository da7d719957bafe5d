// One rerecord at a time per working directory: `.rerecord/lock` holds the holder's pid, host,
// start time and (on Linux) the process's own start stamp. It appears whole or not at all (written
// aside, then hard-linked into place, which fails when a lock exists), so two runs starting
// together cannot both win, nor read the other's half-written lock as stale. A lock whose process is
// gone on this host (its pid dead, or reused by a process that started later) is stale: the caller
// recovers the dead run's transactions, then takes over. Takers of one stale lock first race for a
// marker named after its bytes, and the winner replaces the lock by rename only if it still holds
// those bytes, so a lock is never deleted out from under a new holder.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, lstat, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readOwnFile, removeOwnFile, writeOwnFile, writeSynced } from './own-files.js';
import { LOCK_PATH, STATE_DIR, STATE_GITIGNORE } from './paths.js';
import { isRunning, processStartOf } from './process-identity.js';

export { processStartOf };

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** The process's start stamp (boot id and start time in clock ticks) where /proc tells it: a reused pid has another. */
  processStart?: string | undefined;
}

const UNKNOWN_HOLDER: LockHolder = { pid: 0, host: 'unknown', startedAt: 'unknown', command: 'unknown' };

export type LockAttempt = { taken: true; lock: RunLock; stale: LockHolder | undefined } | { taken: false; holder: LockHolder };

export class RunLock {
  private constructor(private readonly workingDirectory: string) {}

  /** Take the lock; a stale one (dead pid on this host, or unreadable) is taken over and returned as `stale`. */
  static async acquire(workingDirectory: string, command: string): Promise<LockAttempt> {
    await ensureStateDirectory(workingDirectory);
    const file = path.join(workingDirectory, LOCK_PATH);
    const me: LockHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString(), command, processStart: processStartOf(process.pid) };
    const text = `${JSON.stringify(me)}\n`;
    for (let tries = 0; tries < 5; tries++) {
      if (await createWhole(file, text)) return { taken: true, lock: new RunLock(workingDirectory), stale: undefined };
      const bytes = await readLock(workingDirectory);
      if (bytes === undefined) continue;
      const holder = parseHolder(bytes);
      if (holder && isAlive(holder)) return { taken: false, holder };
      if (await takeOver(workingDirectory, bytes, text)) return { taken: true, lock: new RunLock(workingDirectory), stale: holder ?? UNKNOWN_HOLDER };
      // Another taker is replacing it: look again once it is done.
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
    const holder = await readHolder(workingDirectory);
    return { taken: false, holder: holder ?? UNKNOWN_HOLDER };
  }

  async release(): Promise<void> {
    const holder = await readHolder(this.workingDirectory);
    if (holder?.pid === process.pid && holder.host === os.hostname()) await removeOwnFile(this.workingDirectory, LOCK_PATH);
  }
}

/** The live holder of the lock, if a rerecord is running in the project now; reads only. */
export async function liveHolder(workingDirectory: string): Promise<LockHolder | undefined> {
  const holder = await readHolder(workingDirectory).catch(() => undefined);
  return holder && isAlive(holder) ? holder : undefined;
}

export function describeHolder(holder: LockHolder): string {
  const host = /^[\w.-]{1,253}$/.test(holder.host) ? holder.host : 'a host whose name is not shown';
  return `rerecord ${holder.command} (pid ${holder.pid} on ${host}, started ${holder.startedAt})`;
}

/**
 * `.rerecord/` (a real folder, created if need be) with a .gitignore that keeps transactions, the
 * lock and recovered files out of commits. An OwnFileError when either is a symlink or not what rerecord made.
 */
export async function ensureStateDirectory(workingDirectory: string): Promise<void> {
  const ignore = `${STATE_DIR}/.gitignore`;
  const current = await readOwnFile(workingDirectory, ignore);
  if (current?.toString('utf8') !== STATE_GITIGNORE) await writeOwnFile(workingDirectory, ignore, STATE_GITIGNORE);
}

/** The lock's bytes, never read through a symlink; undefined when there is none or it is not a regular file. */
async function readLock(workingDirectory: string): Promise<Buffer | undefined> {
  return readOwnFile(workingDirectory, LOCK_PATH).catch(() => undefined);
}

/** A marker older than this was left by a taker that died mid-takeover (which takes milliseconds). */
const ABANDONED_MARKER_MS = 60_000;

/** The lock file with its whole content, or false when one exists: written and synced aside, then linked into place. */
async function createWhole(file: string, text: string): Promise<boolean> {
  const aside = await writeAside(file, text);
  try {
    return await linkExclusive(aside, file);
  } finally {
    await rm(aside, { force: true });
  }
}

/**
 * Replaces the stale lock holding `staleBytes` with ours. Of the takers that judged it stale, the
 * one that creates the marker named after those bytes goes on; it renames ours over the lock only
 * if the lock still holds them (a slow taker finds a new holder there and backs off).
 */
async function takeOver(workingDirectory: string, staleBytes: Buffer, text: string): Promise<boolean> {
  const file = path.join(workingDirectory, LOCK_PATH);
  const marker = `${file}.takeover.${createHash('sha256').update(staleBytes).digest('hex').slice(0, 16)}`;
  const aside = await writeAside(file, text);
  try {
    if (!(await linkExclusive(aside, marker))) {
      await removeIfAbandoned(marker);
      return false;
    }
    try {
      const now = await readLock(workingDirectory);
      if (now === undefined) return await linkExclusive(aside, file);
      if (!now.equals(staleBytes)) return false;
      await rename(aside, file);
      return true;
    } finally {
      await rm(marker, { force: true });
    }
  } finally {
    await rm(aside, { force: true });
  }
}

async function removeIfAbandoned(marker: string): Promise<void> {
  const info = await lstat(marker).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs > ABANDONED_MARKER_MS) await rm(marker, { force: true });
}

async function writeAside(file: string, text: string): Promise<string> {
  const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeSynced(aside, text, 'wx');
  return aside;
}

/** Errors of a file system that has no hard links (some network and FUSE mounts). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * `to` created as a copy of `from`, or false when it exists. A hard link makes it appear whole; where
 * the file system has none, an exclusive copy still lets only one taker create it.
 */
async function linkExclusive(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') return false;
    if (!NO_HARD_LINKS.has(code)) throw error;
  }
  try {
    await copyFile(from, to, constants.COPYFILE_EXCL);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readHolder(workingDirectory: string): Promise<LockHolder | undefined> {
  const bytes = await readLock(workingDirectory);
  return bytes === undefined ? undefined : parseHolder(bytes);
}

/**
 * The holder a lock names, or undefined when it is not a lock rerecord wrote. Its fields reach
 * messages, so each must look like what rerecord writes there: no other bytes of the file are shown.
 */
function parseHolder(bytes: Buffer): LockHolder | undefined {
  try {
    const data = JSON.parse(bytes.toString('utf8')) as Partial<LockHolder>;
    if (!Number.isInteger(data.pid) || typeof data.host !== 'string') return undefined;
    const shaped = (value: unknown, pattern: RegExp, otherwise: string) => (typeof value === 'string' && pattern.test(value) ? value : otherwise);
    return {
      pid: data.pid!,
      host: data.host,
      startedAt: shaped(data.startedAt, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, 'unknown'),
      command: shaped(data.command, /^[a-z-]{1,20}$/, 'run'),
      processStart: shaped(data.processStart, /^[\w:-]{1,80}$/, '') || undefined,
    };
  } catch {
    return undefined;
  }
}

/**
 * A holder on another host cannot be checked: treat it as alive (a shared folder over NFS is not
 * ours to break). On this host, its pid must exist and, where /proc tells, still be the same process;
 * a lock holding our own pid is a dead run's (we have not written ours yet).
 */
function isAlive(holder: LockHolder): boolean {
  if (holder.host === os.hostname() && holder.pid === process.pid) return false;
  return isRunning(holder);
}
