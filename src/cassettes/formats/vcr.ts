// R vcr 1.x/2.x and Ruby VCR: `http_interactions` with request/response/recorded_at.
// Their quirks: R 1.x status {status_code (number or string), reason, message}; R 2.x status a
// bare number (or {code, message}); Ruby status {code, message}, header values as lists, URIs with
// ports; bodies as `string` or `base64_string`; recorded_with per interaction (R 1.x) or top level.
import type { Body, Cassette, Interaction } from '../model.js';
import { base64Body, bodyFromValue } from './body.js';
import { toIsoDate } from './dates.js';
import { contentType, headersFromMap } from './headers.js';
import { interactionList, isRecord, optionalText, requiredRecord, requiredText, scalarText, statusCode, type Fields, type ReadContext } from './shape.js';

export const VCR_LIST_KEY = 'http_interactions';

export function readVcr(data: Fields, ctx: ReadContext): Cassette {
  const list = interactionList(ctx.file, data, VCR_LIST_KEY);
  const interactions = list.map((raw, index) => readInteraction(raw, index, ctx));
  const firstRecordedWith = isRecord(list[0]) ? versionText(list[0].recorded_with) : undefined;
  return { format: 'vcr', interactions, recordedWith: versionText(data.recorded_with) ?? firstRecordedWith };
}

function readInteraction(raw: unknown, index: number, ctx: ReadContext): Interaction {
  const entry = requiredRecord(ctx, index, raw, 'interaction');
  const request = requiredRecord(ctx, index, entry.request, 'request');
  const response = requiredRecord(ctx, index, entry.response, 'response');
  const requestHeaders = headersFromMap(request.headers);
  const responseHeaders = headersFromMap(response.headers);
  const status = readStatus(response.status, index, ctx);
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, request.method, 'request method').toUpperCase(),
      uri: requiredText(ctx, index, request.uri, 'request uri'),
      headers: requestHeaders,
      body: readBody(request.body, contentType(requestHeaders)),
    },
    response: {
      status: status.code,
      statusText: status.text,
      headers: responseHeaders,
      body: readBody(response.body, contentType(responseHeaders)),
    },
    recordedAt: toIsoDate(entry.recorded_at),
  };
}

function readStatus(raw: unknown, index: number, ctx: ReadContext): { code: number; text: string | undefined } {
  if (!isRecord(raw)) return { code: statusCode(ctx, index, raw), text: undefined };
  // R 1.x keeps the phrase in `reason` ("OK") and a sentence in `message`; Ruby has only `message`.
  return { code: statusCode(ctx, index, raw.status_code ?? raw.code), text: optionalText(raw.reason) ?? optionalText(raw.message) };
}

/** `{encoding, string}` or `{encoding, base64_string}`; R's `file: true` keeps a path in `string`. */
function readBody(raw: unknown, type: string | undefined): Body {
  if (!isRecord(raw)) return bodyFromValue(raw, type);
  const base64 = raw.base64_string;
  if (typeof base64 === 'string') return base64Body(base64);
  return bodyFromValue(raw.string, type);
}

function versionText(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.map((part) => scalarText(part) ?? '').join(', ') || undefined;
  return optionalText(value);
}
