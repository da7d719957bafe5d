// nock back fixtures: a JSON array of {scope, method, path, body, status, response, rawHeaders,
// reqheaders?, responseIsBinary?}; no timestamps, URI = scope + path. Quirks: `response` is stored
// parsed when it was JSON, as hex when `responseIsBinary`, and as a list of hex chunks when the
// response had a content-encoding; rawHeaders is a map (nock 14) or node's flat [name, value, ...].
import type { Body, Cassette, Headers, Interaction, UnreadField } from '../model.js';
import { bodyFromValue, emptyBody, parsedJsonBody, textBody } from './body.js';
import { contentType, headersFromFlatList, headersFromMap } from './headers.js';
import { collectUnread, fail, requiredRecord, requiredText, statusCode, type ReadContext } from './shape.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

// `headers` is read only when `rawHeaders` is missing: nock writes both with the same content.
const DEFINITION_FIELDS = new Set(['scope', 'method', 'path', 'body', 'status', 'response', 'rawHeaders', 'headers', 'reqheaders', 'responseIsBinary']);

export function readNock(data: readonly unknown[], ctx: ReadContext): Cassette {
  return { format: 'nock', interactions: data.map((raw, index) => readDefinition(raw, index, ctx)), recordedWith: undefined, unread: [], encoding: ctx.encoding };
}

function readDefinition(raw: unknown, index: number, ctx: ReadContext): Interaction {
  const definition = requiredRecord(ctx, index, raw, 'interaction');
  const scope = requiredText(ctx, index, definition.scope, 'scope');
  const path = requiredText(ctx, index, definition.path, 'path');
  const requestHeaders = headersFromMap(definition.reqheaders);
  const responseHeaders = rawHeaders(definition.rawHeaders ?? definition.headers);
  const unread: UnreadField[] = [];
  collectUnread(definition, DEFINITION_FIELDS, '', unread);
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, definition.method, 'method').toUpperCase(),
      uri: scope + path,
      headers: requestHeaders,
      body: bodyFromValue(definition.body, contentType(requestHeaders)),
    },
    response: {
      status: statusCode(ctx, index, definition.status),
      statusText: undefined,
      headers: responseHeaders,
      body: responseBody(definition.response, definition.responseIsBinary === true, responseHeaders, index, ctx),
    },
    recordedAt: undefined,
    unread,
  };
}

function rawHeaders(raw: unknown): Headers {
  return Array.isArray(raw) ? headersFromFlatList(raw) : headersFromMap(raw);
}

function responseBody(raw: unknown, binary: boolean, headers: Headers, index: number, ctx: ReadContext): Body {
  if (binary) {
    if (typeof raw !== 'string' || !HEX.test(raw)) fail(ctx, index, 'responseIsBinary is set but the response is not a hex string');
    return hexBody(raw);
  }
  // nock keeps a content-encoded (gzip, br...) response as its chunks in hex, undecoded.
  if (headers['content-encoding'] && Array.isArray(raw) && raw.every((chunk) => typeof chunk === 'string' && HEX.test(chunk))) {
    return hexBody(raw.join(''));
  }
  if (raw === undefined || raw === null) return emptyBody();
  if (typeof raw === 'string') return textBody(raw, contentType(headers));
  // Anything else was JSON that nock parsed; 42 or true included.
  return parsedJsonBody(raw);
}

function hexBody(hex: string): Body {
  return hex === '' ? emptyBody() : { kind: 'binary', base64: Buffer.from(hex, 'hex').toString('base64') };
}
