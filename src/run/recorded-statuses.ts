// The error statuses a failed file's new recordings hold ("401 on GET /me"), read before its
// cassettes are restored: the likeliest cause of the failure, named instead of "exit code 1".
import { readCassetteQuietly } from './readable.js';
import { findPoison, type StatusMatcher } from '../cassettes/poison.js';
import { describeRecordedStatuses } from '../frameworks/failure-reason.js';

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
    const next = await readCassetteQuietly(cassette);
    if (!next) continue;
    const old = original ? await readCassetteQuietly(original) : undefined;
    const poison = findPoison(old, next, isPoison);
    findings.push({ cassette: relative(cassette), statuses: poison.map((finding) => `${finding.status} on ${finding.request}`) });
  }
  return describeRecordedStatuses(findings);
}

