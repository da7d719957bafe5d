// The process table rerecord reads to find a test's whole tree, and the reaper that kills what is
// left when rerecord itself dies.
//
// Plain CommonJS on purpose: the same file runs as its own tiny Node process (the reaper) and is
// loaded by rerecord for the table functions, beside the module that uses it (src/run in the
// source tree, dist/ in the bundle; scripts/bundle.mjs copies it there).
//
// How a tree is found (Linux, /proc): every test process rerecord starts carries a marker in its
// environment (RERECORD_PROCESS_TAG=<run>/<child>). Children inherit the environment, and daemons
// that setsid or double-fork keep it, so a scan of /proc/<pid>/environ finds them after their
// ppid chain is gone. The leader's process group and session catch members that replaced their
// environment, and the children of anything found are taken too. A process that both cleared its
// environment and left the session after its parent exited cannot be told apart from a stranger:
// that is the documented limit. Other systems (macOS, Windows) have no /proc: the scan finds
// nothing and only the process group is signalled.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS by design (see above)
const fs = require('node:fs');

// One buffer for every small read: a scan opens a few hundred /proc files after each test, and
// readFileSync's stat and allocation per file were most of its cost.
let scratch = Buffer.alloc(64 * 1024);

/** The bytes of a /proc file (they report size 0, so read until the end), or undefined if unreadable. */
function readProcFile(file) {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    let length = 0;
    for (;;) {
      if (length === scratch.length) {
        const bigger = Buffer.alloc(scratch.length * 2);
        scratch.copy(bigger);
        scratch = bigger;
      }
      const read = fs.readSync(fd, scratch, length, scratch.length - length, null);
      if (read === 0) return scratch.subarray(0, length);
      length += read;
    }
  } catch {
    return undefined; // exited while we looked, or not ours to read
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Parses /proc/<pid>/stat; undefined for a process that is gone or a zombie. */
function readStat(pid) {
  const bytes = readProcFile(`/proc/${pid}/stat`);
  if (!bytes) return undefined;
  const stat = bytes.toString('latin1');
  // The name sits in parentheses and may itself hold spaces or ')': the fields follow the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // A zombie cannot run or write; it only waits for its parent (often init) to collect it.
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return {
    pid,
    ppid: Number(fields[1]),
    group: Number(fields[2]),
    session: Number(fields[3]),
    command: stat.slice(stat.indexOf('(') + 1, close),
    // Clock ticks after boot at which it was forked (field 22).
    started: Number(fields[19]),
  };
}

/** Is the process still running (not gone, not a zombie)? A killed process runs on briefly while it exits. */
function isRunning(pid) {
  return readStat(pid) !== undefined;
}

/** When `pid` was forked, in clock ticks after boot (0 if it cannot be read). */
function startTicks(pid) {
  return readStat(pid)?.started ?? 0;
}

/**
 * Every live process this user may see, forked at or after `since` (clock ticks after boot): a
 * descendant of a test is never older than the test's leader, so older processes are skipped
 * before their environment is read.
 */
function listProcesses(since = 0) {
  let names;
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const found = [];
  for (const name of names) {
    if (name.charCodeAt(0) < 48 || name.charCodeAt(0) > 57) continue;
    const entry = readStat(Number(name));
    if (entry && entry.started >= since) found.push(entry);
  }
  return found;
}

/** Does the process's environment hold `entry` (a whole `NAME=value`, or its start when `prefix`)? */
function carries(pid, entry, prefix) {
  const environ = readProcFile(`/proc/${pid}/environ`);
  if (!environ) return false; // another user's process, or gone
  const needle = Buffer.from(prefix ? entry : `${entry}\0`);
  for (let at = environ.indexOf(needle); at !== -1; at = environ.indexOf(needle, at + 1)) {
    // Entries are NUL-separated: a match must start one, not end a longer name.
    if (at === 0 || environ[at - 1] === 0) return true;
  }
  return false;
}

/**
 * The processes that belong to a tree: those whose environment carries `marker` (exactly, or as a
 * prefix when `prefix`), those in one of `groups` (as process group or session), the `roots`
 * themselves, those carrying `inherited` (a warm worker's tag, which a child forked from the worker
 * keeps in its environment without exec'ing), and every descendant of those; only processes forked
 * at or after `since` (the tree's oldest member). Never this process, its ancestors or `spared`.
 */
function findTree({ marker, prefix = false, groups = [], since = 0, roots = [], inherited, spared: alsoSpared = [] }) {
  const processes = listProcesses(since);
  const spared = new Set([process.pid, process.ppid, ...alsoSpared]);
  const members = new Set();
  for (const entry of processes) {
    if (spared.has(entry.pid)) continue;
    if (roots.includes(entry.pid) || groups.includes(entry.group) || groups.includes(entry.session) || carries(entry.pid, marker, prefix) || (inherited !== undefined && carries(entry.pid, inherited, false))) {
      members.add(entry.pid);
    }
  }
  let grew = members.size > 0;
  while (grew) {
    grew = false;
    for (const entry of processes) {
      if (!members.has(entry.pid) && !spared.has(entry.pid) && members.has(entry.ppid)) {
        members.add(entry.pid);
        grew = true;
      }
    }
  }
  return processes.filter((entry) => members.has(entry.pid));
}

/** What the process's file descriptors `fds` point at (`socket:[123]`, `pipe:[456]`, paths); unreadable ones left out. */
function descriptorTargets(pid, fds) {
  const targets = [];
  for (const fd of fds) {
    try {
      targets.push(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed, or the process is gone
    }
  }
  return targets;
}

/**
 * Processes forked at or after `since` that hold one of `targets` open (the test's output ends):
 * the last resort for a process that cleared its environment, left the session and lost its
 * parent, but still holds the output. Reads every candidate's descriptors, so only used when the
 * output stays open after the tree is dead.
 */
function findHolders(targets, since = 0) {
  const wanted = new Set(targets);
  return listProcesses(since).filter(({ pid }) => {
    if (pid === process.pid) return false;
    let fds;
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      return false;
    }
    return descriptorTargets(pid, fds).some((target) => wanted.has(target));
  });
}

/** Sends `signal` to every process in the list; returns the ones that were still there. */
function signalAll(processes, signal) {
  return processes.filter(({ pid }) => {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  });
}

module.exports = { listProcesses, isRunning, startTicks, findTree, descriptorTargets, findHolders, signalAll };

// ---- the reaper ---------------------------------------------------------------------------------
// `node reaper-process.cjs RERECORD_PROCESS_TAG=<run>/`: rerecord starts one per process, in its
// own session (a closed terminal or Ctrl-C does not reach it) with a pipe on its stdin. When the pipe closes, rerecord is gone, however it died (SIGKILL
// included): kill everything carrying the run's marker, and their children, until none is left.
//
// rerecord writes one line per run folder (`{"runFolder": "..."}`) on that pipe. Once every process
// of the run is gone, the reaper writes `ended.json` into each such folder that still exists (a run
// that finished removed its own): from that moment nothing of the run writes any more, so recovery
// knows that a cassette changed later was changed by someone else, and leaves it alone.
function reap(marker, since, runFolders, parentGone) {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 10_000;
  // Two empty scans in a row: a process forking while we killed its parent is caught by the next.
  let quiet = 0;
  while (quiet < 2 && Date.now() < deadline) {
    const found = signalAll(findTree({ marker, prefix: true, since }), 'SIGKILL');
    quiet = found.length === 0 ? quiet + 1 : 0;
    Atomics.wait(sleeper, 0, 0, 20);
  }
  // Only when rerecord is gone and so is every process found: otherwise the run's end is not known.
  if (parentGone() && quiet >= 2) {
    const text = `${JSON.stringify({ endedAt: new Date().toISOString(), by: 'reaper' })}\n`;
    for (const folder of runFolders) {
      try {
        fs.writeFileSync(`${folder}/ended.json`, text, { flag: 'wx' });
      } catch {
        // The run finished and removed its folder, or a stamp is already there.
      }
    }
  }
  process.exit(0);
}

if (require.main === module) {
  const marker = process.argv[2];
  if (!marker) {
    process.stderr.write('usage: reaper-process.cjs NAME=run-prefix\n');
    process.exit(2);
  }
  const parent = process.ppid;
  // Every test of the run is forked after the reaper: nothing older is looked at.
  const since = startTicks(process.pid);
  const runFolders = [];
  let pipeClosed = false;
  let pending = '';
  let reaping = false;
  const onParentGone = () => {
    if (reaping) return;
    reaping = true;
    reap(marker, since, runFolders, () => pipeClosed || process.ppid !== parent);
  };
  const onPipeClosed = () => {
    pipeClosed = true;
    onParentGone();
  };
  // A hangup or interrupt is meant for rerecord, which handles it; the reaper only watches.
  for (const signal of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(signal, () => {});
  // Asked to stop: leave nothing of the run behind.
  process.on('SIGTERM', onParentGone);
  process.stdin.on('data', (chunk) => {
    pending += chunk.toString('utf8');
    for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
      try {
        const { runFolder } = JSON.parse(pending.slice(0, newline));
        if (typeof runFolder === 'string') runFolders.push(runFolder);
      } catch {
        // Not a line rerecord wrote: ignore it.
      }
      pending = pending.slice(newline + 1);
    }
  });
  process.stdin.on('end', onPipeClosed);
  process.stdin.on('close', onPipeClosed);
  process.stdin.on('error', onPipeClosed);
  // Belt and braces: a pipe end leaked into another process would keep the pipe open.
  setInterval(() => {
    if (process.ppid !== parent) onParentGone();
  }, 1000);
}
