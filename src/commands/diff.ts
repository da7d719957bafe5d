// `rerecord diff OLD NEW [-- PATH...]`: the semantic diff of two cassettes, two cassette folders, or
// the cassettes of two git revisions (`rerecord diff HEAD~3 HEAD -- tests/cassettes`). Bytes are
// compared as bytes; what cannot be compared (unreadable, too large) is a change, never noise.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { diffCassettes, uncomparableDiff, type CassetteDiff, type DiffOptions } from '../cassettes/diff.js';
import { parseCassette } from '../cassettes/formats/index.js';
import type { Cassette } from '../cassettes/model.js';
import { GitBlobReader } from '../git/blob-reader.js';
import { git, gitText, type GitRepo } from '../git/run-git.js';
import { listCassetteFiles } from '../discover/recording-dates.js';
import { MAX_COMPARABLE_BYTES } from '../run/inspect.js';


export interface FolderDiff {
  diffs: CassetteDiff[];
  /** Cassettes with byte-identical files: not listed. */
  identical: number;
}

export interface DiffTargets {
  old: string;
  new: string;
  /** Paths after `--`: the two targets are then git revisions, and only these paths are compared. */
  pathspecs?: readonly string[];
  /**
   * Without pathspecs: which files of the revisions are cassettes (the detected framework's), by
   * path relative to the current folder. Absent: every cassette-like file (.yml, .json, .har).
   */
  cassettes?: { pathspecs: readonly string[]; isCassette?: (relativePath: string) => boolean };
}

/** rerecord's own files are never cassettes, whatever their extension. */
const OWN_FILE = /(?:^|\/)(?:\.rerecord\.yml|\.rerecord\/.*)$/;

const CASSETTE_NAME = /\.(ya?ml|json|har)$/i;

/**
 * Files or folders when both exist on disk (and no `--` was given); git revisions otherwise.
 * Throws DiffUsageError (exit 2) naming a target that is neither.
 */
export async function diffTargets(targets: DiffTargets, options: DiffOptions, repo: GitRepo): Promise<FolderDiff> {
  const cwd = repo.cwd;
  if (targets.pathspecs === undefined) {
    const [oldExists, newExists] = await Promise.all([exists(path.resolve(cwd, targets.old)), exists(path.resolve(cwd, targets.new))]);
    if (oldExists && newExists) return diffPaths(path.resolve(cwd, targets.old), path.resolve(cwd, targets.new), options, cwd);
    if (oldExists !== newExists) {
      throw new DiffUsageError(`diff: ${oldExists ? targets.new : targets.old} does not exist (OLD and NEW must both be paths, or both git revisions)`);
    }
  }
  const scope = targets.pathspecs ? { pathspecs: targets.pathspecs } : (targets.cassettes ?? { pathspecs: [] });
  return diffRevisions(targets.old, targets.new, scope, options, repo);
}

export async function diffPaths(oldPath: string, newPath: string, options: DiffOptions, cwd = process.cwd()): Promise<FolderDiff> {
  const [oldIsDir, newIsDir] = await Promise.all([isDirectory(oldPath), isDirectory(newPath)]);
  if (oldIsDir !== newIsDir) throw new DiffUsageError(`diff: ${oldPath} and ${newPath} must both be files or both be folders`);
  const scope = (file: string) => path.relative(cwd, file).split(path.sep).join('/');
  if (!oldIsDir) {
    const diff = await diffContents(path.basename(newPath), scope(newPath), await readLocal(oldPath), await readLocal(newPath), options);
    return diff ? { diffs: [diff], identical: 0 } : { diffs: [], identical: 1 };
  }
  const [oldNames, newNames] = await Promise.all([listCassetteFiles(oldPath, '.'), listCassetteFiles(newPath, '.')]);
  const names = [...new Set([...oldNames, ...newNames])].sort();
  const oldSet = new Set(oldNames);
  const newSet = new Set(newNames);
  const result: FolderDiff = { diffs: [], identical: 0 };
  for (const name of names) {
    const before = oldSet.has(name) ? await readLocal(path.join(oldPath, name)) : undefined;
    const after = newSet.has(name) ? await readLocal(path.join(newPath, name)) : undefined;
    const diff = await diffContents(name, scope(path.join(newPath, name)), before, after, options);
    if (diff) result.diffs.push(diff);
    else result.identical++;
  }
  return result;
}

/** A file's content, or that it is over the size we compare. */
type Content = Buffer | { tooLarge: number };

/** undefined when both sides hold the same bytes. */
async function diffContents(name: string, scopePath: string, before: Content | undefined, after: Content | undefined, options: DiffOptions): Promise<CassetteDiff | undefined> {
  if (Buffer.isBuffer(before) && Buffer.isBuffer(after) && before.equals(after)) return undefined;
  for (const [side, content] of [['old', before], ['new', after]] as const) {
    if (content !== undefined && !Buffer.isBuffer(content)) return uncomparableDiff(name, `the ${side} file is ${content.tooLarge} bytes, over ${MAX_COMPARABLE_BYTES}`);
  }
  const read = (content: Content | undefined, side: string): Cassette | string | undefined => {
    if (content === undefined) return undefined;
    try {
      return parseCassette(content as Buffer, `${name} (${side})`);
    } catch (error) {
      return (error as Error).message;
    }
  };
  const old = read(before, 'old');
  const next = read(after, 'new');
  // Unreadable on either side: whatever changed cannot be shown, and is a change.
  if (typeof old === 'string' || typeof next === 'string') return uncomparableDiff(name, typeof old === 'string' ? old : (next as string));
  return diffCassettes(name, old, next, { ...options, scopePath });
}

export class DiffUsageError extends Error {}

async function readLocal(file: string): Promise<Content> {
  try {
    const { size } = await stat(file);
    if (size > MAX_COMPARABLE_BYTES) return { tooLarge: size };
    return await readFile(file);
  } catch (error) {
    throw new DiffUsageError(`diff: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

async function isDirectory(target: string): Promise<boolean> {
  try {
    return (await stat(target)).isDirectory();
  } catch {
    throw new DiffUsageError(`diff: ${target} does not exist`);
  }
}

// ---------------------------------------------------------------------------------------------
// Git revisions

interface TreeEntry {
  object: string;
  size: number;
}

async function diffRevisions(
  oldRevision: string,
  newRevision: string,
  scope: { pathspecs: readonly string[]; isCassette?: (relativePath: string) => boolean },
  options: DiffOptions,
  repo: GitRepo,
): Promise<FolderDiff> {
  const cwd = repo.cwd;
  const pathspecs = scope.pathspecs;
  const root = await gitRoot(repo, oldRevision);
  const relative = (name: string) => path.relative(cwd, path.join(root, name)).split(path.sep).join('/');
  const wanted = (name: string) => !OWN_FILE.test(name) && (scope.isCassette?.(relative(name)) ?? true);
  for (const revision of [oldRevision, newRevision]) await verifyRevision(repo, revision);
  const [before, after] = await Promise.all([listTree(repo, oldRevision, pathspecs, wanted), listTree(repo, newRevision, pathspecs, wanted)]);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  if (names.length === 0) {
    const where = pathspecs.length > 0 ? pathspecs.join(' ') : `${path.relative(root, cwd) || '.'} (the current folder)`;
    throw new DiffUsageError(`diff: no cassette files (.yml, .yaml, .json, .har) under ${where} in ${oldRevision} or ${newRevision}`);
  }
  const result: FolderDiff = { diffs: [], identical: 0 };
  const blobs = new GitBlobReader(repo);
  try {
    for (const name of names) {
      const left = before.get(name);
      const right = after.get(name);
      // Same object id: same bytes, nothing to read.
      if (left && right && left.object === right.object) {
        result.identical++;
        continue;
      }
      const scopePath = path.relative(cwd, path.join(root, name)).split(path.sep).join('/');
      const diff = await diffContents(name, scopePath, left && (await readBlob(blobs, left)), right && (await readBlob(blobs, right)), options);
      if (diff) result.diffs.push(diff);
      else result.identical++;
    }
  } finally {
    blobs.close();
  }
  return result;
}

async function gitRoot(repo: GitRepo, revision: string): Promise<string> {
  try {
    return await gitText(repo, ['rev-parse', '--show-toplevel']);
  } catch {
    throw new DiffUsageError(`diff: ${revision} is no path here, and ${repo.cwd} is not in a git repository, so it is no git revision either`);
  }
}

async function verifyRevision(repo: GitRepo, revision: string): Promise<void> {
  // `--end-of-options` keeps a revision that starts with `-` from being read as an option.
  const ok = (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${revision}^{commit}`], { allowFailure: true })).code === 0;
  if (!ok) throw new DiffUsageError(`diff: ${JSON.stringify(revision)} is neither an existing path nor a git revision (commit) in this repository`);
}

/** Cassette-like files of a revision under the pathspecs (without any: under cwd), by repository path. */
async function listTree(repo: GitRepo, revision: string, pathspecs: readonly string[], wanted: (name: string) => boolean): Promise<Map<string, TreeEntry>> {
  // Pathspecs are relative to cwd (as for every git command); names come back from the repository root.
  const { stdout } = await git(repo, ['ls-tree', '-r', '-l', '-z', '--full-name', revision, '--', ...pathspecs], {
    maxBuffer: 256 * 1024 * 1024,
    // The user's pathspecs may be globs, as in any git command.
    env: { GIT_LITERAL_PATHSPECS: '0' },
  });
  const entries = new Map<string, TreeEntry>();
  for (const record of stdout.split('\0')) {
    // <mode> SP <type> SP <object> SP+ <size> TAB <path>
    const match = /^\d+ blob ([0-9a-f]+) +(\d+)\t(.+)$/s.exec(record);
    if (match && CASSETTE_NAME.test(match[3]!) && wanted(match[3]!)) entries.set(match[3]!, { object: match[1]!, size: Number(match[2]) });
  }
  return entries;
}

async function readBlob(blobs: GitBlobReader, entry: TreeEntry): Promise<Content> {
  if (entry.size > MAX_COMPARABLE_BYTES) return { tooLarge: entry.size };
  return blobs.read(entry.object);
}
