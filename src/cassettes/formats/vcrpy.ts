// vcrpy: `interactions` (no timestamps), `version: 1`. Header values are lists; the request body
// is a bare value and the response body `{string}`; either may be null, or bytes (`!!binary`) when
// the body was not UTF-8. A widely copied custom serialiser (pydantic-ai's json_body_serializer and
// its descendants) replaces a JSON `body` by `parsed_body`, the body already parsed: read as the
// body. Anything else the reader does not know is kept as an unread field and compared raw.
import type { Body, Cassette, Interaction, UnreadField } from '../model.js';
import { bodyFromValue, parsedJsonBody } from './body.js';
import { contentType, headersFromMap } from './headers.js';
import {
  collectUnread,
  interactionList,
  isRecord,
  optionalText,
  requiredRecord,
  requiredText,
  statusCode,
  type Fields,
  type ReadContext,
} from './shape.js';

export const VCRPY_LIST_KEY = 'interactions';

const TOP_FIELDS = new Set([VCRPY_LIST_KEY, 'version']);
const INTERACTION_FIELDS = new Set(['request', 'response']);
const REQUEST_FIELDS = new Set(['method', 'uri', 'headers', 'body', 'parsed_body']);
const RESPONSE_FIELDS = new Set(['status', 'headers', 'body', 'parsed_body']);
const BODY_FIELDS = new Set(['string']);
// The reason phrase is never compared: servers and libraries spell it differently.
const STATUS_FIELDS = new Set(['code', 'message']);

export function readVcrpy(data: Fields, ctx: ReadContext): Cassette {
  const interactions = interactionList(ctx.file, data, VCRPY_LIST_KEY).map((raw, index) => readInteraction(raw, index, ctx));
  const unread: UnreadField[] = [];
  collectUnread(data, TOP_FIELDS, '(cassette)', unread);
  return { format: 'vcrpy', interactions, recordedWith: undefined, unread, encoding: ctx.encoding };
}

function readInteraction(raw: unknown, index: number, ctx: ReadContext): Interaction {
  const entry = requiredRecord(ctx, index, raw, 'interaction');
  const request = requiredRecord(ctx, index, entry.request, 'request');
  const response = requiredRecord(ctx, index, entry.response, 'response');
  const requestHeaders = headersFromMap(request.headers);
  const responseHeaders = headersFromMap(response.headers);
  const status = response.status;
  const unread: UnreadField[] = [];
  collectUnread(entry, INTERACTION_FIELDS, '', unread);
  collectUnread(request, REQUEST_FIELDS, 'request', unread);
  collectUnread(response, RESPONSE_FIELDS, 'response', unread);
  if (isRecord(status)) collectUnread(status, STATUS_FIELDS, 'response.status', unread);
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, request.method, 'request method').toUpperCase(),
      uri: requiredText(ctx, index, request.uri, 'request uri'),
      headers: requestHeaders,
      body: readBody(request, contentType(requestHeaders), 'request', false, unread),
    },
    response: {
      status: statusCode(ctx, index, isRecord(status) ? status.code : status),
      statusText: isRecord(status) ? optionalText(status.message) : undefined,
      headers: responseHeaders,
      body: readBody(response, contentType(responseHeaders), 'response', true, unread),
    },
    recordedAt: undefined,
    unread,
  };
}

/**
 * `body` (the response's wrapped in `{string}`) or `parsed_body`. Both present (a serialiser that
 * adds a parsed copy): the body is read and the parsed copy compared raw, so a change in either is one.
 */
function readBody(owner: Fields, type: string | undefined, side: string, wrapped: boolean, unread: UnreadField[]): Body {
  const hasParsed = 'parsed_body' in owner;
  if (owner.body === undefined && hasParsed) return parsedJsonBody(owner.parsed_body);
  if (hasParsed) unread.push({ path: `${side}.parsed_body`, value: owner.parsed_body });
  if (!wrapped || !isRecord(owner.body)) return bodyFromValue(owner.body, type);
  collectUnread(owner.body, BODY_FIELDS, `${side}.body`, unread);
  return bodyFromValue(owner.body.string, type);
}
