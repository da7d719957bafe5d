// .rerecord/manifest.json: what past runs learned. Per test file: the cassettes its record hook
// saw it open (ground truth, better than any static guess), how long it last took (for
// longest-first scheduling and balanced shards) and how many requests its recordings hold (for
// pacing starts under the API's budget). Serialised with sorted keys so diffs stay small.

export interface ManifestEntry {
  cassettes: string[];
  durationMs?: number;
  /** Interactions in its kept recordings when it last passed. */
  requests?: number;
}

export interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

export const EMPTY_MANIFEST: Manifest = { version: 1, files: {} };

/**
 * The manifest as rerecord wrote it. An error names `where` and what was expected, never a byte of
 * the content: the file may be anything (a credentials file put or linked in its place).
 */
export function parseManifest(text: string, where: string): Manifest {
  const refuse = () => new Error(`${where}: not a manifest written by rerecord (expected JSON of the form {"version": 1, "files": {...}}); nothing of its content is shown. Delete it to start afresh`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw refuse();
  }
  const files = (data as Manifest | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files)) throw refuse();
  const clean: Record<string, ManifestEntry> = {};
  for (const [file, entry] of Object.entries(files)) {
    const cassettes = Array.isArray(entry?.cassettes) ? entry.cassettes.filter((c): c is string => typeof c === 'string') : [];
    clean[file] = { cassettes };
    if (typeof entry?.durationMs === 'number') clean[file].durationMs = entry.durationMs;
    if (Number.isInteger(entry?.requests) && entry.requests! >= 0) clean[file].requests = entry.requests;
  }
  return { version: 1, files: clean };
}

export interface LearnedFile {
  file: string;
  /** Cassettes the hook journaled, or undefined when the framework has no hook. */
  cassettes: string[] | undefined;
  succeeded: boolean;
  durationMs: number;
  /** Requests its recordings hold; learned only from a passing run (a failed one may have stopped early). */
  requests?: number;
}

/**
 * A successful run's journal replaces what we knew (a cassette the test stopped using drops out);
 * a failed run only adds, since it may have stopped before opening everything.
 */
export function mergeManifest(manifest: Manifest, learned: readonly LearnedFile[]): Manifest {
  const files = { ...manifest.files };
  for (const { file, cassettes, succeeded, durationMs, requests } of learned) {
    const known = files[file]?.cassettes ?? [];
    const next = cassettes === undefined ? known : succeeded ? cassettes : [...known, ...cassettes];
    const count = succeeded && requests !== undefined ? requests : files[file]?.requests;
    files[file] = { cassettes: [...new Set(next)].sort(), durationMs: steadyDuration(files[file]?.durationMs, durationMs), ...(count === undefined ? {} : { requests: count }) };
  }
  return { version: 1, files };
}

/**
 * Timings jitter from run to run, and by far more than 2x on a loaded runner (a file of 961 ms took
 * 2,619 ms on the next run); a manifest rewritten for jitter would be a change to review (and a new
 * commit on the pull-request branch) every time. Longest-first scheduling only needs the magnitude:
 * keep the old figure unless the new one is over three times or under a third of it, and two
 * seconds off.
 */
export function steadyDuration(previous: number | undefined, measured: number): number {
  const jitter = previous !== undefined && (Math.abs(measured - previous) <= 2000 || (measured <= previous * 3 && measured >= previous / 3));
  if (jitter) return previous;
  return Math.round(measured);
}

export function serializeManifest(manifest: Manifest): string {
  const files = Object.fromEntries(Object.keys(manifest.files).sort().map((file) => [file, manifest.files[file]]));
  return `${JSON.stringify({ version: 1, files }, null, 2)}\n`;
}

/**
 * For an open pull request's branch: timings are never a reason for a new commit there, so every
 * file the branch's manifest already timed keeps that timing; what a file uses (and new files) still counts.
 */
export function keepTimingsOf(current: Manifest, earlier: Manifest): Manifest {
  const files: Record<string, ManifestEntry> = {};
  for (const [file, entry] of Object.entries(current.files)) {
    const before = earlier.files[file]?.durationMs;
    files[file] = before === undefined || entry.durationMs === undefined ? entry : { ...entry, durationMs: before };
  }
  return { version: 1, files };
}

