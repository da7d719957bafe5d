// Workflow artifacts through the official @actions/artifact client (v2+ backend: twirp "results"
// service + Azure blob storage). The client is imported lazily, so the CLI never loads it.
//
// What the client needs, and when it reads it:
// - ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL, at call time. The runner gives them to actions
//   (a `uses:` step) only, never to `run:` scripts.
// - GITHUB_API_URL for `findBy` (another run), read ONCE when @actions/github is first loaded.
// - GITHUB_SERVER_URL must be github.com, *.ghe.com or *.localhost; anything else counts as GHES,
//   which the client refuses.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { RunnerContext } from '../config/runner-context.js';

export const SHARD_ARTIFACT = 'rerecord-shard';
export const FAILURES_ARTIFACT = 'rerecord-failures';

export interface ShardRef {
  index: number;
  count: number;
}

export interface RunRef {
  /** A token with `actions: read` on the repository. */
  token: string;
  workflowRunId: number;
  repositoryOwner: string;
  repositoryName: string;
}

export interface DownloadedArtifact {
  name: string;
  directory: string;
}

/** Characters the client rejects in an artifact name (NTFS limits); file paths may keep `/` and `\`. */
const FORBIDDEN_IN_PATH: ReadonlyArray<[string, string]> = [
  ['"', 'double quote "'],
  [':', 'colon :'],
  ['<', 'less than <'],
  ['>', 'greater than >'],
  ['|', 'vertical bar |'],
  ['*', 'asterisk *'],
  ['?', 'question mark ?'],
  ['\r', 'carriage return'],
  ['\n', 'line feed'],
];
const FORBIDDEN_IN_NAME: ReadonlyArray<[string, string]> = [...FORBIDDEN_IN_PATH, ['\\', 'backslash \\'], ['/', 'forward slash /']];

export interface UploadOptions {
  /** Days the artifact is kept; undefined: the repository's setting. */
  retentionDays?: number | undefined;
  /** Zip compression, 0 (stored) to 9; undefined: the client's default (6). */
  compressionLevel?: number | undefined;
}

/**
 * Artifacts of workflow runs, through the official client (which reads the runner's ACTIONS_*
 * variables itself); the runner context says beforehand whether it can work here.
 */
export interface ArtifactStore {
  /**
   * Uploads `files` (absolute paths) as one zipped artifact, each file at its path relative to `rootDirectory`.
   * Names must be unique within a workflow run: uploading the same name twice fails (409 from the service).
   */
  upload(name: string, files: string[], rootDirectory: string, options?: UploadOptions): Promise<{ id: number; size: number }>;
  /**
   * Same run (e.g. the final job after a matrix): every artifact whose name starts with `prefix`,
   * each extracted into `destination/<name>` (which must not exist yet or be empty). Sorted by name.
   */
  downloadByPrefix(prefix: string, destination: string): Promise<DownloadedArtifact[]>;
  /**
   * Another workflow run's artifact `name`, extracted into `destination` (which must not exist yet or be empty).
   * Resolves to `destination`, or to undefined when that run has no such artifact or it has expired.
   * Needs no runner environment, only a token that may read the repository's actions.
   */
  downloadFromRun(name: string, destination: string, findBy: RunRef): Promise<string | undefined>;
}

export function artifactStore(runner: RunnerContext): ArtifactStore {
  return {
    upload: (name, files, rootDirectory, options) => uploadFiles(runner, name, files, rootDirectory, options),
    downloadByPrefix: (prefix, destination) => downloadArtifactsByPrefix(runner, prefix, destination),
    downloadFromRun: (name, destination, findBy) => downloadFromRun(runner, name, destination, findBy),
  };
}

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

/** Throws unless `name` is an artifact name the service accepts. */
export function validateArtifactName(name: string): string {
  if (!name.trim()) throw new ArtifactError('An artifact name must not be empty.');
  for (const [char, label] of FORBIDDEN_IN_NAME) {
    if (name.includes(char)) throw new ArtifactError(`The artifact name ${JSON.stringify(name)} contains a ${label}, which GitHub refuses in artifact names.`);
  }
  return name;
}

/** `base-<i>-of-<n>` for a shard of a matrix, `base` alone when there is one shard. Unique per shard. */
export function artifactNameForShard(base: string, shard: ShardRef): string {
  validateArtifactName(base);
  const { index, count } = shard;
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 1 || index > count) {
    throw new ArtifactError(`A shard must be i/n with 1 <= i <= n, not ${index}/${count}.`);
  }
  return count === 1 ? base : `${base}-${index}-of-${count}`;
}

/**
 * Uploads `files` (absolute paths) as one zipped artifact, each file at its path relative to `rootDirectory`.
 * Names must be unique within a workflow run: uploading the same name twice fails (409 from the service).
 */
async function uploadFiles(
  runner: RunnerContext,
  name: string,
  files: string[],
  rootDirectory: string,
  options: UploadOptions = {},
): Promise<{ id: number; size: number }> {
  validateArtifactName(name);
  requireRunnerEnvironment(runner, 'upload an artifact');
  const root = path.resolve(rootDirectory);
  const unique = [...new Set(files.map((file) => path.resolve(file)))].sort();
  if (unique.length === 0) throw new ArtifactError(`Nothing to upload as artifact ${name}: no files given.`);
  const problems: string[] = [];
  for (const file of unique) {
    const relative = path.relative(root, file);
    if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) {
      problems.push(`${file} is not inside ${root}`);
      continue;
    }
    const bad = FORBIDDEN_IN_PATH.find(([char]) => relative.includes(char));
    if (bad) problems.push(`${relative} contains a ${bad[1]}, which artifacts refuse in file paths`);
  }
  if (problems.length > 0) throw new ArtifactError(`Cannot upload artifact ${name}:\n  ${problems.join('\n  ')}`);
  const retentionDays = options.retentionDays;
  if (retentionDays !== undefined && (!Number.isInteger(retentionDays) || retentionDays < 1)) {
    throw new ArtifactError(`Artifact retention must be a whole number of days (at least 1), not ${retentionDays}.`);
  }

  const compressionLevel = options.compressionLevel;
  if (compressionLevel !== undefined && (!Number.isInteger(compressionLevel) || compressionLevel < 0 || compressionLevel > 9)) {
    throw new ArtifactError(`Artifact compression must be a whole number from 0 to 9, not ${compressionLevel}.`);
  }

  const client = await artifactClient(runner);
  const result = await client.uploadArtifact(name, unique, root, {
    ...(retentionDays === undefined ? {} : { retentionDays }),
    ...(compressionLevel === undefined ? {} : { compressionLevel }),
  });
  if (result.id === undefined) throw new ArtifactError(`Uploading artifact ${name} returned no artifact id.`);
  return { id: result.id, size: result.size ?? 0 };
}

/**
 * Same run (e.g. the final job after a matrix): every artifact whose name starts with `prefix`,
 * each extracted into `destination/<name>` (which must not exist yet or be empty). Sorted by name.
 */
async function downloadArtifactsByPrefix(runner: RunnerContext, prefix: string, destination: string): Promise<DownloadedArtifact[]> {
  requireRunnerEnvironment(runner, 'download artifacts');
  const client = await artifactClient(runner);
  const { artifacts } = await client.listArtifacts({ latest: true });
  const wanted = artifacts.filter((artifact) => artifact.name.startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const downloaded: DownloadedArtifact[] = [];
  for (const artifact of wanted) {
    const directory = path.join(path.resolve(destination), artifact.name);
    await prepareEmptyDirectory(directory);
    const { digestMismatch } = await client.downloadArtifact(artifact.id, { path: directory, ...expected(artifact.digest) });
    if (digestMismatch) throw new ArtifactError(`Artifact ${artifact.name} arrived corrupted: its SHA-256 does not match the one recorded at upload.`);
    downloaded.push({ name: artifact.name, directory });
  }
  return downloaded;
}

/**
 * Another workflow run's artifact `name`, extracted into `destination` (which must not exist yet or be empty).
 * Resolves to `destination`, or to undefined when that run has no such artifact or it has expired.
 * Needs no runner environment, only a token that may read the repository's actions.
 */
async function downloadFromRun(runner: RunnerContext, name: string, destination: string, findBy: RunRef): Promise<string | undefined> {
  validateArtifactName(name);
  const client = await artifactClient(runner);
  const where = `run ${findBy.workflowRunId} of ${findBy.repositoryOwner}/${findBy.repositoryName}`;
  let artifacts;
  try {
    // listArtifacts rather than getArtifact: the latter logs a ::warning:: when nothing matches,
    // and "the previous run left no failures" is an ordinary answer, not a problem.
    ({ artifacts } = await client.listArtifacts({ latest: true, findBy }));
  } catch (error) {
    throw new ArtifactError(`Could not list the artifacts of ${where}: ${messageOf(error)}`);
  }
  const artifact = artifacts.find((candidate) => candidate.name === name);
  if (!artifact) return undefined;
  const directory = path.resolve(destination);
  await prepareEmptyDirectory(directory);
  try {
    const { digestMismatch } = await client.downloadArtifact(artifact.id, { path: directory, findBy, ...expected(artifact.digest) });
    if (digestMismatch) throw new ArtifactError(`Artifact ${name} of ${where} arrived corrupted: its SHA-256 does not match the one recorded at upload.`);
  } catch (error) {
    if (statusOf(error) === 410) return undefined; // listed, but expired
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(`Could not download artifact ${name} of ${where}: ${messageOf(error)}`);
  }
  return directory;
}

/** Throws a clear error unless this process runs as an action step on a GitHub Actions runner. */
export function requireRunnerEnvironment(runner: RunnerContext, what: string): void {
  const missing = runner.missingArtifactVariables;
  if (missing.length === 0) return;
  throw new ArtifactError(
    `Cannot ${what}: artifacts need a GitHub Actions runner, and ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set. ` +
      'The runner gives these only to actions (a `uses:` step), not to `run:` scripts or a local shell; ' +
      'run rerecord through its action, or choose a way of publishing that needs no artifacts.',
  );
}

/** The client takes any GITHUB_SERVER_URL but github.com, *.ghe.com and *.localhost for GHES, and refuses it. */
function refuseEnterpriseServer(runner: RunnerContext): void {
  const server = runner.serverUrl;
  let host: string;
  try {
    host = new URL(server).hostname.toLowerCase();
  } catch {
    throw new ArtifactError(`GITHUB_SERVER_URL is not a URL: ${JSON.stringify(server)}.`);
  }
  if (host === 'github.com' || host.endsWith('.ghe.com') || host.endsWith('.localhost')) return;
  throw new ArtifactError(
    `Artifacts are not available here: GITHUB_SERVER_URL is ${server}, which the official artifact client takes for ` +
      'GitHub Enterprise Server, where its artifact backend does not exist.',
  );
}

type ArtifactModule = typeof import('@actions/artifact');

let loaded: Promise<ArtifactModule> | undefined;

async function artifactClient(runner: RunnerContext): Promise<InstanceType<ArtifactModule['DefaultArtifactClient']>> {
  refuseEnterpriseServer(runner);
  loaded ??= import('@actions/artifact');
  const { DefaultArtifactClient } = await loaded;
  return new DefaultArtifactClient();
}

async function prepareEmptyDirectory(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  const entries = await readdir(directory);
  if (entries.length > 0) {
    throw new ArtifactError(`Refusing to extract an artifact into ${directory}: the folder is not empty, and stale files would mix with the downloaded ones.`);
  }
}

const expected = (digest: string | undefined): { expectedHash?: string } => (digest ? { expectedHash: digest } : {});

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
