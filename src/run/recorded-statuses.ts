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

/**
 * The poison statuses the new recordings hold that the old ones did not: described (undefined when
 * none), and as codes.
 */
export async function recordedStatuses(
  recordings: readonly FailedRecording[],
  isPoison: StatusMatcher,
  relative: (absolute: string) => string,
): Promise<{ description: string | undefined; codes: number[] }> {
  const findings: Array<{ cassette: string; statuses: string[] }> = [];
  const codes: number[] = [];
  for (const { cassette, original } of recordings) {
    const next = await readCassetteQuietly(cassette);
    if (!next) continue;
    const old = original ? await readCassetteQuietly(original) : undefined;
    const poison = findPoison(old, next, isPoison);
    codes.push(...poison.map((finding) => finding.status));
    findings.push({ cassette: relative(cassette), statuses: poison.map((finding) => `${finding.status} on ${finding.request}`) });
  }
  return { description: describeRecordedStatuses(findings), codes };
}

const AUTH_NAMES: Record<number, string> = { 401: '401 Unauthorized', 403: '403 Forbidden' };

/**
 * The API refused the key: every new error status is 401 or 403. The same for every file (the key
 * is), so it is never retried and, once the first files all got it, the run stops; the text is the
 * same for every file so that the run can tell.
 */
export function authRefusal(codes: readonly number[]): string | undefined {
  if (codes.length === 0 || !codes.every((code) => code in AUTH_NAMES)) return undefined;
  const answered = [...new Set(codes)].sort().map((code) => AUTH_NAMES[code]).join(' and ');
  return `the API answered ${answered}: the key was refused; check that api-key-env names the variable your tests read the key from, and that the secret behind it is current`;
}

