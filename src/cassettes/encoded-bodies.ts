// Bodies that cassettes keep encoded, opened for the leak scan: a key the API echoed into a
// gzip-compressed answer is stored as base64 of the gzip bytes (vcrpy `!!binary`, Ruby VCR
// `base64_string`, vcr 2 `raw_gzip`, Polly/HAR `encoding: base64`) or as hex (nock), where no
// spelling of the key appears. Format-blind on purpose: every long run of base64 or hex, joined
// across the line breaks of a YAML block, is decoded, decompressed when it is gzip, zlib or (when
// the recording says `br`) brotli, and handed back for scanning, two levels deep.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface DecodedPayload {
  /** Where in the file the encoded run starts. */
  offset: number;
  /** How it was stored: `base64`, `gzip in base64`, `gzip in hex`, ... */
  how: string;
  text: string;
}

/** Shortest run worth decoding: shorter ones are identifiers, not bodies. */
const MIN_BASE64 = 24;
const MIN_HEX = 40;
/** No decompression bomb: a body that inflates past this is scanned as far as this. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 2;

// A continuation line is base64 to its end: the YAML key that follows a block (`headers:`) is not.
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}(?:[ \t]*\r?\n[ \t]*(?:-[ \t]+)?[A-Za-z0-9+/_-]{4,}={0,2}(?=[ \t]*(?:\r?\n|$)))*/g;
const HEX_RUN = /(?:[0-9a-fA-F]{2}){20,}/g;

export function decodedPayloads(text: string, depth = 0): DecodedPayload[] {
  const mayBeBrotli = /content-encoding[^\n]{0,40}\bbr\b/i.test(text);
  const found: DecodedPayload[] = [];
  const visit = (run: string, at: number, bytes: Buffer, kind: string) => {
    const opened = open(bytes, mayBeBrotli);
    // Plain base64 of readable text is scanned as well: a body stored encoded without compression.
    const payload = opened ?? (kind === 'base64' && looksLikeText(bytes) ? { how: '', bytes } : undefined);
    if (!payload) return;
    const decoded = payload.bytes.toString('utf8');
    const how = payload.how ? `${payload.how} in ${kind}` : kind;
    found.push({ offset: at, how, text: decoded });
    if (depth + 1 < MAX_DEPTH) for (const inner of decodedPayloads(decoded, depth + 1)) found.push({ offset: at, how: `${inner.how} in ${how}`, text: inner.text });
  };
  for (const match of text.matchAll(BASE64_RUN)) {
    // Joined across a YAML block's line breaks (and a block sequence's `- ` markers).
    const run = match[0].replace(/\r?\n[ \t]*-[ \t]+/g, '').replace(/\s+/g, '');
    if (run.length < MIN_BASE64 || /^[0-9a-fA-F]+$/.test(run)) continue;
    visit(run, match.index, Buffer.from(run.replace(/-/g, '+').replace(/_/g, '/'), 'base64'), 'base64');
  }
  for (const match of text.matchAll(HEX_RUN)) {
    if (match[0].length < MIN_HEX) continue;
    visit(match[0], match.index, Buffer.from(match[0], 'hex'), 'hex');
  }
  return found;
}

function open(bytes: Buffer, mayBeBrotli: boolean): { how: string; bytes: Buffer } | undefined {
  const options = { maxOutputLength: MAX_OUTPUT_BYTES, finishFlush: 2 /* Z_SYNC_FLUSH: a cut-off body still yields what it holds */ };
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return { how: 'gzip', bytes: gunzipSync(bytes, options) };
    if (bytes[0] === 0x78 && (bytes[0] * 256 + bytes[1]!) % 31 === 0) return { how: 'deflate', bytes: inflateSync(bytes, options) };
    if (mayBeBrotli) {
      const out = brotliDecompressSync(bytes, { maxOutputLength: MAX_OUTPUT_BYTES });
      if (out.length > 0 && looksLikeText(out)) return { how: 'br', bytes: out };
    }
  } catch {
    // Not what its first bytes suggested: nothing to scan.
  }
  return undefined;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without control characters: worth scanning as text (decoded noise rarely is). */
function looksLikeText(bytes: Buffer): boolean {
  if (bytes.length === 0) return false;
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return false;
  }
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || (code >= 0x7f && code <= 0x9f) || code === 0xfffd) return false;
  }
  return true;
}
