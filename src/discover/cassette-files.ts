// Read cassettes from disk with their recording dates, for audit and `mode: stale`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { Cassette, CassetteFormat } from '../cassettes/model.js';
import { claimedFormat, decodeCassetteBytes, parseCassette } from '../cassettes/formats/index.js';
import type { Config } from '../config/config.js';
import type { GitRepo } from '../git/run-git.js';
import { isShallowClone, lastCommitDates, listCassetteFiles, modificationTime, oldestRecordedAt, SHALLOW_CLONE_WARNING } from './recording-dates.js';

/** A cassette file as read from disk, parsed when it could be, with when it was recorded. */
export interface AuditedCassette {
  path: string;
  text: string;
  cassette: Cassette | undefined;
  parseError: string | undefined;
  /** For a file that did not parse: the format it claims to be in (claimedFormat); absent: none. */
  claims?: CassetteFormat;
  recordedAt: Date | undefined;
  dateSource: 'recorded' | 'commit' | 'modified' | 'unknown';
}

/** Enough parallel reads to hide disk latency, few enough not to run out of file handles. */
const READ_CONCURRENCY = 32;

/**
 * In a shallow clone neither commit dates (all HEAD's) nor modification times (the checkout's)
 * tell a cassette's age: only its own timestamps do, and `onWarning` hears why the rest are unknown.
 */
export async function readCassettes(
  repo: GitRepo,
  cassettes: readonly string[],
  gitFolder: string,
  onWarning: (message: string) => void,
): Promise<AuditedCassette[]> {
  const shallow = cassettes.length > 0 && (await isShallowClone(repo));
  if (shallow) onWarning(SHALLOW_CLONE_WARNING);
  const commits = shallow ? undefined : await lastCommitDates(repo, gitFolder);
  const limit = pLimit(READ_CONCURRENCY);
  return Promise.all(cassettes.map((cassette) => limit(() => readOne(repo.cwd, cassette, commits))));
}

/** `commits` undefined: a shallow clone, where only the cassette's own timestamps date it. */
async function readOne(workingDirectory: string, cassette: string, commits: ReadonlyMap<string, Date> | undefined): Promise<AuditedCassette> {
  const absolute = path.resolve(workingDirectory, cassette);
  // Bytes, decoded without loss: a Latin-1 body must not read as U+FFFD (two different ones would then look alike).
  const bytes = await readFile(absolute);
  const { text } = decodeCassetteBytes(bytes);
  let parsed;
  let parseError: string | undefined;
  try {
    parsed = parseCassette(bytes, cassette);
  } catch (error) {
    parseError = (error as Error).message;
  }
  const claims = parsed ? undefined : claimedFormat(bytes, cassette);
  const read = { path: cassette, text, cassette: parsed, parseError, ...(claims ? { claims } : {}) };
  const recorded = parsed && oldestRecordedAt(parsed);
  if (recorded) return { ...read, recordedAt: recorded, dateSource: 'recorded' };
  if (!commits) return { ...read, recordedAt: undefined, dateSource: 'unknown' };
  const committed = commits.get(cassette);
  if (committed) return { ...read, recordedAt: committed, dateSource: 'commit' };
  const modified = await modificationTime(absolute);
  return { ...read, recordedAt: modified, dateSource: modified ? 'modified' : 'unknown' };
}

/** When each cassette was recorded, as the cassettes say (for `mode: stale`). */
export async function recordingDates(config: Pick<Config, 'workingDirectory' | 'cassetteDir' | 'runner'>, warn: (message: string) => void): Promise<Map<string, Date | undefined>> {
  const cassettes = await listCassetteFiles(config.workingDirectory, config.cassetteDir);
  const read = await readCassettes({ cwd: config.workingDirectory, inherited: config.runner.inherited }, cassettes, config.cassetteDir, warn);
  return new Map(read.map((cassette) => [cassette.path, cassette.recordedAt]));
}
