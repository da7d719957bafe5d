// Signs, in an attempt's new recordings, that the API throttled it: a 429, or a 503 that says when
// to come back (Retry-After). Read before anything is kept or restored, for passing and failing
// files alike: a test that failed on a 429 is not broken, it was early.
import { lstat } from 'node:fs/promises';
import { requestKey } from '../cassettes/diff.js';
import { readCassetteQuietly } from './readable.js';
import { describeRequest, type Interaction } from '../cassettes/model.js';
import { rateLimitHint, type RateLimitHint } from './rate-limit-headers.js';

export interface RateLimitSign {
  /** The longest wait the API asked for, when it said. */
  retryAfterMs?: number;
  /** `429 on GET /x, 503 on GET /y and 2 more`. */
  statuses: string;
  /** How many rate-limiting answers the recordings hold. */
  answers: number;
}

export interface RecordingScan {
  /** Interactions in the new recordings: requests that reached the API. */
  requests: number;
  rateLimited: RateLimitSign | undefined;
  /** The same, per API host (`host:port` as the request named it; '' when unreadable). */
  hosts: Record<string, HostScan>;
  /** Answers refusing the key (401, 403): the file will fail, and maybe the whole run with it. */
  refusals: number;
}

export interface HostScan {
  requests: number;
  /** Throttling answers from this host (not counting ones the old recording held too). */
  answers: number;
  /** The longest wait this host asked for. */
  retryAfterMs?: number;
  /** What the last answer carrying rate-limit headers said about the limit. */
  hint?: RateLimitHint;
}

export interface ScannedCassette {
  /** Absolute path of the new recording (may be gone: the test wrote nothing). */
  cassette: string;
  /** Path of its bytes before the attempt, when it existed. */
  original: string | null;
}

const NAMED = 3;

/**
 * `writtenSince` (ms since the epoch, when the test process started): a cassette not written since
 * was replayed, not recorded, and its interactions reached no API; they are not counted.
 */
export async function scanRecordings(cassettes: readonly ScannedCassette[], now: () => number = Date.now, writtenSince?: number): Promise<RecordingScan> {
  let requests = 0;
  let refusals = 0;
  const hosts: Record<string, HostScan> = {};
  const signs: Array<{ interaction: Interaction; retryAfterMs: number | undefined }> = [];
  for (const { cassette, original } of cassettes) {
    if (writtenSince !== undefined && original !== null && (await writtenBefore(cassette, writtenSince))) continue;
    const next = await readCassetteQuietly(cassette);
    if (!next) continue;
    requests += next.interactions.length;
    // The same answer to the same request in the old cassette was recorded on purpose (a test of
    // the 429 path), not a throttle now.
    const known = new Set((original ? ((await readCassetteQuietly(original))?.interactions ?? []) : []).filter(isThrottle).map(identity));
    for (const interaction of next.interactions) {
      const host = (hosts[hostOf(interaction.request.uri)] ??= { requests: 0, answers: 0 });
      host.requests++;
      if (interaction.response.status === 401 || interaction.response.status === 403) refusals++;
      const hint = rateLimitHint(interaction.response.headers, now());
      if (hint) host.hint = hint;
      if (isThrottle(interaction) && !known.has(identity(interaction))) {
        const retryAfterMs = retryAfterOf(interaction, now);
        signs.push({ interaction, retryAfterMs });
        host.answers++;
        if (retryAfterMs !== undefined) host.retryAfterMs = Math.max(host.retryAfterMs ?? 0, retryAfterMs);
      }
    }
  }
  if (signs.length === 0) return { requests, rateLimited: undefined, hosts, refusals };
  const waits = signs.map((sign) => sign.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  const named = signs.slice(0, NAMED).map(({ interaction }) => `${interaction.response.status} on ${describeRequest(interaction.request)}`);
  const more = signs.length - named.length;
  return {
    requests,
    hosts,
    refusals,
    rateLimited: {
      ...(waits.length > 0 ? { retryAfterMs: Math.max(...waits) } : {}),
      statuses: `${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`,
      answers: signs.length,
    },
  };
}

function isThrottle(interaction: Interaction): boolean {
  const { status, headers } = interaction.response;
  return status === 429 || (status === 503 && headers['retry-after'] !== undefined);
}

function identity(interaction: Interaction): string {
  return `${interaction.response.status} ${requestKey(interaction.request)}`;
}

/** `Retry-After: 2` (seconds) or an HTTP date; undefined when absent or unreadable. */
export function retryAfterOf(interaction: Interaction, now: () => number = Date.now): number | undefined {
  const value = interaction.response.headers['retry-after']?.[0]?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now());
}


/** The API a request went to: `host:port` as its URI names it; '' when it names none. */
export function hostOf(uri: string): string {
  try {
    return new URL(uri).host.toLowerCase();
  } catch {
    return '';
  }
}

/** Whether the file was last written before `since` (with a second of slack for coarse file-system clocks). */
async function writtenBefore(file: string, since: number): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  return info !== undefined && info.mtimeMs < since - 1000;
}
