// .rerecord/manifest.json: what past runs learned. Per test file: the cassettes its record hook
// saw it open (ground truth, better than any static guess), how long it last took (for
// longest-first scheduling and balanced shards), how many requests its recordings hold (for
// pacing starts under the API's budget) and which cassettes it uses that its last passing run left
// unwritten (never counted missing), and per endpoint the noise probing learned (fields and
// headers that varied between two fresh recordings). Serialised with sorted keys so diffs stay small.
import { mergeLearnedNoise } from '../cassettes/learn-noise.js';
import { checkVolatileField, parsePathTemplate, type LearnedNoise } from '../cassettes/noise.js';

export interface ManifestEntry {
  cassettes: string[];
  durationMs?: number;
  /** Interactions in its kept recordings when it last passed. */
  requests?: number;
  /**
   * Cassettes it uses (mapped or opened) that were absent after it last passed: its tests made no
   * request there, so nothing was written (vcrpy, Ruby VCR). Not counted missing; sorted; absent when none.
   */
  unwritten?: string[];
}

export interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
  /** Learned noise, sorted by endpoint; absent when nothing was learned. */
  noise?: LearnedNoise[];
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
    const unwritten = strings(entry?.unwritten);
    if (unwritten.length > 0) clean[file].unwritten = [...new Set(unwritten)].sort();
  }
  const noise = parseNoise((data as { noise?: unknown }).noise);
  return noise.length > 0 ? { version: 1, files: clean, noise } : { version: 1, files: clean };
}

/**
 * `noise` as written: `{"POST /v1/files": {"fields": ["$.id"], "headers": [], "volatilePath": true}}`.
 * Anything malformed is dropped, never trusted: a field that is not a valid `$` path or key, a
 * header name with other characters than a token's, volatilePath on an endpoint without `{*}`.
 */
function parseNoise(raw: unknown): LearnedNoise[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return [];
  const entries: LearnedNoise[] = [];
  for (const [endpoint, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[A-Z]+ \/\S*$/.test(endpoint) || typeof value !== 'object' || value === null) continue;
    const { fields, headers, volatilePath } = value as { fields?: unknown; headers?: unknown; volatilePath?: unknown };
    const entry: LearnedNoise = {
      endpoint,
      fields: strings(fields).filter(validField),
      headers: strings(headers)
        .map((name) => name.toLowerCase())
        .filter((name) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)),
    };
    if (volatilePath === true && validTemplate(endpoint)) entry.volatilePath = true;
    if (entry.fields.length + entry.headers.length > 0 || entry.volatilePath) entries.push(entry);
  }
  return mergeLearnedNoise(entries);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item.trim() !== '') : [];
}

function validField(field: string): boolean {
  try {
    checkVolatileField(field);
    // A scoped `GLOB:` entry is the user's own syntax: a learned field is always endpoint-scoped already.
    return field.startsWith('$') || !field.includes(':');
  } catch {
    return false;
  }
}

function validTemplate(endpoint: string): boolean {
  try {
    parsePathTemplate(endpoint);
    return true;
  } catch {
    return false;
  }
}

/** Noise learned by this run's probes, added to what the manifest knew (what varied once stays volatile). */
export function addLearnedNoise(manifest: Manifest, learned: readonly LearnedNoise[]): Manifest {
  if (learned.length === 0) return manifest;
  return { ...manifest, noise: mergeLearnedNoise(manifest.noise ?? [], learned) };
}

export interface LearnedFile {
  file: string;
  /** Cassettes the hook journaled, or undefined when the framework has no hook. */
  cassettes: string[] | undefined;
  succeeded: boolean;
  durationMs: number;
  /** Requests its recordings hold; learned only from a passing run (a failed one may have stopped early). */
  requests?: number;
  /** After a passing run: the cassettes it uses that are absent (ManifestEntry.unwritten); ignored otherwise. */
  unwritten?: string[];
}

/**
 * A successful run's journal replaces what we knew (a cassette the test stopped using drops out);
 * a failed run only adds, since it may have stopped before opening everything.
 */
export function mergeManifest(manifest: Manifest, learned: readonly LearnedFile[]): Manifest {
  const files = { ...manifest.files };
  for (const { file, cassettes, succeeded, durationMs, requests, unwritten } of learned) {
    const known = files[file]?.cassettes ?? [];
    const next = cassettes === undefined ? known : succeeded ? cassettes : [...known, ...cassettes];
    const count = succeeded && requests !== undefined ? requests : files[file]?.requests;
    // A passing run says afresh what it left unwritten (a cassette it now writes drops out); a
    // failed one was restored, so it teaches nothing about what its tests write.
    const absent = succeeded && unwritten !== undefined ? [...new Set(unwritten)].sort() : (files[file]?.unwritten ?? []);
    files[file] = {
      cassettes: [...new Set(next)].sort(),
      durationMs: steadyDuration(files[file]?.durationMs, durationMs),
      ...(count === undefined ? {} : { requests: count }),
      ...(absent.length === 0 ? {} : { unwritten: absent }),
    };
  }
  return withNoiseOf(manifest, { version: 1, files });
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
  const noise = mergeLearnedNoise(manifest.noise ?? []);
  if (noise.length === 0) return `${JSON.stringify({ version: 1, files }, null, 2)}\n`;
  const byEndpoint = Object.fromEntries(noise.map(({ endpoint, ...entry }) => [endpoint, entry]));
  return `${JSON.stringify({ version: 1, files, noise: byEndpoint }, null, 2)}\n`;
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
  return withNoiseOf(current, { version: 1, files });
}

function withNoiseOf(source: Manifest, target: Manifest): Manifest {
  return source.noise && source.noise.length > 0 ? { ...target, noise: source.noise } : target;
}

