// Every write, delete and read rerecord makes on a cassette while tests run (and when it recovers a
// dead run) goes through here, and checks confinement at the moment it acts, on the real path: a
// test may have swapped a cassette folder for a symlink to anywhere since the path was checked.
//
// The folder holding the file is opened (following symlinks, as the test's library would), its real
// path read back from the open descriptor and checked to lie inside the project and outside .git/
// and .rerecord/; the operation then goes through the descriptor (/proc/self/fd/<n>/<name>), so a
// folder swapped between the check and the act is never followed: the act lands in the folder that
// was checked. Without /proc (macOS) the folder's real path is checked and used instead.
import { createHash, randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import { copyFile, lstat, mkdir, open, readlink, realpath, rename, rm, symlink, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { STATE_DIR } from '../state/paths.js';

/** A path whose folder no longer resolves inside the project: left alone. */
export class EscapedPathError extends Error {
  readonly code = 'ESCAPED';
}

const PINNED = process.platform === 'linux' && existsSync('/proc/self/fd');

/** A folder held open while it is worked in: `at(name)` names an entry of exactly that folder. */
export interface PinnedFolder {
  /** Its real path when it was checked. */
  readonly real: string;
  at(name: string): string;
  close(): Promise<void>;
}

/**
 * Opens `folder` (inside `root`) and checks where it really is. Undefined when it does not exist
 * (or a file stands where a folder should); with `create`, missing folders are made, each inside a
 * checked parent. Throws EscapedPathError when it leads outside the project, or into .git/ or .rerecord/.
 */
export async function pinFolder(root: string, folder: string, options: { create?: boolean } = {}): Promise<PinnedFolder | undefined> {
  return pinIn(path.resolve(root), await realRootOf(root), path.resolve(folder), options.create ?? false);
}

/** The project's own real path, resolved once per process: what "inside" is measured against. */
const realRoots = new Map<string, Promise<string>>();
function realRootOf(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (!real) {
    real = realpath(root);
    realRoots.set(root, real);
    real.catch(() => realRoots.delete(root));
  }
  return real;
}

async function pinIn(root: string, realRoot: string, folder: string, create: boolean): Promise<PinnedFolder | undefined> {
  const lexical = path.relative(root, folder);
  if (lexical.startsWith('..') || path.isAbsolute(lexical)) throw new EscapedPathError(`${folder} is not inside the project ${root}; left alone`);
  let handle: FileHandle;
  try {
    handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    if (!create || code === 'ENOTDIR' || folder === root) {
      if (create) throw new Error(`${relativeName(root, folder)} is not a folder; cannot put a cassette in it`);
      return undefined;
    }
    const parent = await pinIn(root, realRoot, path.dirname(folder), true);
    try {
      await mkdir(parent!.at(path.basename(folder))).catch((made: NodeJS.ErrnoException) => {
        if (made.code !== 'EEXIST') throw made;
      });
      handle = await open(parent!.at(path.basename(folder)), constants.O_RDONLY | constants.O_DIRECTORY);
    } finally {
      await parent!.close();
    }
  }
  try {
    const real = PINNED ? await readlink(`/proc/self/fd/${handle.fd}`) : await realpath(folder);
    const why = outsideProject(realRoot, real);
    if (why) throw new EscapedPathError(`${relativeName(root, folder)}/ now leads ${why} (to ${real}); left alone`);
    return {
      real,
      at: (name) => (PINNED ? `/proc/self/fd/${handle.fd}/${name}` : path.join(real, name)),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function outsideProject(realRoot: string, real: string): string | undefined {
  if (real.endsWith(' (deleted)')) return 'nowhere: it was removed';
  const relative = path.relative(realRoot, real);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return 'outside the project';
  const first = relative.split(path.sep)[0];
  if (first === '.git') return "into git's own folder .git/";
  if (first === STATE_DIR) return `into rerecord's own folder ${STATE_DIR}/`;
  return undefined;
}

function relativeName(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/') || '.';
}

/** Runs `work` in the pinned folder of `file`; undefined (without calling it) when that folder does not exist. */
export async function inFolderOf<T>(root: string, file: string, work: (at: (name: string) => string, name: string) => Promise<T>, options: { create?: boolean } = {}): Promise<T | undefined> {
  const folder = await pinFolder(root, path.dirname(file), options);
  if (!folder) return undefined;
  try {
    return await work(folder.at, path.basename(file));
  } finally {
    await folder.close();
  }
}

/** lstat of `file` itself, its folder checked; undefined when it does not exist. */
export async function confinedLstat(root: string, file: string): Promise<Stats | undefined> {
  return inFolderOf(root, file, (at, name) => lstat(at(name)).catch(absentAs(undefined)));
}

/** sha256 of a file's bytes, read through its checked folder. */
export async function confinedSha256(root: string, file: string): Promise<string | undefined> {
  return inFolderOf(root, file, async (at, name) => {
    const info = await lstat(at(name)).catch(absentAs(undefined));
    return info?.isFile() ? sha256File(at(name)) : undefined;
  });
}

/** Removes `file` (a file or symlink; never a folder) if it exists. */
export async function confinedUnlink(root: string, file: string): Promise<void> {
  await inFolderOf(root, file, (at, name) => unlink(at(name)).catch(absentAs(undefined)));
}

/**
 * Moves `file` (whatever it is) into `into` under a short name that keeps as much of its own as fits;
 * undefined when there was nothing there.
 */
export async function confinedMoveInto(root: string, file: string, into: string): Promise<string | undefined> {
  return inFolderOf(root, file, async (at, name) => {
    const info = await lstat(at(name)).catch(absentAs(undefined));
    if (!info) return undefined;
    await mkdir(into, { recursive: true });
    const target = path.join(into, asideName(name));
    try {
      await rename(at(name), target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV' || !info.isFile()) throw error;
      // Another file system: copy, then remove the original.
      await copyFile(at(name), target);
      await unlink(at(name));
    }
    return target;
  });
}

/** Writes a symlink to `link` at `file`, atomically (a temporary sibling renamed over it); checks it. */
export async function confinedSymlink(root: string, file: string, link: string): Promise<void> {
  await inFolderOf(
    root,
    file,
    async (at, name) => {
      const temporary = temporaryName();
      await symlink(link, at(temporary));
      try {
        await rename(at(temporary), at(name));
      } catch (error) {
        await rm(at(temporary), { force: true });
        throw error;
      }
      if ((await readlink(at(name))) !== link) throw new Error(`restoring the symlink ${file} did not reproduce its target`);
    },
    { create: true },
  );
}

/**
 * Puts `copy`'s bytes at `file`: through a temporary sibling and a rename, so a crash mid-copy never
 * leaves half a cassette; then reads them back.
 */
export async function confinedPutBack(root: string, copy: string, file: string, expectedSha256: string | undefined): Promise<void> {
  await inFolderOf(
    root,
    file,
    async (at, name) => {
      const copyThenRename = async () => {
        const temporary = temporaryName();
        try {
          await copyFile(copy, at(temporary), constants.COPYFILE_FICLONE);
          await rename(at(temporary), at(name));
        } catch (error) {
          await rm(at(temporary), { force: true });
          throw error;
        }
      };
      try {
        await copyThenRename();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        // A full disk, most likely filled by the failed recording itself: drop it (its original
        // is safe in the vault) to make room, then copy again.
        await unlink(at(name)).catch(absentAs(undefined));
        await copyThenRename();
      }
      const expected = expectedSha256 ?? (await sha256File(copy));
      if ((await sha256File(at(name))) !== expected) throw new Error(`restoring ${file} did not reproduce its original bytes`);
    },
    { create: true },
  );
}

/**
 * `.rr-<8 hex>`: rerecord's temporary sibling of a cassette. Short whatever the cassette's name (a
 * 255-byte name plus a suffix would not fit in a folder entry), hidden, and skipped by the tree scan.
 */
export function temporaryName(): string {
  return `.rr-${randomBytes(4).toString('hex')}`;
}

export const TEMPORARY_NAME = /^\.rr-[0-9a-f]{8}$/;

/** `<6 hex>-<name>`, the name cut (at a character boundary) so that the whole fits in 255 bytes. */
export function asideName(name: string): string {
  const prefix = `${randomBytes(3).toString('hex')}-`;
  const kept = Array.from(name);
  while (Buffer.byteLength(prefix + kept.join('')) > 255) kept.pop();
  return prefix + kept.join('');
}

/** Hashed as a stream: a recording of any size is never one string. */
export async function sha256File(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const hash = createHash('sha256');
    // A cassette is read whole in one go (a stream costs more than the read); only a huge one streams.
    if ((await handle.stat()).size <= WHOLE_READ_BYTES) hash.update(await handle.readFile());
    else for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/** Files up to this size are hashed from one read. */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;

function absentAs<T>(value: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return value;
    throw error;
  };
}
