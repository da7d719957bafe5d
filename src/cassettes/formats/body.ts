// Body text, bytes or parsed JSON from any format -> the model's Body.
import type { Body } from '../model.js';

/** JSON media types: application/json, text/json, application/problem+json, ... */
const JSON_TYPE = /[/+]json\b/i;
/** In a `u` regex a well-formed surrogate pair is one code point, so this finds only lone halves. */
const LONE_SURROGATE = /\p{Cs}/u;

export function emptyBody(): Body {
  return { kind: 'empty' };
}

/**
 * Text as recorded. JSON when it parses and either the content type says JSON or it looks like an
 * object or array (so a plain "42" under text/plain stays text); binary when it cannot be UTF-8.
 */
export function textBody(text: string, contentType?: string): Body {
  if (text === '') return emptyBody();
  if (LONE_SURROGATE.test(text)) return { kind: 'binary', base64: Buffer.from(text, 'utf8').toString('base64') };
  if (looksLikeJson(text, contentType)) {
    try {
      return { kind: 'json', value: JSON.parse(text) as unknown, text };
    } catch {
      // Not JSON after all: plain text.
    }
  }
  return { kind: 'text', text };
}

function looksLikeJson(text: string, contentType: string | undefined): boolean {
  if (contentType !== undefined && JSON_TYPE.test(contentType)) return true;
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[';
}

/** Base64 as stored (Ruby and R wrap it at 60/80 columns: the line breaks are not data). */
export function base64Body(base64: string): Body {
  const compact = base64.replace(/\s+/g, '');
  return compact === '' ? emptyBody() : { kind: 'binary', base64: compact };
}

export function bytesBody(bytes: Uint8Array): Body {
  return bytes.length === 0 ? emptyBody() : { kind: 'binary', base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
}

/** A body some format stored already parsed (nock's JSON responses); `text` is re-serialised. */
export function parsedJsonBody(value: unknown): Body {
  return { kind: 'json', value, text: JSON.stringify(value) };
}

/**
 * Any stored body value: a string (classified as above), bytes (YAML !!binary), a number or
 * boolean (YAML typed an unquoted body), or a structure (a serialiser that stored parsed JSON).
 */
export function bodyFromValue(value: unknown, contentType?: string): Body {
  if (value === undefined || value === null) return emptyBody();
  if (typeof value === 'string') return textBody(value, contentType);
  if (value instanceof Uint8Array) return bytesBody(value);
  if (typeof value === 'number' || typeof value === 'boolean') return textBody(String(value), contentType);
  return parsedJsonBody(value);
}
