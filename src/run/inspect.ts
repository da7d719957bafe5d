// Before a passing file's new recordings are kept: refuse leaked secrets, new live-looking tokens and
// poisoned recordings, and put back the old bytes of any cassette whose new recording differs only
// by noise. Recordings are handled as bytes: text is decoded without loss (UTF-8 when valid, else one
// character per byte) and written back only where a feature had to change something, so bytes that
// are not UTF-8 survive a redaction or a host rewrite untouched.
import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffCassettes, uncomparableDiff, type CassetteDiff, type DiffOptions } from '../cassettes/diff.js';
import { decodeCassetteBytes, encodeCassetteText, parseCassette, type DecodedText } from '../cassettes/formats/index.js';
import { describeEncodedLeak, describeLeak, findEncodedLeaks, findTokenRegions, replaceRegions, SecretScanner, type LeakFinding, type Secret, type TokenFinding, type TokenRegion } from '../cassettes/leaks.js';
import type { Cassette } from '../cassettes/model.js';
import { describePoison, findPoison, type StatusMatcher } from '../cassettes/poison.js';
import { temporaryName } from './confined-files.js';
import { putBack } from './vault.js';

/** Recordings larger than this are never read whole: kept as a change, scanned for leaks in chunks. */
export const MAX_COMPARABLE_BYTES = 256 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024 * 1024;
/** Longest token shape we look for, with room: how much token-scan chunks overlap. */
const TOKEN_OVERLAP = 1024;

export interface InspectSettings {
  diff: DiffOptions;
  isPoison: StatusMatcher;
  secrets: readonly Secret[];
  onLeak: 'fail' | 'redact';
  placeholder: string;
  /** Origins rewritten in new recordings before anything else looks at them. */
  hostMap: ReadonlyArray<{ from: string; to: string }>;
  /**
   * Look for token shapes `audit` knows (sk_live_..., ghp_..., AKIA..., JWTs, Bearer tokens) in new
   * recordings, whether or not a key is configured. Default true.
   */
  tokenScan?: boolean;
  /** Default MAX_COMPARABLE_BYTES; lower in tests. */
  maxComparableBytes?: number;
  /** Chunk size for scanning recordings over the cap; default 16 MiB, lower in tests. */
  chunkBytes?: number;
}

export interface RecordedCassette {
  /** Absolute path of the new recording. */
  cassette: string;
  /** Path of a copy of its bytes before the run, if it existed. */
  original: string | null;
  /** No journal named it: the test wrote it beside the cassettes (it may be the project's own data). */
  unnamed?: boolean;
}

export interface Inspection {
  /** Set when the file must fail: every cassette it touched is then restored. */
  failure: string | undefined;
  /**
   * The failure would come back on a retry (a secret in the recording, an error status the old
   * recording did not have and that no wait cures): not retried against the API.
   */
  final?: boolean;
  /** The poison statuses behind the failure, when it is one. */
  poisonStatuses?: number[];
  /** Real drift, per cassette (relative paths): changed or added. */
  drift: CassetteDiff[];
  /** Cassettes whose new recording was only noise and got their old bytes back. */
  noiseOnly: string[];
  warnings: string[];
}

/**
 * What the run should say once (not per file) when no key is configured: the key scan is then off,
 * and only token shapes are looked for. Undefined when a secret is configured.
 */
export function keyScanNotice(settings: Pick<InspectSettings, 'secrets' | 'tokenScan'>): string | undefined {
  if (settings.secrets.some((secret) => secret.value.length > 0)) return undefined;
  const tokens = settings.tokenScan === false ? 'nor for token shapes' : 'only for token shapes such as sk_live_..., ghp_..., AKIA... and JWTs';
  return `no API key configured (api-key-env / extra-secrets): new recordings are not scanned for your key, ${tokens}`;
}

export async function inspectRecordings(
  recorded: readonly RecordedCassette[],
  settings: InspectSettings,
  relative: (absolutePath: string) => string,
): Promise<Inspection> {
  const result: Inspection = { failure: undefined, drift: [], noiseOnly: [], warnings: [] };
  const reverts: RecordedCassette[] = [];
  const cap = settings.maxComparableBytes ?? MAX_COMPARABLE_BYTES;
  for (const entry of recorded) {
    const name = relative(entry.cassette);
    const inName = secretInPath(name, settings);
    if (inName) return { ...result, failure: inName, final: true };
    if ((await stat(entry.cassette)).size > cap) {
      const failure = await inspectLarge(entry, name, settings, cap, result);
      if (failure) return { ...result, failure };
      continue;
    }
    const checked = await checkNewBytes(entry, name, settings, cap);
    if ('failure' in checked) return { ...result, failure: checked.failure, final: true };
    result.warnings.push(...checked.warnings);
    const next = readOrWarn(checked.bytes, name, result.warnings);
    if (!next) {
      result.drift.push(uncomparableDiff(name, 'the new recording could not be read (kept as recorded)'));
      continue;
    }
    const oldBytes = entry.original ? await readSmall(entry.original, cap) : undefined;
    if (oldBytes === 'too large') {
      result.drift.push(uncomparableDiff(name, `the old recording is over ${formatBytes(cap)}`));
      continue;
    }
    const old = oldBytes ? readOrWarn(oldBytes, `${name} (before)`, result.warnings) : undefined;
    const poison = findPoison(old, next, settings.isPoison);
    if (poison.length > 0) {
      const statuses = poison.map((finding) => finding.status);
      // A 5xx, a 408 or a 429 may pass on the next try; any other 4xx answers the same request the same way.
      const final = statuses.every((status) => status >= 400 && status < 500 && status !== 408 && status !== 429);
      return { ...result, failure: `${describePoison(poison)} in ${name}`, final, poisonStatuses: statuses };
    }
    if (oldBytes && !old) {
      // The old file is unreadable: nothing to compare with, so whatever was recorded is a change.
      result.drift.push(uncomparableDiff(name, 'the old recording could not be read'));
      continue;
    }
    const diff = diffCassettes(name, old, next, settings.diff);
    if (diff.status === 'noise-only' && entry.original) reverts.push(entry);
    else if (diff.status !== 'noise-only') result.drift.push(diff);
  }
  // Only once every cassette passed: a failing file restores everything anyway.
  for (const entry of reverts) {
    await putBack(entry.original!, entry.cassette);
    result.noiseOnly.push(relative(entry.cassette));
  }
  return result;
}

/** A new recording whose path spells a secret would be committed under that name: refused, and named only redacted. */
function secretInPath(name: string, settings: InspectSettings): string | undefined {
  const scanner = new SecretScanner(settings.secrets);
  const found = scanner.find(name);
  if (found.length === 0) return undefined;
  const secrets = [...new Set(found.map((finding) => `${finding.secret} (${finding.encoding})`))].join(', ');
  return `the new recording ${scanner.redact(name, settings.placeholder).text} has ${secrets} in its path: a secret is never written as a file name; it was removed`;
}

type Checked = { bytes: Buffer; warnings: string[] } | { failure: string };

/** Host rewrite, then leaks and new tokens: fail, or redact and write back. Returns the bytes kept. */
async function checkNewBytes(entry: RecordedCassette, name: string, settings: InspectSettings, cap: number): Promise<Checked> {
  const warnings: string[] = [];
  const original = await readFile(entry.cassette);
  const decoded = decodeCassetteBytes(original);
  let text = decoded.text;
  for (const { from, to } of settings.hostMap) text = text.split(asScanned(from, decoded)).join(asScanned(to, decoded));
  const scanner = new SecretScanner(settings.secrets, decoded.encoding);
  const leaks = scanner.regions(text);
  // A key inside a compressed or encoded body cannot be redacted in place: it always fails the file.
  const encoded = findEncodedLeaks(text, settings.secrets);
  if (encoded.length > 0) return { failure: `leaked secret: ${encoded.slice(0, 3).map((leak) => describeEncodedLeak(name, leak)).join('; ')} (a compressed or encoded body cannot be redacted in place)` };
  const tokens = settings.tokenScan === false ? [] : await newTokens(text, entry.original, cap);
  if (settings.onLeak === 'fail' && (leaks.length > 0 || tokens.length > 0)) {
    return { failure: leakFailure(name, scanner.find(text), tokens) };
  }
  if (leaks.length > 0 || tokens.length > 0) {
    const regions = mergeRegions([...leaks, ...tokens]);
    text = replaceRegions(text, regions, asScanned(settings.placeholder, decoded)).text;
    if (leaks.length > 0) warnings.push(`redacted ${leaks.length} secret occurrence(s) in ${name}`);
    if (tokens.length > 0) warnings.push(`redacted ${tokens.length} new token(s) in ${name}: ${describeTokens(name, tokens)}`);
  }
  if (text === decoded.text) return { bytes: original, warnings };
  const bytes = encodeCassetteText({ text, encoding: decoded.encoding });
  await writeAtomically(entry.cassette, bytes);
  return { bytes, warnings };
}

/** A string as it appears in text decoded from bytes: its UTF-8 bytes one per character when the file is not UTF-8. */
function asScanned(value: string, decoded: DecodedText): string {
  return decoded.encoding === 'utf-8' ? value : Buffer.from(value, 'utf8').toString('latin1');
}

/**
 * Token shapes in the new recording that the old one did not hold: a new live-looking credential.
 * One the old recording already held is not news (audit reports it), and a fake token a suite keeps
 * on purpose must not fail every re-record.
 */
async function newTokens(text: string, original: string | null, cap: number): Promise<TokenRegion[]> {
  const tokens = findTokenRegions(text);
  if (tokens.length === 0 || !original) return tokens;
  const old = await readSmall(original, cap);
  if (old === undefined || old === 'too large') return tokens;
  const oldText = decodeCassetteBytes(old).text;
  return tokens.filter((token) => !oldText.includes(text.slice(token.start, token.end)));
}

function leakFailure(name: string, leaks: readonly LeakFinding[], tokens: readonly TokenFinding[]): string {
  const parts: string[] = [];
  if (leaks.length > 0) parts.push(`leaked secret: ${leaks.slice(0, 3).map((leak) => describeLeak(name, leak)).join('; ')}`);
  if (tokens.length > 0) parts.push(`new token in the recording: ${describeTokens(name, tokens)}`);
  return parts.join('; ');
}

function describeTokens(name: string, tokens: readonly TokenFinding[]): string {
  const shown = tokens.slice(0, 3).map((token) => `${name}:${token.line}: looks like a ${token.kind}`);
  return `${shown.join('; ')}${tokens.length > 3 ? ` (+${tokens.length - 3} more)` : ''}`;
}

function mergeRegions(regions: Array<{ start: number; end: number }>): Array<{ start: number; end: number }> {
  const sorted = [...regions].sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const region of sorted) {
    const last = merged.at(-1);
    if (last && region.start < last.end) last.end = Math.max(last.end, region.end);
    else merged.push({ start: region.start, end: region.end });
  }
  return merged;
}

/**
 * A recording over the cap: never one giant string. Host rewriting and redaction would need the
 * whole text, so a host map or a leak (or a new token) with one fails the file; otherwise it is
 * kept as a change that was not compared. Leaks and tokens are looked for chunk by chunk, the
 * chunks overlapping by more than the longest spelling.
 */
async function inspectLarge(entry: RecordedCassette, name: string, settings: InspectSettings, cap: number, result: Inspection): Promise<string | undefined> {
  const scanner = new SecretScanner(settings.secrets, 'bytes');
  const overlap = Math.max(scanner.longest * 2 + 256, TOKEN_OVERLAP);
  let leaks = 0;
  let tokens = 0;
  await forEachChunk(entry.cassette, settings.chunkBytes ?? CHUNK_BYTES, overlap, (text, isLast) => {
    const limit = isLast ? text.length : text.length - overlap;
    leaks += scanner.regions(text).filter((region) => region.start < limit).length;
    if (settings.tokenScan !== false) tokens += findTokenRegions(text).filter((token) => token.start < limit).length;
  });
  const what = `${name} is over ${formatBytes(cap)}`;
  if (leaks > 0) return `leaked secret: ${leaks} occurrence(s) in ${what}, too large to redact in place`;
  if (tokens > 0) return `${tokens} token-shaped string(s) in ${what}, too large to compare with the old recording or redact`;
  if (settings.hostMap.length > 0) result.warnings.push(`record-host-map not applied to ${what}`);
  result.drift.push(uncomparableDiff(name, `the new recording is over ${formatBytes(cap)}`));
  return undefined;
}

/** Calls `visit` with each chunk of the file as latin1 text (one character per byte), overlapping. */
async function forEachChunk(file: string, chunk: number, overlap: number, visit: (text: string, isLast: boolean) => void): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(chunk + overlap);
    for (let position = 0; position < size; position += chunk) {
      const length = Math.min(chunk + overlap, size - position);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      visit(buffer.toString('latin1', 0, bytesRead), position + chunk >= size);
    }
  } finally {
    await handle.close();
  }
}

async function readSmall(file: string, cap: number): Promise<Buffer | 'too large'> {
  if ((await stat(file)).size > cap) return 'too large';
  return readFile(file);
}

async function writeAtomically(file: string, bytes: Buffer): Promise<void> {
  // A short sibling name: a cassette's own name may already be as long as a name can be.
  const temporary = path.join(path.dirname(file), temporaryName());
  await writeFile(temporary, bytes);
  await rename(temporary, file);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MiB` : `${bytes} bytes`;
}

function readOrWarn(bytes: Buffer, name: string, warnings: string[]): Cassette | undefined {
  try {
    return parseCassette(bytes, name);
  } catch (error) {
    warnings.push(`${(error as Error).message}; kept as recorded, not compared`);
    return undefined;
  }
}
