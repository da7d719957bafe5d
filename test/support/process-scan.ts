// Which processes are still alive and carry a marker in their environment: the tests' own look
// at /proc, independent of the reaper's, to check that nothing rerecord started survived it.
import { readdirSync, readFileSync } from 'node:fs';

export interface LiveProcess {
  pid: number;
  command: string;
}

/** Live (not zombie) processes whose environment holds `entry` (`NAME=value`; with `prefix`, an entry starting so). */
export function processesCarrying(entry: string, { prefix = false } = {}): LiveProcess[] {
  const live: LiveProcess[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!)) continue;
      const entries = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      if (entries.some((held) => (prefix ? held.startsWith(entry) : held === entry))) live.push({ pid: Number(name), command: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return live;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!);
  } catch {
    return false;
  }
}

/** Reapers (src/run/reaper-process.cjs) watching the run whose markers start `runMarker`. */
export function reapersOf(runMarker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (args.some((arg) => arg.endsWith('reaper-process.cjs')) && args.includes(runMarker) && isAlive(Number(name))) pids.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

/** The environment a process started with, as `NAME=value` entries (empty if unreadable). */
export function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}
