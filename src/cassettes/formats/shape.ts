// Reading untyped parsed data safely, and failing with the file and the interaction's line.
import { CassetteParseError, type TextEncoding, type UnreadField } from '../model.js';

export interface ReadContext {
  file: string;
  /** How the file's text was decoded (see Cassette.encoding). */
  encoding: TextEncoding;
  /** 1-based start line per interaction index, where known. */
  lines: readonly (number | undefined)[];
}

export type Fields = Record<string, unknown>;

export function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Throws a CassetteParseError for interaction `index`, at its line when known. */
export function fail(ctx: ReadContext, index: number, detail: string): never {
  throw new CassetteParseError(ctx.file, `interaction #${index + 1}: ${detail}`, ctx.lines[index]);
}

/** A scalar as text: YAML may hand us numbers or booleans where the library wrote a string. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/** A non-empty string, else undefined: an empty reason phrase says nothing. */
export function optionalText(value: unknown): string | undefined {
  const text = scalarText(value);
  return text === undefined || text === '' ? undefined : text;
}

export function requiredText(ctx: ReadContext, index: number, value: unknown, what: string): string {
  const text = scalarText(value);
  if (text === undefined || text === '') fail(ctx, index, `${what} is missing`);
  return text;
}

export function requiredRecord(ctx: ReadContext, index: number, value: unknown, what: string): Fields {
  if (!isRecord(value)) fail(ctx, index, value === undefined || value === null ? `${what} is missing` : `${what} is not a mapping`);
  return value;
}

/** An HTTP status from a number or a numeric string ("200"); status 0 is HAR's "no response". */
export function statusCode(ctx: ReadContext, index: number, value: unknown): number {
  if (value === undefined || value === null || value === '') fail(ctx, index, 'response has no status');
  const code = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(code) || code < 0 || code > 999) fail(ctx, index, `response status ${JSON.stringify(value)} is not an HTTP status code`);
  return code;
}

/** The list of interactions under `key`; null (an empty YAML value) counts as an empty list. */
export function interactionList(file: string, container: Fields, key: string): unknown[] {
  const list = container[key];
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new CassetteParseError(file, `${key} is not a list`);
  return list;
}

/**
 * Adds every field of `record` not named in `known` to `out`, as `prefix.name`: what a reader does
 * not interpret is compared raw rather than dropped (a custom serialiser's field must not read as
 * "no change").
 */
export function collectUnread(record: Fields, known: ReadonlySet<string>, prefix: string, out: UnreadField[]): void {
  for (const key of Object.keys(record)) {
    if (!known.has(key)) out.push({ path: prefix === '' ? key : `${prefix}.${key}`, value: record[key] });
  }
}
