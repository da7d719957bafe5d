// Any cassette text -> the one interaction model. The format is told by the content's shape, not
// the file name (a name may be "x.yml (before)"); the extension only picks which syntax to try first.
import { isUtf8 } from 'node:buffer';
import { CassetteParseError, type Cassette, type CassetteFormat, type TextEncoding } from '../model.js';
import { HAR_LIST_PATH, readHar } from './har.js';
import { readNock } from './nock.js';
import { isRecord, type ReadContext } from './shape.js';
import { parseJsonText, parseYamlText, type ParsedText, type Syntax } from './syntax.js';
import { readVcr, VCR_LIST_KEY } from './vcr.js';
import { readVcrpy, VCRPY_LIST_KEY } from './vcrpy.js';

export type { Syntax } from './syntax.js';

/** Which format parsed data is in, by its shape; undefined when it is no cassette we know. */
export function detectFormat(data: unknown): CassetteFormat | undefined {
  if (Array.isArray(data)) {
    const [first] = data;
    return first === undefined || (isRecord(first) && ('scope' in first || 'path' in first)) ? 'nock' : undefined;
  }
  if (!isRecord(data)) return undefined;
  if (VCR_LIST_KEY in data) return 'vcr';
  if (VCRPY_LIST_KEY in data) return 'vcrpy';
  if (isRecord(data.log) && 'entries' in data.log) return 'har';
  return undefined;
}

/** Where each format keeps its interaction list, as object keys from the root. */
const LIST_PATHS: Record<CassetteFormat, readonly string[]> = {
  vcr: [VCR_LIST_KEY],
  vcrpy: [VCRPY_LIST_KEY],
  nock: [],
  har: HAR_LIST_PATH,
};

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

/**
 * A file's bytes as text without losing any: UTF-8 when they are valid UTF-8 (which re-encodes to
 * the same bytes), else one character per byte (latin1), which also round-trips exactly. Never the
 * lossy UTF-8 decode that turns every invalid byte into U+FFFD: two different Latin-1 bodies would
 * then read the same, and writing the text back would destroy the bytes.
 */
export function decodeCassetteBytes(bytes: Uint8Array): DecodedText {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? { text: buffer.toString('utf8'), encoding: 'utf-8' } : { text: buffer.toString('latin1'), encoding: 'bytes' };
}

/** The bytes of text decoded by decodeCassetteBytes, after an edit: exactly the original bytes where untouched. */
export function encodeCassetteText(decoded: DecodedText): Buffer {
  return Buffer.from(decoded.text, decoded.encoding === 'utf-8' ? 'utf8' : 'latin1');
}

/**
 * Parses a cassette of any supported format, from its bytes (preferred: see decodeCassetteBytes) or
 * from text already decoded. Throws only CassetteParseError, naming `file` and, where known, the
 * line: for bad syntax, a shape we do not know, or an unusable interaction.
 */
export function parseCassette(content: string | Uint8Array, file: string): Cassette {
  try {
    const { text, encoding } = typeof content === 'string' ? { text: content, encoding: 'utf-8' as const } : readableText(content, file);
    const parsed = parseText(stripBom(text), file);
    const format = detectFormat(parsed.data);
    if (format === undefined) throw new CassetteParseError(file, `not a cassette we know: ${describeShape(parsed.data)}`);
    const ctx: ReadContext = { file, encoding, lines: parsed.elementLines(LIST_PATHS[format]) };
    return readFormat(format, parsed.data, ctx);
  } catch (error) {
    if (error instanceof CassetteParseError) throw error;
    throw new CassetteParseError(file, `could not read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A format's top-level keys as they open a line of YAML or a member of JSON, for text that does not parse. */
const CLAIMS: ReadonlyArray<[CassetteFormat, RegExp]> = [
  ['vcr', new RegExp(`^${VCR_LIST_KEY}\\s*:|"${VCR_LIST_KEY}"\\s*:`, 'm')],
  ['vcrpy', new RegExp(`^${VCRPY_LIST_KEY}\\s*:|"${VCRPY_LIST_KEY}"\\s*:`, 'm')],
  ['har', /"log"\s*:[^]*"entries"\s*:/],
  ['nock', /^\s*\[[^]*"scope"\s*:/],
];

/**
 * The format a file that does not parse as a cassette claims to be in: its shape when its syntax
 * reads, else a format's top-level key in its text; undefined when it claims none (another tool's
 * file sharing the cassette folder). Tells a broken cassette from a file that never was one.
 */
export function claimedFormat(content: string | Uint8Array, file: string): CassetteFormat | undefined {
  const text = stripBom(typeof content === 'string' ? content : decodeCassetteBytes(content).text);
  let data: unknown;
  try {
    data = parseText(text, file).data;
  } catch {
    return CLAIMS.find(([, pattern]) => pattern.test(text))?.[0];
  }
  return detectFormat(data);
}

function readFormat(format: CassetteFormat, data: unknown, ctx: ReadContext): Cassette {
  if (format === 'nock') return readNock(data as unknown[], ctx);
  const fields = data as Record<string, unknown>;
  if (format === 'vcr') return readVcr(fields, ctx);
  if (format === 'vcrpy') return readVcrpy(fields, ctx);
  return readHar(fields, ctx);
}

/** The syntax to try first: JSON for .json/.har names or text opening with { or [, else YAML. */
export function guessSyntax(text: string, file: string): Syntax {
  const extension = /\.(json|har|ya?ml)(?![\w.])/i.exec(file)?.[1]?.toLowerCase();
  if (extension === 'json' || extension === 'har') return 'json';
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

function parseText(text: string, file: string): ParsedText {
  if (guessSyntax(text, file) === 'yaml') return parseYamlText(text, file);
  try {
    return parseJsonText(text, file);
  } catch (error) {
    // JSON-looking text in a .yml file may still be YAML (flow style, unquoted keys).
    if (/\.ya?ml(?![\w.])/i.test(file)) return parseYamlText(text, file);
    throw error;
  }
}

/** Each byte that is no part of valid UTF-8 becomes one private-use character: U+F700 + the byte. */
const STRAY_BYTE_BASE = 0xf700;
const STRAY_RANGE = /[\uf700-\uf7ff]/;

/**
 * Text to parse: UTF-8 when valid; else valid sequences decoded and every stray byte mapped to its
 * own private-use character. Unlike latin1 this keeps the text printable for YAML (latin1 would turn
 * UTF-8 continuation bytes into C1 controls, which YAML refuses), and unlike the lossy decode it is
 * one-to-one: two bodies that differ in one byte still differ. A file that already holds characters
 * of that private range is refused rather than compared ambiguously.
 */
function readableText(bytes: Uint8Array, file: string): DecodedText {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buffer)) return { text: buffer.toString('utf8'), encoding: 'utf-8' };
  const parts: string[] = [];
  const flush = (from: number, to: number) => {
    if (from >= to) return;
    const run = buffer.toString('utf8', from, to);
    if (STRAY_RANGE.test(run)) {
      throw new CassetteParseError(file, 'holds bytes that are not UTF-8 next to characters U+F700-U+F7FF: cannot be compared byte for byte');
    }
    parts.push(run);
  };
  let runStart = 0;
  let at = 0;
  while (at < buffer.length) {
    const length = utf8SequenceLength(buffer, at);
    if (length > 0) {
      at += length;
      continue;
    }
    flush(runStart, at);
    parts.push(String.fromCharCode(STRAY_BYTE_BASE + buffer[at]!));
    at += 1;
    runStart = at;
  }
  flush(runStart, at);
  return { text: parts.join(''), encoding: 'bytes' };
}

/** Length of the well-formed UTF-8 sequence at `at` (RFC 3629: no overlongs, no surrogates), or 0. */
function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at]!;
  if (first < 0x80) return 1;
  const cont = (offset: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[at + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (first >= 0xc2 && first <= 0xdf) return cont(1) ? 2 : 0;
  if (first === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (first === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (first >= 0xe1 && first <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (first === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (first >= 0xf1 && first <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (first === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** U+FEFF as UTF-8 text, or its three bytes EF BB BF as read one per character. */
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describeShape(data: unknown): string {
  const expected = 'expected http_interactions (vcr), interactions (vcrpy), log.entries (HAR) or a nock array';
  if (data === null || data === undefined) return `the file is empty; ${expected}`;
  if (isRecord(data)) {
    const keys = Object.keys(data);
    const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ', ...' : '');
    return `${expected}, found ${keys.length === 0 ? 'an empty mapping' : `keys ${shown}`}`;
  }
  return `${expected}, found ${Array.isArray(data) ? 'a list of something else' : `a ${typeof data}`}`;
}
