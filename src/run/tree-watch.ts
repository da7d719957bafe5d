// Finds what a test wrote that nobody told us about: the state of the cassette folders (lstat
// signatures) when the run began, and after each file what differs from it. Two ways to find what
// differs, with the same answer:
// - watch (Linux, once started with `watch` and given a barrier folder): inotify on every folder
//   under the roots, set up before the first scan reads it; a file an event names is looked at
//   again, so a check costs what was touched, not what the folders hold. Before each check a file
//   is written into the barrier folder (the same inotify queue) and its event awaited: every event
//   from before the check has then arrived. A new folder is watched, then scanned whole.
// - walk: a scan of every file under the roots. The watch falls back to it for the rest of the run
//   when unsure: a watch that cannot start or fails, a watched folder removed or renamed (events
//   inside it would carry a stale name), a root moved, a barrier that does not come back, or a burst
//   of events large enough that the kernel's queue may have overflowed (it drops events silently).
// A file created or changed without the journal or the mapping naming it is still checked, and put
// back when its file fails.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, watch as watchFolder, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir, realpath, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NEVER_SEARCHED_FOLDERS } from '../frameworks/registry.js';
import { TEMPORARY_NAME } from './confined-files.js';

/** rerecord's own temporary siblings (and an older release's), and byte-compiled Python. */
const IGNORED_FILE = /\.rerecord-[0-9a-f]{8}$|\.pyc$|\.tmp$/;
const ignored = (name: string) => IGNORED_FILE.test(name) || TEMPORARY_NAME.test(name);

/** The walk stops here (a warning says so); the watch has no such limit. */
export const WATCH_LIMIT = { files: 50_000 } as const;
/** How long a check waits for its barrier's event before it walks instead. */
const BARRIER_TIMEOUT_MS = 10_000;
/** Events are counted over this long: half the kernel's queue in it, and the watch is no longer trusted. */
const BURST_WINDOW_MS = 10_000;

export type TreeState = Map<string, string>;

export interface TreeWatchOptions {
  /** Watch the folders (Linux only) instead of walking them after every file; used once barrierIn() is called. */
  watch?: boolean;
}

export class TreeWatch {
  private accepted: TreeState = new Map();
  /** Where each root really was when the watch began. */
  private readonly realRoots = new Map<string, string>();
  /** Set while the watch is trusted; undefined: walk. */
  private watching: Watching | undefined;
  /** Why the run walks rather than watches, once it does. */
  private walkingBecause: string | undefined;

  private constructor(readonly roots: readonly string[]) {}

  /**
   * Learn the starting state; with `watch`, the watch starts first, folder by folder as the scan
   * reaches it. `truncated` when the walk stopped at WATCH_LIMIT files.
   */
  static async start(roots: readonly string[], options: TreeWatchOptions = {}): Promise<{ watch: TreeWatch; truncated: boolean }> {
    const watch = new TreeWatch(topmost(roots));
    for (const root of watch.roots) watch.realRoots.set(root, await realpath(root).catch(() => root));
    if (options.watch && process.platform === 'linux') watch.watching = new Watching((why) => watch.walkFromNowOn(why));
    else watch.walkingBecause = options.watch ? `no folder watch on ${process.platform}` : 'not asked to watch';
    const watching = watch.watching;
    const { state, truncated } = await scanTree(watch.roots, watching ? { onFolder: (folder) => watching.add(folder), limit: Infinity } : {});
    watch.accepted = state;
    if (watch.watching && watch.walkingBecause === undefined) return { watch, truncated: false };
    // The watch failed while the scan ran: the walk's limit holds.
    return { watch, truncated: truncated || (watching !== undefined && state.size > WATCH_LIMIT.files) };
  }

  /**
   * From now on checks use the watch: `folder` (rerecord's own, outside the watched folders) holds
   * the barrier file. Without it the watch is not trusted, and every check walks.
   */
  async barrierIn(folder: string): Promise<void> {
    if (!this.watching) return;
    try {
      await this.watching.barrierIn(path.join(folder, 'watch-barrier'));
    } catch (error) {
      this.walkFromNowOn(`the barrier folder could not be watched (${(error as Error).message})`);
    }
  }

  /** How changes are found: `watch`, or `walk` and why. */
  get mode(): string {
    return this.watching?.ready && this.walkingBecause === undefined ? 'watch' : `walk (${this.walkingBecause ?? 'no barrier folder'})`;
  }

  close(): void {
    this.watching?.close();
  }

  files(): string[] {
    return [...this.accepted.keys()];
  }

  /**
   * Paths whose state differs from the last accepted one: created, changed or removed. A root a
   * test swapped for a symlink (it now leads elsewhere) is not looked into: what it held counts as
   * removed, and what it now shows is never taken for new files of the project.
   */
  async changes(): Promise<string[]> {
    const unmoved: string[] = [];
    for (const root of this.roots) if ((await realpath(root).catch(() => undefined)) === this.realRoots.get(root)) unmoved.push(root);
    if (unmoved.length < this.roots.length) this.walkFromNowOn('a watched folder was moved or replaced');
    const watching = this.watching;
    if (watching?.ready) {
      if (await watching.barrier()) {
        const watched = await this.watchedChanges(watching);
        if (watched) return watched;
      } else {
        this.walkFromNowOn('the barrier did not come back');
      }
    }
    // Never cut short: a file the scan did not reach would count as removed (and a failing file would delete it).
    const { state } = await scanTree(unmoved, { limit: Infinity });
    const changed = new Set<string>();
    for (const [file, signature] of state) if (this.accepted.get(file) !== signature) changed.add(file);
    for (const file of this.accepted.keys()) if (!state.has(file)) changed.add(file);
    return [...changed].sort();
  }

  /**
   * The given paths now stand as accepted (kept or restored). Only paths under the watched folders:
   * one outside them is never in a scan, so accepting it would report it as removed ever after (and
   * the next failing file would "restore" it to absent: a journaled file elsewhere deleted).
   */
  async accept(files: Iterable<string>): Promise<void> {
    for (const file of files) {
      if (!this.roots.some((root) => file.startsWith(`${root}${path.sep}`))) continue;
      const signature = await signatureOf(file);
      if (signature === undefined) this.accepted.delete(file);
      else this.accepted.set(file, signature);
    }
  }

  /** What the events named since they were last found as accepted; undefined when the watch is no longer trusted. */
  private async watchedChanges(watching: Watching): Promise<string[] | undefined> {
    const changed = new Set<string>();
    // Each path with the number of its last event: dropped only if no event came while it was looked at.
    const forget = (file: string, seen: number) => {
      if (watching.dirty.get(file) === seen) watching.dirty.delete(file);
    };
    for (const [file, seen] of [...watching.dirty]) {
      if (this.walkingBecause !== undefined) return undefined;
      const root = this.roots.find((candidate) => file.startsWith(`${candidate}${path.sep}`));
      const inside = root === undefined ? [] : path.relative(root, file).split(path.sep);
      if (!root || inside.slice(0, -1).some((part) => NEVER_SEARCHED_FOLDERS.has(part))) {
        forget(file, seen);
        continue;
      }
      const info = await lstat(file, { bigint: true }).catch(() => undefined);
      const watchedAs = watching.folders.get(file);
      if (watchedAs !== undefined && (!info?.isDirectory() || info.ino !== watchedAs)) {
        this.walkFromNowOn(`a watched folder was removed, renamed or replaced (${file})`);
        return undefined;
      }
      if (info?.isDirectory()) {
        // A new folder: watched first, then scanned whole (what was written before its watch began).
        if (!NEVER_SEARCHED_FOLDERS.has(path.basename(file))) {
          const { state } = await scanTree([file], { onFolder: (folder) => watching.add(folder), limit: Infinity });
          for (const [inner, signature] of state) if (this.accepted.get(inner) !== signature) changed.add(inner);
          // Files it held before (it was removed and made again) are gone unless the scan found them.
          for (const known of this.accepted.keys()) if (known.startsWith(`${file}${path.sep}`) && !state.has(known)) changed.add(known);
        }
        forget(file, seen);
        continue;
      }
      if (ignored(path.basename(file))) {
        forget(file, seen);
        continue;
      }
      const signature = await signatureOf(file);
      // Seen as accepted: any later change brings a new event.
      if (signature === this.accepted.get(file)) forget(file, seen);
      else changed.add(file);
    }
    if (this.walkingBecause !== undefined) return undefined;
    for (const file of changed) if (!watching.dirty.has(file)) watching.dirty.set(file, 0);
    return [...changed].sort();
  }

  private walkFromNowOn(why: string): void {
    this.walkingBecause ??= why;
    this.watching?.close();
  }
}

/** inotify on folders (one queue for the process), and the barrier that proves every earlier event arrived. */
class Watching {
  /** Paths events named since they were last found as accepted, with the number of the last event. */
  readonly dirty = new Map<string, number>();
  /** Watched folders and their inode: one made anew under the same name is not watched. */
  readonly folders = new Map<string, bigint>();
  private events = 0;
  private readonly watchers: FSWatcher[] = [];
  private barrierFolder: string | undefined;
  private readonly waiting = new Map<string, () => void>();
  private closed = false;
  private readonly burstLimit: number;
  private burst = { since: 0, events: 0 };

  constructor(private readonly fail: (why: string) => void) {
    this.burstLimit = Math.floor(kernelQueueLength() / 2);
  }

  get ready(): boolean {
    return !this.closed && this.barrierFolder !== undefined;
  }

  /** Watch one folder (not what is under it). */
  add(folder: string): void {
    if (this.closed || this.folders.has(folder)) return;
    try {
      const before = lstatSync(folder, { bigint: true });
      const watcher = watchFolder(folder, { persistent: false }, (_event, name) => this.heard(folder, name));
      watcher.on('error', (error: Error) => this.fail(`the folder watch failed (${error.message})`));
      this.watchers.push(watcher);
      // Replaced while the watch began: the watch may be on the old folder.
      if (!before.isDirectory() || lstatSync(folder, { bigint: true }).ino !== before.ino) return this.fail(`${folder} was replaced while its watch began`);
      this.folders.set(folder, before.ino);
    } catch (error) {
      this.fail(`${folder} could not be watched (${(error as Error).message})`);
    }
  }

  async barrierIn(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true });
    const watcher = watchFolder(folder, { persistent: false }, (_event, name) => {
      if (name) this.waiting.get(name.toString())?.();
    });
    watcher.on('error', (error: Error) => this.fail(`the barrier watch failed (${error.message})`));
    this.watchers.push(watcher);
    this.barrierFolder = folder;
  }

  /** Writes a file into the barrier folder and waits for its event: true once every earlier event has arrived. */
  async barrier(): Promise<boolean> {
    const folder = this.barrierFolder;
    if (!folder || this.closed) return false;
    const name = `b-${randomBytes(6).toString('hex')}`;
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<boolean>((resolve) => {
      this.waiting.set(name, () => resolve(true));
      timer = setTimeout(() => resolve(false), BARRIER_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await writeFile(path.join(folder, name), '');
      return (await heard) && !this.closed;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(name);
      await unlink(path.join(folder, name)).catch(() => undefined);
    }
  }

  close(): void {
    this.closed = true;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    for (const resolve of this.waiting.values()) resolve();
  }

  private heard(folder: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (name === null || name === undefined || name.length === 0) return this.fail(`an event in ${folder} named no file`);
    // The folder itself removed or moved comes named as the folder (inotify gives no name): unless
    // a file of that name is in it, the watch may now be on a folder that is gone.
    if (name.toString() === path.basename(folder) && !existsSync(path.join(folder, name.toString()))) return this.fail(`${folder} was removed or moved`);
    const now = performance.now();
    if (now - this.burst.since > BURST_WINDOW_MS) this.burst = { since: now, events: 0 };
    // The kernel drops events once its queue is full, and says so only in a way Node does not pass on.
    if (++this.burst.events >= this.burstLimit) return this.fail(`over ${this.burstLimit} events in ${BURST_WINDOW_MS / 1000} s: the kernel's queue may have overflowed`);
    this.dirty.set(path.join(folder, name.toString()), ++this.events);
  }
}

/** /proc/sys/fs/inotify/max_queued_events, else the usual default. */
function kernelQueueLength(): number {
  try {
    const value = Number(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8').trim());
    return Number.isFinite(value) && value > 0 ? value : 16_384;
  } catch {
    return 16_384;
  }
}

/**
 * Every file under `roots` (not in folders that are never cassettes, not rerecord's temporary
 * names), with its signature. `onFolder` is called for each folder before it is read; `limit` (default
 * WATCH_LIMIT.files) stops the scan, `truncated`.
 */
export async function scanTree(roots: readonly string[], options: { onFolder?: (folder: string) => void; limit?: number } = {}): Promise<{ state: TreeState; truncated: boolean }> {
  const state: TreeState = new Map();
  const limit = options.limit ?? WATCH_LIMIT.files;
  let truncated = false;
  const visit = async (directory: string): Promise<void> => {
    options.onFolder?.(directory);
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (state.size >= limit) {
        truncated = true;
        return;
      }
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!NEVER_SEARCHED_FOLDERS.has(entry.name)) await visit(full);
      } else if (!ignored(entry.name)) {
        const signature = await signatureOf(full);
        if (signature !== undefined) state.set(full, signature);
      }
    }
  };
  for (const root of roots) await visit(root);
  return { state, truncated };
}

/** Kind, size, inode and change time: any write, rename over, or chmod changes it. */
async function signatureOf(file: string): Promise<string | undefined> {
  try {
    const info = await lstat(file, { bigint: true });
    if (info.isDirectory()) return undefined;
    const kind = info.isSymbolicLink() ? 'l' : info.isFile() ? 'f' : 'o';
    return `${kind}:${info.size}:${info.ino}:${info.ctimeNs}:${info.mtimeNs}`;
  } catch {
    return undefined;
  }
}

/** Drop folders inside other folders of the list, so nothing is scanned twice. */
function topmost(roots: readonly string[]): string[] {
  const sorted = [...new Set(roots.map((root) => path.resolve(root)))].sort();
  return sorted.filter((root, index) => !sorted.slice(0, index).some((other) => root.startsWith(`${other}${path.sep}`)));
}
