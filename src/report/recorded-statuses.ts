// The error statuses a failed file's new recordings hold ("401 on GET /me"), read before its
// cassettes are restored: the likeliest cause of the failure, named instead of "exit code 1".
import { readFile } from 'node:fs/promises';
import { parseCassette } from '../cassettes/formats/index.js';
import type { Cassette } from '../cassettes/model.js';
import { findPoison, type StatusMatcher } from '../cassettes/poison.js';
import { describeRecordedStatuses } from './failure-reason.js';

export interface FailedRecording {
  /** Absolute path of what the failed run left (a new recording, or the old bytes untouched). */
  cassette: string;
  /** A copy of its bytes before the run, if it existed. */
  original: string | null;
}

/** Undefined when no recording holds a poison status the old one did not already hold. */
export async function recordedStatuses(recordings: readonly FailedRecording[], isPoison: StatusMatcher, relative: (absolute: string) => string): Promise<string | undefined> {
  const findings: Array<{ cassette: string; statuses: string[] }> = [];
  for (const { cassette, original } of recordings) {
    const next = await readCassette(cassette);
    if (!next) continue;
    const old = original ? await readCassette(original) : undefined;
    const poison = findPoison(old, next, isPoison);
    findings.push({ cassette: relative(cassette), statuses: poison.map((finding) => `${finding.status} on ${finding.request}`) });
  }
  return describeRecordedStatuses(findings);
}

async function readCassette(file: string): Promise<Cassette | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    return parseCassette(text, file);
  } catch {
    // Absent, half written or not a cassette: it names no status.
    return undefined;
  }
}
