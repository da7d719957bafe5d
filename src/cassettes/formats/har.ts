// Polly.js recordings: HAR 1.2, `log.entries[]`. Headers are [{name, value}] lists, the request
// body is `postData` ({mimeType, text} or form `params`), the response body `content` with
// `encoding: "base64"` for bytes. `startedDateTime` is the recording time.
import type { Body, Cassette, Interaction, UnreadField } from '../model.js';
import { base64Body, bodyFromValue, emptyBody } from './body.js';
import { toIsoDate } from './dates.js';
import { contentType, headersFromPairs } from './headers.js';
import { collectUnread, interactionList, isRecord, optionalText, requiredRecord, requiredText, scalarText, statusCode, type Fields, type ReadContext } from './shape.js';

export const HAR_LIST_PATH = ['log', 'entries'] as const;

// Left out of the comparison on purpose: timings, dates, Polly's ids and order (derived from the
// request), sizes (derived from headers and bodies), cookies (derived from the headers, and
// session cookies are fresh on every request), queryString (derived from the url).
const ENTRY_FIELDS = new Set(['request', 'response', 'startedDateTime', 'time', 'timings', 'cache', '_id', '_order', 'pageref', 'serverIPAddress', 'connection']);
const REQUEST_FIELDS = new Set(['method', 'url', 'headers', 'postData', 'queryString', 'cookies', 'headersSize', 'bodySize']);
const RESPONSE_FIELDS = new Set(['status', 'statusText', 'headers', 'content', 'cookies', 'headersSize', 'bodySize']);
const POST_DATA_FIELDS = new Set(['mimeType', 'text', 'params']);
const CONTENT_FIELDS = new Set(['mimeType', 'text', 'encoding', 'size']);

export function readHar(data: Fields, ctx: ReadContext): Cassette {
  const log = isRecord(data.log) ? data.log : {};
  const interactions = interactionList(ctx.file, log, 'entries').map((raw, index) => readEntry(raw, index, ctx));
  return { format: 'har', interactions, recordedWith: creator(log.creator), unread: [], encoding: ctx.encoding };
}

function readEntry(raw: unknown, index: number, ctx: ReadContext): Interaction {
  const entry = requiredRecord(ctx, index, raw, 'entry');
  const request = requiredRecord(ctx, index, entry.request, 'request');
  const response = requiredRecord(ctx, index, entry.response, 'response');
  const requestHeaders = headersFromPairs(request.headers);
  const responseHeaders = headersFromPairs(response.headers);
  const unread: UnreadField[] = [];
  collectUnread(entry, ENTRY_FIELDS, '', unread);
  collectUnread(request, REQUEST_FIELDS, 'request', unread);
  collectUnread(response, RESPONSE_FIELDS, 'response', unread);
  if (isRecord(request.postData)) collectUnread(request.postData, POST_DATA_FIELDS, 'request.postData', unread);
  if (isRecord(response.content)) collectUnread(response.content, CONTENT_FIELDS, 'response.content', unread);
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, request.method, 'request method').toUpperCase(),
      uri: requiredText(ctx, index, request.url, 'request url'),
      headers: requestHeaders,
      body: postData(request.postData, contentType(requestHeaders)),
    },
    response: {
      status: statusCode(ctx, index, response.status),
      statusText: optionalText(response.statusText),
      headers: responseHeaders,
      body: content(response.content, contentType(responseHeaders)),
    },
    recordedAt: toIsoDate(entry.startedDateTime),
    unread,
  };
}

function postData(raw: unknown, headerType: string | undefined): Body {
  if (!isRecord(raw)) return emptyBody();
  const type = scalarText(raw.mimeType) ?? headerType;
  if (raw.text !== undefined && raw.text !== null) return bodyFromValue(raw.text, type);
  // Form posts may carry only params: rebuild the urlencoded text a client would have sent.
  if (Array.isArray(raw.params) && raw.params.length > 0) {
    const form = new URLSearchParams();
    for (const param of raw.params) {
      if (isRecord(param)) form.append(scalarText(param.name) ?? '', scalarText(param.value) ?? '');
    }
    return bodyFromValue(form.toString(), type);
  }
  return emptyBody();
}

function content(raw: unknown, headerType: string | undefined): Body {
  if (!isRecord(raw) || raw.text === undefined || raw.text === null) return emptyBody();
  if (raw.encoding === 'base64' && typeof raw.text === 'string') return base64Body(raw.text);
  return bodyFromValue(raw.text, scalarText(raw.mimeType) ?? headerType);
}

function creator(raw: unknown): string | undefined {
  if (!isRecord(raw)) return undefined;
  const text = [scalarText(raw.name), scalarText(raw.version)].filter((part) => part).join(' ');
  return text === '' ? undefined : text;
}
