// What a run did, file by file, and how it kept to the API's pace: the record every stage after
// the run reads (reports, the failure log, publishing, merging shards), so none of them depends on
// how files are run.
import type { CassetteDiff } from '../cassettes/diff.js';
import type { LearnedNoise } from '../cassettes/learn-noise.js';

/** Whether the kept recordings replayed offline, or why they were not replayed. */
export type Verified = boolean | `skipped: ${string}`;

/** `unchanged`: re-recorded, but only noise differed, so its old bytes were put back. */
export type CassetteOutcomeKind = 're-recorded' | 'recorded' | 'unchanged' | 'restored' | 'removed';

export interface CassetteOutcome {
  cassette: string;
  outcome: CassetteOutcomeKind;
}

export type FileStatus = 'succeeded' | 'failed' | 'not-run';

export interface FileResult {
  file: string;
  /** Kept cassettes and their sha256 when kept (absolute paths); not reported, used to catch late writers. */
  keptHashes?: ReadonlyMap<string, string>;
  /** Cassettes it could not put back (left in .rerecord/txn/ for `rerecord recover`). */
  unrestored?: string[];
  /** Changed files nobody named, seen while other files ran alongside: settled by the run at its end. */
  foreign?: Array<{ file: string; alongside: string[] }>;
  /** Failed without a record hook while these cassettes of files alongside changed (see rerunSuspects). */
  mayHaveWritten?: Array<{ cassette: string; files: string[] }>;
  status: FileStatus;
  attempts: number;
  durationMs: number;
  exitCode: number | null;
  reason: string;
  output: string;
  cassettes: CassetteOutcome[];
  journaled: string[] | undefined;
  drift: CassetteDiff[];
  warnings: string[];
  /** Whether the kept recordings replayed offline, or why they were not replayed; absent when not run. */
  verified?: Verified;
  /**
   * After it passed: the cassettes it uses (mapped, or opened by its hook) that are absent, since its
   * tests made no request there (the manifest remembers them: not missing). Absent when none.
   */
  unwritten?: string[];
  /** Requests its last attempt recorded (the manifest learns it from a passing one). */
  requests?: number;
  /** learn-noise: what probing taught, per endpoint (stored in the manifest). */
  learnedNoise?: LearnedNoise[];
  /** Attempts the API throttled (retried without spending `retries`). */
  rateLimited?: number;
  /** A runtime or library that would not load (never retried). */
  environmentError?: string | undefined;
}

export interface ConcurrencyChange {
  /** Since the run started. */
  atMs: number;
  limit: number;
  why: 'rate-limited' | 'recovered';
}

export interface PaceReport {
  /** Requests per second this run was allowed, or null when adaptive only. */
  rateLimit: number | null;
  /** Requests per second learned from the API's throttles (as it ended; the lowest of its hosts), or null when it never throttled. */
  learnedRate: number | null;
  /** Per API host that throttled or told its limit: what was learned and told (requests per second). */
  hosts?: Record<string, { learnedRate: number | null; toldRate: number | null; rateLimitedAnswers: number }>;
  /** Requests that reached the API, throttled ones included. */
  requests: number;
  /** 429s (and 503s with Retry-After) seen in new recordings. */
  rateLimitedAnswers: number;
  /** ... of which the files that got them went on to pass or fail for another reason: none was kept. */
  absorbed: number;
  /** Requests over the time from the first start to the last end. */
  requestsPerSecond: number;
  /** Time new starts were held back by the API's Retry-After or a backoff after a throttled answer. */
  waitedMs: number;
  /** Time new starts were held back to keep under the request budget. */
  pacedMs: number;
  concurrency: { workers: number; lowest: number; final: number; trace: ConcurrencyChange[]; traceTruncated: boolean };
}

export interface RunOutcome {
  results: FileResult[];
  interrupted: boolean;
  startedAt: Date;
  finishedAt: Date;
  /** Problems of the run as a whole (a report that could not be written, a transaction left for `rerecord recover`). */
  runWarnings: string[];
  /** How the run kept to the API's pace: requests, throttling absorbed, waits, concurrency. */
  pace?: PaceReport;
  /** How the test processes were started: forked from warm workers, or fresh (and why). */
  processes?: string;
}
