// Every format's headers -> lower-cased names with lists of values. Values are never split
// (a comma may belong to the value); repeated names, in any case, are gathered in order.
import type { Headers } from '../model.js';
import { isRecord, scalarText } from './shape.js';

function add(headers: Headers, name: string, value: unknown): void {
  const key = name.toLowerCase();
  const values = (headers[key] ??= []);
  if (Array.isArray(value)) {
    for (const item of value) values.push(scalarText(item) ?? '');
  } else {
    values.push(scalarText(value) ?? '');
  }
}

/** `{Name: value}` (R vcr, nock 14) or `{Name: [values]}` (Ruby VCR, vcrpy). */
export function headersFromMap(map: unknown): Headers {
  const headers: Headers = {};
  if (!isRecord(map)) return headers;
  for (const [name, value] of Object.entries(map)) add(headers, name, value);
  return headers;
}

/** `[name, value, name, value, ...]`: node's rawHeaders, as older nock records them. */
export function headersFromFlatList(list: readonly unknown[]): Headers {
  const headers: Headers = {};
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = scalarText(list[i]);
    if (name !== undefined) add(headers, name, list[i + 1]);
  }
  return headers;
}

/** HAR's `[{name, value}]`. */
export function headersFromPairs(list: unknown): Headers {
  const headers: Headers = {};
  if (!Array.isArray(list)) return headers;
  for (const entry of list) {
    if (!isRecord(entry)) continue;
    const name = scalarText(entry.name);
    if (name !== undefined) add(headers, name, entry.value);
  }
  return headers;
}

/** The first content-type value, which decides whether a body is read as JSON. */
export function contentType(headers: Headers): string | undefined {
  return headers['content-type']?.[0];
}
