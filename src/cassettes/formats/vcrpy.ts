// vcrpy: `interactions` (no timestamps), `version: 1`. Header values are lists; the request body
// is a bare value and the response body `{string}`; either may be null, or bytes (`!!binary`) when
// the body was not UTF-8.
import type { Cassette, Interaction } from '../model.js';
import { bodyFromValue } from './body.js';
import { contentType, headersFromMap } from './headers.js';
import { interactionList, isRecord, optionalText, requiredRecord, requiredText, statusCode, type Fields, type ReadContext } from './shape.js';

export const VCRPY_LIST_KEY = 'interactions';

export function readVcrpy(data: Fields, ctx: ReadContext): Cassette {
  const interactions = interactionList(ctx.file, data, VCRPY_LIST_KEY).map((raw, index) => readInteraction(raw, index, ctx));
  return { format: 'vcrpy', interactions, recordedWith: undefined };
}

function readInteraction(raw: unknown, index: number, ctx: ReadContext): Interaction {
  const entry = requiredRecord(ctx, index, raw, 'interaction');
  const request = requiredRecord(ctx, index, entry.request, 'request');
  const response = requiredRecord(ctx, index, entry.response, 'response');
  const requestHeaders = headersFromMap(request.headers);
  const responseHeaders = headersFromMap(response.headers);
  const status = response.status;
  const body = isRecord(response.body) ? response.body.string : response.body;
  return {
    index,
    line: ctx.lines[index],
    request: {
      method: requiredText(ctx, index, request.method, 'request method').toUpperCase(),
      uri: requiredText(ctx, index, request.uri, 'request uri'),
      headers: requestHeaders,
      body: bodyFromValue(request.body, contentType(requestHeaders)),
    },
    response: {
      status: statusCode(ctx, index, isRecord(status) ? status.code : status),
      statusText: isRecord(status) ? optionalText(status.message) : undefined,
      headers: responseHeaders,
      body: bodyFromValue(body, contentType(responseHeaders)),
    },
    recordedAt: undefined,
  };
}
