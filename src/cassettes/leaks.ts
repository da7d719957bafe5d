// Leak scanning: `core.setSecret` masks logs, not files, so a re-record can write the API key into a
// cassette (a header, a query string, an echoed body, Basic auth). We look for every secret in every
// spelling a recorder may have written it in, and (for `rerecord audit`) for well-known token shapes.
// Pure: text in, findings out. Findings name a secret, never carry its value.
import { decodedPayloads } from './encoded-bodies.js';

export interface Secret {
  /** How findings name it, e.g. 'api-key', 'extra-secrets[2]'. */
  name: string;
  value: string;
}

export const ENCODINGS = ['raw', 'url-encoded', 'json-escaped', 'base64', 'base64url', 'base64-wrapped', 'hex'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface Spelling {
  encoding: Encoding;
  text: string;
}

export interface LeakFinding {
  /** The secret's name only, never its value. */
  secret: string;
  encoding: Encoding;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (JavaScript string positions). */
  column: number;
}

export interface TokenFinding {
  kind: TokenKind;
  line: number;
  column: number;
}

/** A token finding with its offsets in the text scanned (end exclusive): for redaction and comparison, never shown. */
export interface TokenRegion extends TokenFinding {
  start: number;
  end: number;
}

/**
 * Secrets shorter than this are not scanned for at all: nobody issues a 5-character API key, and a
 * value that short turns up by chance in ordinary text (and in every base64 blob), so each hit would
 * be noise that fails a good recording.
 */
export const MIN_SECRET_LENGTH = 6;

/**
 * Spellings shorter than this are dropped, because short base64 fragments match random
 * base64 data. A secret of 6 or 7 characters still keeps the spellings at least as long as
 * itself: its raw, URL-encoded and JSON-escaped forms say no less than the secret does.
 */
export const MIN_SPELLING_LENGTH = 8;

/** Every way `value` can appear in a cassette, deduplicated; empty for a too-short secret. */
export function secretSpellings(value: string): Spelling[] {
  if (value.length < MIN_SECRET_LENGTH) return [];
  const floor = Math.min(MIN_SPELLING_LENGTH, value.length);
  const seen = new Set<string>();
  const spellings: Spelling[] = [];
  for (const spelling of candidateSpellings(value)) {
    if (spelling.text.length < floor || seen.has(spelling.text)) continue;
    seen.add(spelling.text);
    spellings.push(spelling);
  }
  return spellings;
}

function candidateSpellings(value: string): Spelling[] {
  const bytes = Buffer.from(value, 'utf8');
  const hex = bytes.toString('hex');
  return [
    { encoding: 'raw', text: value },
    ...urlSpellings(value).map((text) => ({ encoding: 'url-encoded' as const, text })),
    ...jsonSpellings(value).map((text) => ({ encoding: 'json-escaped' as const, text })),
    ...[0, 1, 2].map((filler) => ({ encoding: 'base64' as const, text: alignedBase64(bytes, filler, 'base64') })),
    ...[0, 1, 2].map((filler) => ({ encoding: 'base64url' as const, text: alignedBase64(bytes, filler, 'base64url') })),
    // Hex dumps and hex-encoded bodies (nock's binary responses), in both cases.
    { encoding: 'hex', text: hex },
    { encoding: 'hex', text: hex.toUpperCase() },
  ];
}

/** `%2f` next to `%2F`: percent-encoding's hex digits may come in either case (RFC 3986 2.1). */
const lowerEscapes = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());

function urlSpellings(value: string): string[] {
  const component = encodeURIComponent(value);
  const forms = [
    component,
    // HTML forms (and most HTTP clients' form encoders) write spaces as `+`.
    component.replace(/%20/g, '+'),
    // URLSearchParams, Python's urlencode and friends also escape !'()~.
    new URLSearchParams([['k', value]]).toString().slice(2),
  ];
  return [...forms, ...forms.map(lowerEscapes)];
}

const unicodeEscape = (char: string, upper: boolean) => {
  const hex = char.charCodeAt(0).toString(16).padStart(4, '0');
  return `\\u${upper ? hex.toUpperCase() : hex}`;
};

function jsonSpellings(value: string): string[] {
  const escaped = JSON.stringify(value).slice(1, -1);
  const forms = [
    escaped,
    // PHP's json_encode and some Java serialisers escape slashes.
    escaped.replace(/\//g, '\\/'),
  ];
  for (const upper of [false, true]) {
    forms.push(
      // Python's json.dumps (ensure_ascii) writes every non-ASCII character as \uxxxx; Java and .NET
      // serialisers write \uXXXX.
      escaped.replace(/[^\x20-\x7e]/g, (char) => unicodeEscape(char, upper)),
      // Go's encoding/json escapes <, > and & for HTML safety (\u003c); others write \u003C.
      escaped.replace(/[<>&]/g, (char) => unicodeEscape(char, upper)),
      // Every character escaped: obfuscating serialisers and some JavaScript minifiers.
      [...value].map((char) => [...char].map((unit) => unicodeEscape(unit, upper)).join('')).join(''),
    );
  }
  // Escaped once more: JSON kept inside a YAML double-quoted or JSON string (`\\u00EF` in the file),
  // as vcrpy and Ruby VCR write a JSON body.
  const twice = forms.filter((form) => /[\\"]/.test(form)).map((form) => JSON.stringify(form).slice(1, -1));
  return [...forms, ...twice];
}

/**
 * The base64 characters fully determined by the secret when it sits `filler` bytes into a larger
 * encoded blob (Basic auth is base64("user:" + key)). Each character carries 6 bits: the leading ones
 * mixing filler bits and the trailing ones mixing whatever follows are dropped.
 */
function alignedBase64(bytes: Buffer, filler: number, alphabet: 'base64' | 'base64url'): string {
  const encoded = Buffer.concat([Buffer.alloc(filler), bytes]).toString(alphabet);
  const first = Math.ceil((8 * filler) / 6);
  const end = Math.floor((8 * (filler + bytes.length)) / 6);
  return encoded.slice(first, end);
}

interface Pattern {
  secret: string;
  encoding: Encoding;
  text: string;
}

interface Hit {
  start: number;
  end: number;
  secret: string;
  encoding: Encoding;
}

/** Every place a secret shows up, in text order; overlapping spellings count once (see `mergeHits`). */
/** A secret inside a body the cassette keeps encoded (base64, hex; gzip, deflate, br): where the encoded run starts, and how it was stored. */
export interface EncodedLeak {
  secret: string;
  line: number;
  how: string;
}

/**
 * Secrets no spelling scan of the file can see: inside bodies stored compressed or encoded. One
 * finding per secret and encoded run.
 */
export function findEncodedLeaks(text: string, secrets: readonly Secret[]): EncodedLeak[] {
  const scanner = new SecretScanner(secrets);
  if (scanner.empty) return [];
  const payloads = decodedPayloads(text).sort((a, b) => a.offset - b.offset);
  const lines = locate(text, payloads.map((payload) => payload.offset));
  return payloads.flatMap((payload, index) =>
    [...new Set(scanner.find(payload.text).map((finding) => finding.secret))].map((secret) => ({ secret, line: lines[index]!.line, how: payload.how })),
  );
}

export function describeEncodedLeak(file: string, leak: EncodedLeak): string {
  return `${file}:${leak.line}: ${leak.secret} inside a body stored as ${leak.how}`;
}

export function findLeaks(text: string, secrets: readonly Secret[]): LeakFinding[] {
  return scannerFor(secrets).find(text);
}

/** Replaces every spelling of every secret; `count` is the number of places replaced (= findLeaks length). */
export function redactLeaks(text: string, secrets: readonly Secret[], placeholder: string): { text: string; count: number } {
  return scannerFor(secrets).redact(text, placeholder);
}

/**
 * Callers scan many texts with the same secrets list (every cassette of an audit): work out the
 * spellings and their groups once per list. Keyed by the list and its values, so a list changed in
 * place is not served stale spellings.
 */
const scanners = new WeakMap<readonly Secret[], { key: string; scanner: SecretScanner }>();
function scannerFor(secrets: readonly Secret[]): SecretScanner {
  const key = JSON.stringify(secrets.map((secret) => [secret.name, secret.value]));
  const cached = scanners.get(secrets);
  if (cached?.key === key) return cached.scanner;
  const scanner = new SecretScanner(secrets);
  scanners.set(secrets, { key, scanner });
  return scanner;
}

/** A region of a text that holds a secret (end exclusive), named but never carrying its value. */
export interface LeakRegion {
  start: number;
  end: number;
  secret: string;
  encoding: Encoding;
}

/**
 * findLeaks and redactLeaks with the spellings worked out once, for callers that scan many texts (log
 * lines, chunks of a large file). `text` is either JavaScript text (`utf-8`, the default) or bytes
 * read one per character (`bytes`, latin1: see decodeCassetteBytes): the spellings are then looked
 * for as their UTF-8 bytes.
 */
export class SecretScanner {
  private readonly patterns: readonly Pattern[];
  private readonly groups: readonly AnchorGroup[];
  private readonly wrappable: readonly Pattern[];
  /** Secrets long enough to scan, as given: what a run of \u escapes is decoded and compared to. */
  private readonly values: readonly Secret[];
  /** Longest spelling, in characters of the scanned text: how much chunks must overlap. */
  readonly longest: number;

  constructor(secrets: readonly Secret[], encoding: 'utf-8' | 'bytes' = 'utf-8') {
    const asScanned = (text: string) => (encoding === 'utf-8' ? text : Buffer.from(text, 'utf8').toString('latin1'));
    const patterns = patternsOf(secrets);
    this.patterns = encoding === 'utf-8' ? patterns : patterns.map((pattern) => ({ ...pattern, text: asScanned(pattern.text) }));
    // Spellings with every character \u-escaped are found by scanEscapeRuns, in one pass for all secrets.
    const scanned = this.patterns.filter((pattern) => !FULLY_ESCAPED.test(pattern.text));
    this.groups = anchorGroups(scanned, (pattern) => asScanned(secrets.find((secret) => secret.name === pattern.secret)?.value ?? ''));
    this.values = secrets.filter((secret) => secretSpellings(secret.value).length > 0);
    this.wrappable = this.patterns.filter((pattern) => pattern.encoding === 'base64' || pattern.encoding === 'base64url');
    this.longest = this.patterns.reduce((max, pattern) => Math.max(max, pattern.text.length), 0);
  }

  /** True when there is nothing to look for (no secret, or all too short). */
  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** Merged regions holding a secret, in text order. */
  regions(text: string): LeakRegion[] {
    if (this.patterns.length === 0) return [];
    return mergeHits([...scan(text, this.groups), ...scanEscapeRuns(text, this.values), ...scanWrapped(text, this.wrappable, this.longest)]);
  }

  find(text: string): LeakFinding[] {
    const regions = this.regions(text);
    const positions = locate(text, regions.map((region) => region.start));
    return regions.map((region, index) => ({ secret: region.secret, encoding: region.encoding, ...positions[index]! }));
  }

  redact(text: string, placeholder: string): { text: string; count: number } {
    return replaceRegions(text, this.regions(text), placeholder);
  }
}

/** `text` with each region (sorted, not overlapping) replaced by `placeholder`. */
export function replaceRegions(text: string, regions: readonly { start: number; end: number }[], placeholder: string): { text: string; count: number } {
  if (regions.length === 0) return { text, count: 0 };
  const parts: string[] = [];
  let from = 0;
  for (const region of regions) {
    parts.push(text.slice(from, region.start), placeholder);
    from = region.end;
  }
  parts.push(text.slice(from));
  return { text: parts.join(''), count: regions.length };
}

/** `tests/fixtures/x.yml:12: api-key (base64)`: where and which, never the value. */
export function describeLeak(file: string, finding: LeakFinding): string {
  return `${file}:${finding.line}: ${finding.secret} (${finding.encoding})`;
}

/** One pattern per distinct spelling: a value given under two names is reported under the first. */
function patternsOf(secrets: readonly Secret[]): Pattern[] {
  const seen = new Set<string>();
  const patterns: Pattern[] = [];
  for (const secret of secrets) {
    for (const spelling of secretSpellings(secret.value)) {
      if (seen.has(spelling.text)) continue;
      seen.add(spelling.text);
      patterns.push({ secret: secret.name, ...spelling });
    }
  }
  return patterns;
}

/** Spellings found through one shared substring: one pass over the text for all of them. */
interface AnchorGroup {
  anchor: string;
  members: ReadonlyArray<{ pattern: Pattern; offset: number }>;
}

/** Characters no URL or JSON escaping changes: a run of them in the secret is in every such spelling. */
const UNESCAPED_RUN = /[A-Za-z0-9_.-]+/g;
const MIN_ANCHOR = 8;
/**
 * Case twins share one pass only through a run this long: indexOf slows down on short needles
 * (measured: a 9-digit anchor costs 2.8x one 40-character hex spelling), so two long passes win.
 */
const MIN_TWIN_ANCHOR = 16;

/**
 * Groups spellings that share a substring, so that the text is scanned once per group rather than
 * once per spelling (the cost of a scan is the number of passes):
 * - raw, URL-encoded and JSON-escaped spellings of a secret all hold its longest run of characters
 *   that no escaping touches;
 * - case twins (hex, `\u` escapes, base64 and base64url at one alignment) differ only in a few
 *   letters: they share their longest run of equal characters.
 * A hit on the anchor is confirmed with startsWith for each member.
 */
function anchorGroups(patterns: readonly Pattern[], valueOf: (pattern: Pattern) => string): AnchorGroup[] {
  const groups: AnchorGroup[] = [];
  const left: Pattern[] = [];
  const bySecret = new Map<string, Pattern[]>();
  for (const pattern of patterns) bySecret.set(pattern.secret, [...(bySecret.get(pattern.secret) ?? []), pattern]);
  for (const own of bySecret.values()) {
    const value = valueOf(own[0]!);
    const anchor = (value.match(UNESCAPED_RUN) ?? []).reduce((longest, run) => (run.length > longest.length ? run : longest), '');
    const escapes = own.filter((pattern) => ['raw', 'url-encoded', 'json-escaped'].includes(pattern.encoding) && pattern.text.includes(anchor));
    if (anchor.length >= Math.min(MIN_ANCHOR, value.length) && escapes.length > 1) {
      groups.push({ anchor, members: escapes.map((pattern) => ({ pattern, offset: pattern.text.indexOf(anchor) })) });
      left.push(...own.filter((pattern) => !escapes.includes(pattern)));
    } else {
      left.push(...own);
    }
  }
  const used = new Set<Pattern>();
  for (const [index, pattern] of left.entries()) {
    if (used.has(pattern)) continue;
    used.add(pattern);
    const twin = left.slice(index + 1).find((other) => !used.has(other) && other.text.length === pattern.text.length && commonRun(pattern.text, other.text)[1] - commonRun(pattern.text, other.text)[0] >= MIN_TWIN_ANCHOR);
    if (!twin) {
      groups.push({ anchor: pattern.text, members: [{ pattern, offset: 0 }] });
      continue;
    }
    used.add(twin);
    const [start, end] = commonRun(pattern.text, twin.text);
    groups.push({ anchor: pattern.text.slice(start, end), members: [pattern, twin].map((member) => ({ pattern: member, offset: start })) });
  }
  return groups;
}

/** [start, end) of the longest run where two equally long strings have the same characters. */
function commonRun(a: string, b: string): [number, number] {
  let best: [number, number] = [0, 0];
  let start = 0;
  for (let i = 0; i <= a.length; i++) {
    if (i < a.length && a[i] === b[i]) continue;
    if (i - start > best[1] - best[0]) best = [start, i];
    start = i + 1;
  }
  return best;
}

/**
 * One indexOf loop per anchor group. Measured (CPU time, 50 MB of cassette-like YAML, 2-3 secrets)
 * against one combined RegExp of escaped alternatives: indexOf 0.75-1.4 GB/s for random hex/base62
 * keys, the RegExp 0.5-2.1 GB/s, swinging with the keys' characters; neither wins everywhere.
 * indexOf is predictable (V8's Boyer-Moore-Horspool, ~5-10 ms per pass per 50 MB) and finds
 * overlapping hits of different secrets, which one leftmost alternation would miss.
 */
function scan(text: string, groups: readonly AnchorGroup[]): Hit[] {
  const hits: Hit[] = [];
  for (const { anchor, members } of groups) {
    // Step by one, not by the anchor's length: overlapping repeats must all be covered when redacting.
    for (let at = text.indexOf(anchor); at !== -1; at = text.indexOf(anchor, at + 1)) {
      for (const { pattern, offset } of members) {
        const start = at - offset;
        if (start >= 0 && (pattern.text === anchor || text.startsWith(pattern.text, start))) {
          hits.push({ start, end: start + pattern.text.length, secret: pattern.secret, encoding: pattern.encoding });
        }
      }
    }
  }
  return hits;
}

const FULLY_ESCAPED = /^(?:\\u[0-9a-fA-F]{4})+$/;
const HEX_DIGIT = /^[0-9a-fA-F]{4}$/;

/**
 * Runs of `\uXXXX` escapes (either case), decoded and searched for each secret: one pass for every
 * secret's fully escaped spelling, instead of one pass per spelling and case.
 */
function scanEscapeRuns(text: string, secrets: readonly Secret[]): Hit[] {
  if (secrets.length === 0) return [];
  const shortest = secrets.reduce((min, secret) => Math.min(min, secret.value.length), Infinity);
  const hits: Hit[] = [];
  for (let at = text.indexOf('\\u'); at !== -1; at = text.indexOf('\\u', at + 1)) {
    let end = at;
    let decoded = '';
    while (text.startsWith('\\u', end) && HEX_DIGIT.test(text.slice(end + 2, end + 6))) {
      decoded += String.fromCharCode(Number.parseInt(text.slice(end + 2, end + 6), 16));
      end += 6;
    }
    if (decoded.length >= shortest) {
      for (const { name, value } of secrets) {
        for (let found = decoded.indexOf(value); found !== -1; found = decoded.indexOf(value, found + 1)) {
          hits.push({ start: at + found * 6, end: at + (found + value.length) * 6, secret: name, encoding: 'json-escaped' });
        }
      }
    }
    if (end > at) at = end - 1;
  }
  return hits;
}

/** The narrowest base64 wrap we look for (real ones: 60, 64, 76). */
const MIN_WRAP_COLUMN = 16;

/** A-Z a-z 0-9 + / and the URL-safe - _. */
function isBase64Char(char: string | undefined): boolean {
  if (char === undefined) return false;
  const code = char.charCodeAt(0);
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 43 || code === 47 || code === 45 || code === 95;
}

/**
 * Base64 wrapped across lines: Ruby's Base64.encode64 breaks every 60 characters, MIME every 76,
 * PEM every 64, and a YAML or JSON writer then stores the break as a real line break (plus the
 * indentation of a block scalar) or as an escaped `\n`. A key whose spelling straddles such a break
 * is found here: at each line break between base64 characters, the base64 characters on both sides
 * (crossing further breaks, for keys longer than a line) are joined and searched, and only hits
 * that straddle this break are kept (the others are found by `scan`). Cost: one pass over line
 * breaks, and a short window at each one that sits inside a base64 run.
 */
function scanWrapped(text: string, patterns: readonly Pattern[], longest: number): Hit[] {
  if (patterns.length === 0) return [];
  const shortest = patterns.reduce((min, pattern) => Math.min(min, pattern.text.length), Infinity);
  const hits: Hit[] = [];
  let lastEnd = -1;
  const visit = (at: number) => {
    // Fast path for the common line break right after text: not a full base64 line, not a wrap.
    if (isBase64Char(text[at - 1])) {
      for (let i = 2; i <= MIN_WRAP_COLUMN; i++) if (!isBase64Char(text[at - i])) return;
    }
    const [start, end] = separatorSpan(text, at);
    if (start <= lastEnd) return;
    lastEnd = end;
    if (start === 0 || end >= text.length || !isBase64Char(text[start - 1]) || !isBase64Char(text[end])) return;
    // A wrap point ends a full line of base64 (60, 64, 76 characters; never under 16): most line
    // breaks of a YAML or JSON cassette fail this before anything is allocated.
    for (let i = 1; i <= MIN_WRAP_COLUMN; i++) if (!isBase64Char(text[start - i])) return;
    const before = collect(text, start, -1, longest - 1);
    if (before.length === 0) return;
    const after = collect(text, end, 1, longest - 1);
    if (before.length + after.length < shortest) return;
    const offsets = [...before.reverse(), ...after];
    const window = offsets.map((offset) => text[offset]).join('');
    const split = before.length;
    for (const { secret, text: needle } of patterns) {
      for (let found = window.indexOf(needle); found !== -1; found = window.indexOf(needle, found + 1)) {
        if (found < split && found + needle.length > split) {
          hits.push({ start: offsets[found]!, end: offsets[found + needle.length - 1]! + 1, secret, encoding: 'base64-wrapped' });
        }
      }
    }
  };
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) visit(at);
  lastEnd = -1;
  for (let at = text.indexOf('\\n'); at !== -1; at = text.indexOf('\\n', at + 2)) visit(at);
  return hits;
}

/**
 * The run of line-break characters around `at`: real CR/LF, escaped `\n` / `\r`, a `\` ending a
 * line (YAML's double-quoted continuation), and the spaces and tabs of indentation.
 */
function separatorSpan(text: string, at: number): [number, number] {
  let start = at;
  let end = at;
  for (;;) {
    const width = separatorWidthBefore(text, start);
    if (width === 0) break;
    start -= width;
  }
  for (;;) {
    const width = separatorWidthAt(text, end);
    if (width === 0) break;
    end += width;
  }
  return [start, end];
}

function separatorWidthAt(text: string, at: number): number {
  const char = text[at];
  if (char === '\n' || char === '\r' || char === ' ' || char === '\t') return 1;
  if (char === '\\') {
    const next = text[at + 1];
    if (next === 'n' || next === 'r' || next === '\n') return 2;
    if (next === '\r' && text[at + 2] === '\n') return 3;
  }
  return 0;
}

function separatorWidthBefore(text: string, at: number): number {
  const char = text[at - 1];
  if (char === '\n' || char === '\r' || char === ' ' || char === '\t') return char === '\n' && text[at - 2] === '\\' ? 2 : 1;
  if ((char === 'n' || char === 'r') && text[at - 2] === '\\' && text[at - 3] !== '\\') return 2;
  return 0;
}

/**
 * Offsets of up to `limit` base64 characters from `from` in `direction`, crossing separator runs that
 * hold a line break, stopping at anything else (a space between words is no wrap).
 */
function collect(text: string, from: number, direction: 1 | -1, limit: number): number[] {
  const offsets: number[] = [];
  let at = direction === 1 ? from : from - 1;
  while (offsets.length < limit && at >= 0 && at < text.length) {
    const char = text[at]!;
    if (isBase64Char(char) && !(direction === -1 && (char === 'n' || char === 'r') && text[at - 1] === '\\' && text[at - 2] !== '\\')) {
      offsets.push(at);
      at += direction;
      continue;
    }
    const [start, end] = separatorSpan(text, at);
    if (!hasLineBreak(text, start, end)) break;
    at = direction === 1 ? end : start - 1;
  }
  return offsets;
}

function hasLineBreak(text: string, start: number, end: number): boolean {
  const span = text.slice(start, end);
  return span.includes('\n') || span.includes('\\n') || span.includes('\\r') || span.includes('\r');
}

/**
 * Overlapping hits become one region (redaction must cover their union), named after the hit that
 * starts first, the longest one at a tie (a secret that begins another one yields to it).
 */
function mergeHits(hits: Hit[]): Hit[] {
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const regions: Hit[] = [];
  for (const hit of hits) {
    const last = regions.at(-1);
    if (last && hit.start < last.end) last.end = Math.max(last.end, hit.end);
    else regions.push({ ...hit });
  }
  return regions;
}

/** Line and column of each ascending offset, counting newlines once from the top, not once per hit. */
function locate(text: string, offsets: readonly number[]): Array<{ line: number; column: number }> {
  let line = 1;
  let lineStart = 0;
  let next = text.indexOf('\n');
  return offsets.map((offset) => {
    while (next !== -1 && next < offset) {
      line += 1;
      lineStart = next + 1;
      next = text.indexOf('\n', lineStart);
    }
    return { line, column: offset - lineStart + 1 };
  });
}

// ---- Token shapes, for `rerecord audit`: credentials we were not told about. ----

export const TOKEN_KINDS = [
  'aws-access-key',
  'github-token',
  'jwt',
  'slack-token',
  'stripe-key',
  'google-api-key',
  'bearer-token',
] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/**
 * Each shape starts with a literal so V8 can skip quickly between candidates, and is bounded by
 * lookarounds so a prefix in the middle of a longer word or base64 blob does not count. Where a
 * shape has a capture group, the group is the token.
 */
const TOKEN_SHAPES: ReadonlyArray<{ kind: TokenKind; pattern: RegExp }> = [
  { kind: 'aws-access-key', pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g },
  // Classic tokens are the prefix plus 36 characters; allow longer for newer formats.
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g },
  { kind: 'github-token', pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{50,244}(?![A-Za-z0-9_])/g },
  // Header `{"` encodes to `eyJ`; a signature shorter than 16 characters is no real signature.
  { kind: 'jwt', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,}(?![A-Za-z0-9_-])/g },
  { kind: 'slack-token', pattern: /(?<![A-Za-z0-9])xox[abpr]-[0-9]+-[A-Za-z0-9-]{10,}/g },
  { kind: 'stripe-key', pattern: /(?<![A-Za-z0-9_])[rs]k_live_[A-Za-z0-9]{20,}(?![A-Za-z0-9_])/g },
  { kind: 'google-api-key', pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/g },
  // RFC 6750 b64token (group 1); 20+ characters with a letter and a digit, so prose ("Bearer authentication") stays out.
  { kind: 'bearer-token', pattern: /(?<![A-Za-z0-9_])[Bb]earer[ \t]+((?=[A-Za-z0-9._~+/-]*[0-9])(?=[A-Za-z0-9._~+/-]*[A-Za-z])[A-Za-z0-9._~+/-]{20,}=*)/g },
];

/**
 * Filtered-out values, not credentials: the placeholders recorders substitute (`<<<API_KEY>>>`,
 * `***`, `REDACTED`, `xxxx`), documentation examples (AWS's `AKIAIOSFODNN7EXAMPLE`) and runs of
 * one character.
 */
const PLACEHOLDER = /x{4}|\*{3}|<<<|>>>|redacted|example|placeholder|dummy|your_?token|(.)\1{7}/i;

/** Token-shaped strings anywhere in `text`, in text order; a bearer token that is also a known shape counts once, as that shape. */
export function findTokenShapes(text: string): TokenFinding[] {
  return findTokenRegions(text).map(({ kind, line, column }) => ({ kind, line, column }));
}

/** findTokenShapes with where each token sits. */
export function findTokenRegions(text: string): TokenRegion[] {
  const found: Array<{ kind: TokenKind; start: number; end: number }> = [];
  for (const { kind, pattern } of TOKEN_SHAPES) {
    for (const match of text.matchAll(pattern)) {
      const token = match[1] ?? match[0];
      const end = match.index + match[0].length;
      if (!PLACEHOLDER.test(token)) found.push({ kind, start: end - token.length, end });
    }
  }
  const kept = dropOverlaps(found);
  const positions = locate(text, kept.map((token) => token.start));
  return kept.map((token, index) => ({ kind: token.kind, ...positions[index]!, start: token.start, end: token.end }));
}

/** Where shapes overlap, keep the more specific one (`bearer-token` is the least specific). */
function dropOverlaps<T extends { kind: TokenKind; start: number; end: number }>(found: T[]): T[] {
  const rank = (token: T) => (token.kind === 'bearer-token' ? 1 : 0);
  found.sort((a, b) => a.start - b.start || rank(a) - rank(b));
  const kept: T[] = [];
  for (const token of found) {
    const last = kept.at(-1);
    if (!last || token.start >= last.end) kept.push(token);
    else if (rank(token) < rank(last)) kept[kept.length - 1] = token;
  }
  return kept;
}
