// Bodies opened before they are compared: what a cassette stores as bytes (base64, `!!binary`, hex)
// is often a gzip, deflate or brotli answer, or plain text a format chose to keep as bytes. Two
// recordings of the same answer then differ in their stored bytes (gzip headers carry a time,
// compression levels differ, vcr 1 writes base64 where vcr 2 writes gzip) while saying the same.
// Decoding is exact or not done at all: a body that cannot be decompressed in full, or would grow
// past the cap (a decompression bomb), stays bytes, compared byte for byte, and says why.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { textBody } from './formats/body.js';
import type { Body, Headers } from './model.js';

/** No body is decompressed past this: a larger one is compared as it is stored. */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;
/** gzip inside gzip happens (a server that compresses what is already compressed); more does not. */
const MAX_LAYERS = 3;

export interface DecodedBody {
  body: Body;
  /** The layers taken off, outermost first: `gzip`, `br`, `deflate`; empty when none. */
  layers: string[];
  /** Set when a layer could not be taken off: `body` is then the body as stored. */
  problem?: string;
}

type Codec = 'gzip' | 'deflate' | 'br';

/**
 * The body with every compression layer taken off (by Content-Encoding or by gzip/zlib magic
 * bytes), then read as text or JSON when the bytes are readable UTF-8. Text and JSON bodies come
 * back as they are. Never throws.
 */
export function decodeBody(body: Body, headers: Headers, maxBytes: number = MAX_DECODED_BYTES): DecodedBody {
  if (body.kind !== 'binary') return { body, layers: [] };
  const stored = Buffer.from(body.base64, 'base64');
  let bytes: Buffer = stored;
  const layers: string[] = [];
  // Content-Encoding lists codings in the order they were applied: the last one comes off first.
  const declared = contentEncodings(headers);
  while (layers.length < MAX_LAYERS) {
    let next = declared.pop();
    let codec = next === undefined ? undefined : declaredCodec(bytes, next);
    if (codec === undefined) {
      // The recorder already took off what the header names (vcrpy's decode_compressed_response),
      // or the format added its own layer (vcr 2's raw_gzip): the header says nothing more about
      // these bytes, their first bytes may.
      declared.length = 0;
      next = undefined;
      codec = magicCodec(bytes);
    }
    if (codec === undefined) break;
    const opened = decompress(bytes, codec, maxBytes);
    if (typeof opened === 'string') {
      // zlib's two magic bytes also start ordinary binary data; only a declared or gzip layer that
      // fails is a problem. Either way the bytes are compared as stored.
      if (codec === 'deflate' && next === undefined) break;
      return { body, layers: [], problem: `${codec} ${opened}` };
    }
    bytes = opened;
    layers.push(codec);
  }
  const text = readableText(bytes);
  if (text === undefined) return { body: layers.length === 0 ? body : { kind: 'binary', base64: bytes.toString('base64') }, layers };
  return { body: textBody(text, contentType(headers)), layers };
}

function contentEncodings(headers: Headers): string[] {
  const values = headerValues(headers, 'content-encoding');
  return values
    .flatMap((value) => value.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

function contentType(headers: Headers): string | undefined {
  return headerValues(headers, 'content-type')[0];
}

function headerValues(headers: Headers, name: string): string[] {
  const found: string[] = [];
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === name) found.push(...values);
  return found;
}

/** The declared coding when these bytes can be it. */
function declaredCodec(bytes: Buffer, declared: string): Codec | undefined {
  if (declared === 'gzip' || declared === 'x-gzip') return isGzip(bytes) ? 'gzip' : undefined;
  // `deflate` is zlib by the RFC, raw deflate from some servers: tried when the bytes are not readable text.
  if (declared === 'deflate') return isZlib(bytes) || readableText(bytes) === undefined ? 'deflate' : undefined;
  if (declared === 'br') return readableText(bytes) === undefined ? 'br' : undefined;
  return undefined;
}

/** What the first bytes say: gzip's 1f 8b 08, or a zlib header (brotli has no magic bytes). */
function magicCodec(bytes: Buffer): Codec | undefined {
  if (isGzip(bytes)) return 'gzip';
  if (isZlib(bytes)) return 'deflate';
  return undefined;
}

function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

function isZlib(bytes: Buffer): boolean {
  return bytes.length >= 2 && (bytes[0]! & 0x0f) === 8 && bytes[0]! >> 4 <= 7 && (bytes[0]! * 256 + bytes[1]!) % 31 === 0;
}

/** The decompressed bytes, or why not: a cut-off or corrupt stream fails whole (no partial output). */
function decompress(bytes: Buffer, codec: Codec, maxBytes: number): Buffer | string {
  const options = { maxOutputLength: maxBytes };
  try {
    switch (codec) {
      case 'gzip':
        return gunzipSync(bytes, options);
      case 'br':
        return brotliDecompressSync(bytes, options);
      case 'deflate':
        try {
          return inflateSync(bytes, options);
        } catch (error) {
          if (isTooLarge(error)) throw error;
          return inflateRawSync(bytes, options);
        }
    }
  } catch (error) {
    if (isTooLarge(error)) return `body not decompressed: larger than ${sizeText(maxBytes)} once decompressed`;
    return `body could not be decompressed (${(error as Error).message})`;
  }
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${bytes} bytes`;
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text when they are valid UTF-8 without control characters (other than tab and line breaks). */
function readableText(bytes: Buffer): string | undefined {
  if (bytes.length === 0) return '';
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 32 && code !== 9 && code !== 10 && code !== 13) || code === 0x7f) return undefined;
  }
  return text;
}
