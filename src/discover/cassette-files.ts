// Read cassettes from disk with their recording dates, for audit and `mode: stale`.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import type { AuditedCassette } from '../audit/audit.js';
import { parseCassette } from '../cassettes/formats/index.js';
import { lastCommitDates, modificationTime, oldestRecordedAt } from './recording-dates.js';

/** Enough parallel reads to hide disk latency, few enough not to run out of file handles. */
const READ_CONCURRENCY = 32;

export async function readCassettes(workingDirectory: string, cassettes: readonly string[], gitFolder: string): Promise<AuditedCassette[]> {
  const commits = await lastCommitDates(workingDirectory, gitFolder);
  const limit = pLimit(READ_CONCURRENCY);
  return Promise.all(cassettes.map((cassette) => limit(() => readOne(workingDirectory, cassette, commits))));
}

async function readOne(workingDirectory: string, cassette: string, commits: ReadonlyMap<string, Date>): Promise<AuditedCassette> {
  const absolute = path.resolve(workingDirectory, cassette);
  const text = await readFile(absolute, 'utf8');
  let parsed;
  let parseError: string | undefined;
  try {
    parsed = parseCassette(text, cassette);
  } catch (error) {
    parseError = (error as Error).message;
  }
  const recorded = parsed && oldestRecordedAt(parsed);
  if (recorded) return { path: cassette, text, cassette: parsed, parseError, recordedAt: recorded, dateSource: 'recorded' };
  const committed = commits.get(cassette);
  if (committed) return { path: cassette, text, cassette: parsed, parseError, recordedAt: committed, dateSource: 'commit' };
  const modified = await modificationTime(absolute);
  return { path: cassette, text, cassette: parsed, parseError, recordedAt: modified, dateSource: modified ? 'modified' : 'unknown' };
}
