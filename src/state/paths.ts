// Where rerecord keeps its own state, and the one check every path from outside goes through:
// a cassette, a manifest entry, a journal line or a failure-log line is only ever read, backed
// up, deleted or written when it resolves inside the working directory and outside `.git/` and
// rerecord's own folder. Nothing else is trusted to stay in bounds.
import { realpathSync } from 'node:fs';
import path from 'node:path';

export const STATE_DIR = '.rerecord';
export const MANIFEST_PATH = `${STATE_DIR}/manifest.json`;
export const LOCK_PATH = `${STATE_DIR}/lock`;
/** Transactions in flight: one folder per run; a run that finishes leaves none behind. */
export const TRANSACTIONS_DIR = `${STATE_DIR}/txn`;
/** Where recovery moves what a dead run wrote but never kept, instead of deleting it. */
export const RECOVERED_DIR = `${STATE_DIR}/recovered`;
/**
 * rerecord's own folders (a trailing `/`) and files, each of which must be absent, a real folder or a
 * regular file, never a symlink: checked before any command touches anything (src/state/own-files.ts).
 */
export const OWN_PATHS = [`${STATE_DIR}/`, `${TRANSACTIONS_DIR}/`, `${RECOVERED_DIR}/`, `${STATE_DIR}/.gitignore`, LOCK_PATH, MANIFEST_PATH] as const;
/** What git must not pick up from `.rerecord/`: only the manifest is meant to be committed. */
export const STATE_GITIGNORE = '/txn/\n/lock\n/recovered/\n/failures.*\n';

export class OutOfBoundsError extends Error {}

/**
 * The absolute path of `candidate` (relative to the working directory, or absolute) if it may be
 * touched; throws OutOfBoundsError naming `what` otherwise. Symlinked parent folders are followed:
 * `fixtures -> /elsewhere` puts every cassette under it out of bounds.
 */
export function confinedPath(workingDirectory: string, candidate: string, what: string): string {
  return confinement(workingDirectory)(candidate, what);
}

/**
 * confinedPath for many paths checked at one moment (a plan's thousands of cassettes): each folder's
 * real path is resolved once. Only for a pass over paths while nothing moves folders; a run checks
 * each journal entry afresh, since a test may swap a folder for a symlink while it runs.
 */
export function confinement(workingDirectory: string): (candidate: string, what: string) => string {
  const root = path.resolve(workingDirectory);
  const realRoot = realpathOrSelf(root);
  const realFolders = new Map<string, string>();
  const realFolder = (directory: string) => {
    let real = realFolders.get(directory);
    if (real === undefined) realFolders.set(directory, (real = realpathOfNearestAncestor(directory)));
    return real;
  };
  return (candidate, what) => {
    const absolute = path.resolve(root, candidate.replaceAll('\\', '/'));
    const relative = path.relative(root, absolute);
    const refuse = (why: string) => new OutOfBoundsError(`${what} ${JSON.stringify(candidate)} ${why}; refused (rerecord only touches files inside ${root})`);
    if (relative === '') throw refuse('is the working directory itself');
    if (isOutside(relative)) throw refuse('resolves outside the working directory');
    const first = relative.split(path.sep)[0];
    if (first === '.git') throw refuse("is inside git's own folder .git/");
    if (first === STATE_DIR) throw refuse(`is inside rerecord's own folder ${STATE_DIR}/`);
    const realParent = realFolder(path.dirname(absolute));
    const realRelative = path.relative(realRoot, realParent);
    if (isOutside(realRelative)) throw refuse(`lies under a symlinked folder that leads outside the working directory (${realParent})`);
    if (realRelative.split(path.sep)[0] === '.git') throw refuse("lies under a symlinked folder that leads into .git/");
    return absolute;
  };
}

/**
 * Whether `candidate` names a place inside the working directory and outside .git/ and .rerecord/,
 * by its spelling alone: whether its folders still lead there is checked when it is acted on
 * (run/confined-files.ts), since a test may swap a folder for a symlink at any moment.
 */
export function isInsideLexically(workingDirectory: string, candidate: string): boolean {
  const root = path.resolve(workingDirectory);
  const relative = path.relative(root, path.resolve(root, candidate.replaceAll('\\', '/')));
  if (relative === '' || isOutside(relative)) return false;
  const first = relative.split(path.sep)[0];
  return first !== '.git' && first !== STATE_DIR;
}

/** Like confinedPath, but answers instead of throwing. */
export function isConfined(workingDirectory: string, candidate: string): boolean {
  try {
    confinedPath(workingDirectory, candidate, 'path');
    return true;
  } catch (error) {
    if (error instanceof OutOfBoundsError) return false;
    throw error;
  }
}

/** Forward-slash path relative to the working directory, as plans, logs and the manifest spell it. */
export function projectRelative(workingDirectory: string, absolute: string): string {
  return path.relative(path.resolve(workingDirectory), absolute).split(path.sep).join('/');
}

function isOutside(relative: string): boolean {
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

function realpathOfNearestAncestor(directory: string): string {
  let current = directory;
  const missing: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return directory;
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

function realpathOrSelf(directory: string): string {
  try {
    return realpathSync(directory);
  } catch {
    return directory;
  }
}
