// R vcr 1.x/2.x and Ruby VCR: `http_interactions` with request/response/recorded_at.
// Their quirks: R 1.x status {status_code (number or string), reason, message}; R 2.x status a
// bare number (or {code, message}); Ruby status {code, message}, header values as lists, URIs with
// ports; bodies as `string` or `base64_string`; recorded_with per interaction (R 1.x) or top level.
// Fields not named here (Ruby's http_version, adapter_metadata, a body's encoding, ...) are kept as
// unread fields, which diff compares raw.
import type { Body, Cassette, Interaction, UnreadField } from '../model.js';
import { base64Body, bodyFromValue, emptyBody, parsedJsonBody } from './body.js';
import { toIsoDate } from './dates.js';
import { contentType, headersFromMap } from './headers.js';
import {
  collectUnread,
  interactionList,
  isRecord,
  optionalText,
  requiredRecord,
  requiredText,
  scalarText,
  statusCode,
  type Fields,
  type ReadContext,
} from './shape.js';

export const VCR_LIST_KEY = 'http_interactions';

const TOP_FIELDS = new Set([VCR_LIST_KEY, 'recorded_with']);
// recorded_at and recorded_with change on every recording without meaning anything.
const INTERACTION_FIELDS = new Set(['request', 'response', 'recorded_at', 'recorded_with']);
// parsed_body: custom serialisers that store JSON bodies parsed (see vcrpy.ts).
const REQUEST_FIELDS = new Set(['method', 'uri', 'headers', 'body', 'parsed_body']);
const RESPONSE_FIELDS = new Set(['status', 'headers', 'body', 'parsed_body']);
// raw_gzip: vcr 2's bytes (base64 of gzip); on_disk: vcr 2's body kept in a file (vcr 1: file + string).
const BODY_FIELDS = new Set(['string', 'base64_string', 'raw_gzip', 'on_disk']);
// The reason phrase is never compared: servers and libraries spell it differently.
// `explanation` (R vcr 1.x) and `category` (vcr 0.x, from httr's http_status) follow from the code.
const STATUS_FIELDS = new Set(['status_code', 'code', 'reason', 'message', 'explanation', 'category']);

export function readVcr(data: Fields, ctx: ReadContext): Cassette {
  const list = interactionList(ctx.file, data, VCR_LIST_KEY);
  const topRecordedWith = versionText(data.recorded_with);
  const interactions = list.map((raw, index) => readInteraction(raw, index, ctx, topRecordedWith));
  const firstRecordedWith = isRecord(list[0]) ? versionText(list[0].recorded_with) : undefined;
  const unread: UnreadField[] = [];
  collectUnread(data, TOP_FIELDS, '(cassette)', unread);
  return { format: 'vcr', interactions, recordedWith: topRecordedWith ?? firstRecordedWith, unread, encoding: ctx.encoding };
}

function readInteraction(raw: unknown, index: number, ctx: ReadContext, topRecordedWith: string | undefined): Interaction {
  const entry = requiredRecord(ctx, index, raw, 'interaction');
  const request = requiredRecord(ctx, index, entry.request, 'request');
  const response = requiredRecord(ctx, index, entry.response, 'response');
  const requestHeaders = headersFromMap(request.headers);
  const responseHeaders = headersFromMap(response.headers);
  const status = readStatus(response.status, index, ctx);
  const rVcr = R_VCR.test(versionText(entry.recorded_with) ?? topRecordedWith ?? '');
  const unread: UnreadField[] = [];
  collectUnread(entry, INTERACTION_FIELDS, '', unread);
  collectUnread(request, REQUEST_FIELDS, 'request', unread);
  collectUnread(response, RESPONSE_FIELDS, 'response', unread);
  if (isRecord(response.status)) collectUnread(response.status, STATUS_FIELDS, 'response.status', unread);
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, request.method, 'request method').toUpperCase(),
      uri: requiredText(ctx, index, request.uri, 'request uri'),
      headers: requestHeaders,
      // vcr 2 leaves request headers out unless a matcher uses them: not recorded, not "none sent".
      ...(request.headers === undefined ? { headersRecorded: false as const } : {}),
      body: readBody(request, contentType(requestHeaders), 'request', unread, rVcr),
    },
    response: {
      status: status.code,
      statusText: status.text,
      headers: responseHeaders,
      body: readBody(response, contentType(responseHeaders), 'response', unread, rVcr),
    },
    recordedAt: toIsoDate(entry.recorded_at),
    unread,
  };
}

function readStatus(raw: unknown, index: number, ctx: ReadContext): { code: number; text: string | undefined } {
  if (!isRecord(raw)) return { code: statusCode(ctx, index, raw), text: undefined };
  // R 1.x keeps the phrase in `reason` ("OK") and a sentence in `message`; Ruby has only `message`.
  // vcr 0.x kept httr's http_status(): {category: Success, reason: OK, message: "Success: (200) OK"}.
  const code = raw.status_code ?? raw.code ?? codeInMessage(raw.message);
  return { code: statusCode(ctx, index, code), text: optionalText(raw.reason) ?? optionalText(raw.message) };
}

function codeInMessage(message: unknown): number | undefined {
  const code = typeof message === 'string' ? /\((\d{3})\)/.exec(message)?.[1] : undefined;
  return code === undefined ? undefined : Number(code);
}

/**
 * `{encoding, string}`, `{encoding, base64_string}` or vcr 2's `{raw_gzip}` (base64 of gzip: bytes,
 * decoded when compared), or `parsed_body` next to (or instead of) `body`. Both present: the body is
 * read, the parsed copy kept as an unread field, so a change in either is a change. A body kept in a
 * file (vcr 1 `file: true` with the path in `string`, vcr 2 `on_disk`) is the unread field
 * `<side>.body.file` holding the path, in both versions. Old R vcr (0.x, preserve_exact_body_bytes)
 * wrote base64 into `string` with `encoding: ASCII-8BIT`: read as those bytes, the encoding then
 * said.
 */
function readBody(owner: Fields, type: string | undefined, side: string, unread: UnreadField[], rVcr: boolean): Body {
  const raw = owner.body;
  if (raw === undefined && 'parsed_body' in owner) return parsedJsonBody(owner.parsed_body);
  if ('parsed_body' in owner) unread.push({ path: `${side}.parsed_body`, value: owner.parsed_body });
  if (!isRecord(raw)) return bodyFromValue(raw, type);
  const fields = withoutEmptyFormatFields(raw);
  const inFile = fileBody(fields);
  if (inFile !== undefined) {
    collectUnread(without(fields, ['file', 'string', 'on_disk']), BODY_FIELDS, `${side}.body`, unread);
    unread.push({ path: `${side}.body.file`, value: inFile });
    return emptyBody();
  }
  const oldBase64 = rVcr && isBinaryEncoding(fields.encoding) && fields.base64_string === undefined ? canonicalBase64(fields.string) : undefined;
  if (oldBase64 !== undefined) {
    collectUnread(without(fields, ['encoding']), BODY_FIELDS, `${side}.body`, unread);
    return base64Body(oldBase64);
  }
  collectUnread(fields, BODY_FIELDS, `${side}.body`, unread);
  const base64 = typeof raw.base64_string === 'string' ? raw.base64_string : typeof raw.raw_gzip === 'string' ? raw.raw_gzip : undefined;
  if (base64 !== undefined) {
    if (raw.string !== undefined && raw.string !== null && raw.string !== '') unread.push({ path: `${side}.body.string`, value: raw.string });
    if (typeof raw.base64_string === 'string' && raw.raw_gzip !== undefined) unread.push({ path: `${side}.body.raw_gzip`, value: raw.raw_gzip });
    return base64Body(base64);
  }
  return bodyFromValue(raw.string, type);
}

function without(fields: Fields, keys: readonly string[]): Fields {
  const rest = { ...fields };
  for (const key of keys) delete rest[key];
  return rest;
}

/** R vcr writes `vcr/1.2.0, webmockr/0.8.2` (vcr 2: `VCR-vcr/2.1.0, ...`); Ruby VCR `VCR 6.0.0`. */
const R_VCR = /\bvcr\/\d/;

function isBinaryEncoding(encoding: unknown): boolean {
  return typeof encoding === 'string' && /^(ascii-8bit|binary)$/i.test(encoding.trim());
}

/**
 * The text as compact base64 when it is base64 and nothing else: re-encoding its bytes gives it back
 * exactly, so two different texts never read as the same bytes.
 */
function canonicalBase64(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const compact = value.replace(/\s+/g, '');
  if (compact.length < 4 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64').toString('base64') === compact ? compact : undefined;
}

/** The path of a body kept in a file: vcr 2 `on_disk`, vcr 1 `file: true` with the path in `string`. */
function fileBody(body: Fields): unknown {
  if (body.on_disk !== undefined && body.on_disk !== null) return body.on_disk;
  if (body.file === true || body.file === 'yes' || body.file === 'true') return body.string ?? null;
  return undefined;
}

/**
 * R vcr's body fields that say nothing when they say the usual: `encoding` '' or UTF-8 (or ASCII,
 * a subset) for a text body, `file` false (the body is inline). vcr 1 and 2 write them differently
 * for the same answer. Any other value (ASCII-8BIT, Latin-1, a body kept in a file) stays a field
 * whose change is a change.
 */
function withoutEmptyFormatFields(body: Fields): Fields {
  const rest = { ...body };
  if (typeof rest.encoding === 'string' && /^(|utf-?8|us-ascii|ascii)$/i.test(rest.encoding.trim())) delete rest.encoding;
  if (rest.file === false || rest.file === 'no' || rest.file === 'false' || rest.file === null) delete rest.file;
  return rest;
}

function versionText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map((part) => scalarText(part) ?? '').join(', ') || undefined;
  return optionalText(value);
}
