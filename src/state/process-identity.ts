// Whether the process that wrote a record (the lock, a run folder) still runs: its pid alone is not
// enough (pids are reused, in containers almost at once), so records carry the process's start
// stamp where /proc tells it, and a live pid with another stamp is another process.
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface ProcessIdentity {
  pid: number;
  host: string;
  /** `<boot id>:<start time in clock ticks>`, where /proc tells it. */
  processStart?: string | undefined;
}

/** This process, as records name it. */
export function thisProcess(): ProcessIdentity {
  return { pid: process.pid, host: os.hostname(), processStart: processStartOf(process.pid) };
}

/**
 * On this host: its pid exists and, where /proc tells, is still the same process. A process on
 * another host cannot be checked: `otherHost` answers for it.
 */
export function isRunning(owner: ProcessIdentity, otherHost: () => boolean = () => true): boolean {
  if (owner.host !== os.hostname()) return otherHost();
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A process that exited but was never collected (its parent gone, and no init reaping) is no longer running.
  if (isZombie(owner.pid)) return false;
  const now = processStartOf(owner.pid);
  // Unknown on either side (no /proc, an old record): the live pid is all there is to go by.
  return owner.processStart === undefined || now === undefined || now === owner.processStart;
}

/** `<boot id>:<start time in clock ticks>` from /proc, which no other process shares; undefined without /proc. */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const start = fields[19];
    return start === undefined ? undefined : `${bootId}:${start}`;
  } catch {
    return undefined;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}
