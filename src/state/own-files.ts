// The files rerecord owns (everything in .rerecord/, and the failure log wherever `failure-log`
// puts it) are written whole or not at all, never through a symlink, and read without following
// one. A write goes to a new temporary file in the target's own folder (O_CREAT|O_EXCL: never an
// existing file or link), is fsynced, and is renamed over the target after an lstat check; rename
// replaces a symlink itself, never the file it points to. The folders on the way are reached from
// the working directory one at a time without following a symlink; on Linux each is held open and
// addressed as /proc/self/fd/<n>, so a folder swapped for a symlink meanwhile is never entered
// (elsewhere each is checked with lstat just before use).
import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import { lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const PROC_FD = process.platform === 'linux' && existsSync('/proc/self/fd');

/** One of rerecord's own paths is not what rerecord put there (a symlink, a folder, a FIFO). */
export class OwnFileError extends Error {}

/** `a symlink`, `a folder`, ... for messages. */
export function kindOf(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symlink';
  if (info.isDirectory()) return 'a folder';
  if (info.isFile()) return 'a file';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}

const notAFolder = (shown: string, kind: string) =>
  new OwnFileError(`${shown}: expected a real folder, found ${kind}; rerecord keeps its own files only in real folders inside the working directory and never follows a symlink there`);
const notAFile = (shown: string, kind: string) =>
  new OwnFileError(`${shown}: expected a regular file that rerecord writes, found ${kind}; rerecord never reads or writes its own files through a symlink: remove it, and rerecord writes a new one`);

/** A folder reached without following a symlink; `at(name)` is a path to an entry in it. */
interface Folder {
  at(name: string): string;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The folder `relative` (forward slashes) under `root`, every component a real folder. Missing ones
 * are created when `create`, else the answer is undefined. `root` itself may be reached through
 * symlinks (a project under a linked home folder): it is the user's, not rerecord's.
 */
async function openFolder(root: string, relative: string, create: boolean, shown: (names: string[]) => string): Promise<Folder | undefined> {
  const names = relative.split('/').filter((name) => name !== '' && name !== '.');
  if (names.includes('..')) throw new OwnFileError(`${shown(names)}: expected a path inside the working directory`);
  return PROC_FD ? openFolderByDescriptor(root, names, create, shown) : openFolderByPath(root, names, create, shown);
}

async function openFolderByDescriptor(root: string, names: string[], create: boolean, shown: (names: string[]) => string): Promise<Folder | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(root, O_RDONLY | O_DIRECTORY);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !create) return undefined;
    throw error;
  }
  try {
    for (const [index, name] of names.entries()) {
      const next = `/proc/self/fd/${handle.fd}/${name}`;
      const opened = await openDirectoryNoFollow(next, create, shown(names.slice(0, index + 1)));
      if (!opened) {
        await handle.close();
        return undefined;
      }
      await handle.close();
      handle = opened;
    }
  } catch (error) {
    await handle.close();
    throw error;
  }
  const folder = handle;
  return { at: (name) => `/proc/self/fd/${folder.fd}/${name}`, sync: () => folder.sync().catch(() => undefined), close: () => folder.close() };
}

async function openDirectoryNoFollow(at: string, create: boolean, shown: string): Promise<FileHandle | undefined> {
  for (let tries = 0; ; tries++) {
    try {
      return await open(at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && create && tries === 0) {
        await mkdir(at).catch((mkdirError: NodeJS.ErrnoException) => {
          if (mkdirError.code !== 'EEXIST') throw mkdirError;
        });
        continue;
      }
      if (code === 'ENOENT') return undefined;
      if (code === 'ENOTDIR' || code === 'ELOOP') {
        const info = await lstat(at).catch(() => undefined);
        throw notAFolder(shown, info ? kindOf(info) : 'something else');
      }
      throw error;
    }
  }
}

/** Without /proc: each component checked with lstat right before use. */
async function openFolderByPath(root: string, names: string[], create: boolean, shown: (names: string[]) => string): Promise<Folder | undefined> {
  let current = root;
  for (const [index, name] of names.entries()) {
    current = path.join(current, name);
    let info = await lstat(current).catch(() => undefined);
    if (!info && create) {
      await mkdir(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
      info = await lstat(current);
    }
    if (!info) return undefined;
    if (!info.isDirectory() || info.isSymbolicLink()) throw notAFolder(shown(names.slice(0, index + 1)), kindOf(info));
  }
  const folder = current;
  return { at: (name) => path.join(folder, name), sync: () => syncDirectory(folder), close: async () => undefined };
}

const relativeShown = (names: string[]) => names.join('/');

/**
 * Write one of rerecord's own files: `relative` (forward slashes) under the working directory
 * `root`, its folders created as real folders. Whole or not at all (a full disk leaves the old file
 * as it was); an OwnFileError, touching nothing, when a folder on the way or the file is a symlink
 * or anything but a regular file.
 */
export async function writeOwnFile(root: string, relative: string, data: string | Uint8Array): Promise<void> {
  await writeInFolder(root, relative, data, relativeShown);
}

async function writeInFolder(root: string, relative: string, data: string | Uint8Array, shown: (names: string[]) => string): Promise<void> {
  const folder = (await openFolder(root, path.posix.dirname(relative), true, shown))!;
  try {
    const name = path.posix.basename(relative);
    const target = folder.at(name);
    // Short: a long target name plus a suffix could pass the file system's limit on a name.
    const temporary = folder.at(`.rr-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeSynced(temporary, data, 'wx');
      const current = await lstat(target).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (current && !current.isFile()) throw notAFile(shown(relative.split('/')), kindOf(current));
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/**
 * Read one of rerecord's own files without following a symlink (nor blocking on a FIFO); undefined
 * when it, or a folder on the way, does not exist. An OwnFileError when it is not a regular file.
 */
export async function readOwnFile(root: string, relative: string): Promise<Buffer | undefined> {
  return readInFolder(root, relative, relativeShown);
}

async function readInFolder(root: string, relative: string, shown: (names: string[]) => string): Promise<Buffer | undefined> {
  const folder = await openFolder(root, path.posix.dirname(relative), false, shown);
  if (!folder) return undefined;
  try {
    let handle: FileHandle;
    try {
      handle = await open(folder.at(path.posix.basename(relative)), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP' || code === 'EMLINK') throw notAFile(shown(relative.split('/')), 'a symlink');
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw notAFile(shown(relative.split('/')), kindOf(info));
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  } finally {
    await folder.close();
  }
}

/** Remove one of rerecord's own files (never through a symlinked folder); no error when it is gone. */
export async function removeOwnFile(root: string, relative: string): Promise<void> {
  const folder = await openFolder(root, path.posix.dirname(relative), false, relativeShown);
  if (!folder) return;
  try {
    await rm(folder.at(path.posix.basename(relative)), { force: true });
  } finally {
    await folder.close();
  }
}

/**
 * Why rerecord may not use these paths of its own (relative, forward slashes; a trailing `/` marks a
 * folder), or none: each folder on the way and the path itself must be absent, a real folder, or a
 * regular file. Checked before a command touches anything, so that it can stop with exit 2.
 */
export async function ownPathProblems(root: string, paths: readonly string[]): Promise<string[]> {
  const problems = new Set<string>();
  for (const entry of paths) {
    const names = entry.split('/').filter((name) => name !== '' && name !== '.');
    for (const [index, name] of names.entries()) {
      const shown = names.slice(0, index + 1).join('/');
      const info = await lstat(path.join(root, ...names.slice(0, index), name)).catch(() => undefined);
      if (!info) break;
      const last = index === names.length - 1;
      const wantsFile = last && !entry.endsWith('/');
      if (wantsFile ? !info.isFile() : !info.isDirectory() || info.isSymbolicLink()) {
        problems.add((wantsFile ? notAFile : notAFolder)(shown, kindOf(info)).message);
        break;
      }
    }
  }
  return [...problems];
}

/**
 * Write a file's bytes and fsync them before closing. `wx` creates a new file only (O_EXCL: never
 * an existing file or symlink); `w` truncates an existing regular file, never through a symlink.
 */
export async function writeSynced(file: string, data: string | Uint8Array, flag: 'w' | 'wx' = 'w'): Promise<void> {
  const handle = await open(file, flag === 'wx' ? O_WRONLY | O_CREAT | O_EXCL : O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o666);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A small record of a transaction (an absolute path in a folder rerecord made), written like every
 * own file: aside, fsynced, renamed into place, never through a symlink, then its folder fsynced,
 * so it is on disk before anything it describes happens.
 */
export async function writeDurably(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeInFolder(path.dirname(file), path.basename(file), text, () => file);
}

/** A transaction record, read like every own file (undefined when absent). */
export async function readDurable(file: string): Promise<Buffer | undefined> {
  return readInFolder(path.dirname(file), path.basename(file), () => file);
}

/** One line appended and fsynced; never through a symlink. */
export async function appendDurably(file: string, line: string): Promise<void> {
  const handle = await open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o666);
  try {
    await handle.appendFile(`${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a folder; the rename is still atomic.
  }
}
