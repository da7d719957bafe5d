// Finds what a test wrote that nobody told us about: a scan of the cassette folders (not a guess)
// before the run and after each file, compared by lstat signature. A file created or changed
// without the journal or the mapping naming it is still checked, and put back when its file fails.
import { lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { NEVER_SEARCHED_FOLDERS } from '../frameworks/registry.js';
import { TEMPORARY_NAME } from './confined-files.js';

/** rerecord's own temporary siblings (and an older release's), and byte-compiled Python. */
const IGNORED_FILE = /\.rerecord-[0-9a-f]{8}$|\.pyc$|\.tmp$/;
const ignored = (name: string) => IGNORED_FILE.test(name) || TEMPORARY_NAME.test(name);

export const WATCH_LIMIT = { files: 50_000 } as const;

export type TreeState = Map<string, string>;

export class TreeWatch {
  private accepted: TreeState = new Map();
  /** Where each root really was when the watch began. */
  private readonly realRoots = new Map<string, string>();

  private constructor(readonly roots: readonly string[]) {}

  /** Scan once to learn the starting state; `truncated` when a folder holds more than WATCH_LIMIT files. */
  static async start(roots: readonly string[]): Promise<{ watch: TreeWatch; truncated: boolean }> {
    const watch = new TreeWatch(topmost(roots));
    for (const root of watch.roots) watch.realRoots.set(root, await realpath(root).catch(() => root));
    const { state, truncated } = await scanTree(watch.roots);
    watch.accepted = state;
    return { watch, truncated };
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
    const { state } = await scanTree(unmoved);
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
}

export async function scanTree(roots: readonly string[]): Promise<{ state: TreeState; truncated: boolean }> {
  const state: TreeState = new Map();
  let truncated = false;
  const visit = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (state.size >= WATCH_LIMIT.files) {
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
