// The semantic diff of two recordings of one cassette: what really changed once noise (volatile
// headers, volatile JSON fields, timestamps) is set aside. "noise-only" lets the caller put the old
// bytes back so reviewers only see real API drift, so it is a positive finding: every part of both
// recordings was read and compared (fields a reader does not interpret are compared raw, non-UTF-8
// text byte for byte) and the only differences are known noise. When unsure: changed.
import { describeRequest, type Body, type Cassette, type Headers, type Interaction, type RecordedRequest, type UnreadField } from './model.js';
import { decodeBody, type DecodedBody } from './body-decoding.js';
import {
  compilePathTemplates,
  compileVolatileFields,
  endpointOf,
  enterField,
  looksGenerated,
  matchPathTemplate,
  formatPath,
  volatileHeaderMatcher,
  type FieldNoise,
  type HeaderMatcher,
  type LearnedNoise,
  type PathSegment,
  type PathStates,
  type PathTemplate,
} from './noise.js';

export interface DiffOptions {
  /** Header names ignored on top of DEFAULT_VOLATILE_HEADERS; case-insensitive, `*` globs allowed. */
  volatileHeaders: readonly string[];
  /** JSON body fields ignored: bare keys at any depth or `$`-paths, optionally `GLOB:` scoped. */
  volatileFields: readonly string[];
  /**
   * URL path templates (`/repos/{*}/issues/{*}`, `POST /v1/files/{*}`) whose `{*}` segments change
   * per call: two interactions that differ only there are one interaction, and that difference noise.
   */
  volatilePaths?: readonly string[];
  /**
   * Noise learned by probing (learn-noise.ts), per endpoint: its fields and headers are volatile for
   * interactions of that endpoint only; an entry with `volatilePath` acts as a volatile-paths template.
   */
  learnedNoise?: readonly LearnedNoise[];
  /** Path groups listed per added/removed/changed list; counts stay exact. Default 20. */
  maxPaths?: number;
  /** Old and new values are shown cut to this many characters. Default 80. */
  maxValueChars?: number;
  /**
   * The cassette's path relative to the working directory, for `GLOB:` scoped volatile fields;
   * defaults to the name given to diffCassettes.
   */
  scopePath?: string;
}

export const CASSETTE_STATUSES = ['noise-only', 'changed', 'added', 'removed'] as const;
export type CassetteStatus = (typeof CASSETTE_STATUSES)[number];

export const INTERACTION_CHANGE_KINDS = ['changed', 'added', 'removed'] as const;
export type InteractionChangeKind = (typeof INTERACTION_CHANGE_KINDS)[number];

/** What differs between two requests paired by method and path. */
export const REQUEST_PARTS = ['path', 'scheme', 'host', 'port', 'query', 'body', 'headers'] as const;
export type RequestPart = (typeof REQUEST_PARTS)[number];

export interface FromTo<T> {
  from: T;
  to: T;
}

export interface HeaderChanges {
  added: string[];
  removed: string[];
  changed: string[];
  /** Each named header's values on both sides (null on the side without it), as recorded. */
  values: Record<string, FromTo<string[] | null>>;
}

export interface PathCounts {
  added: number;
  removed: number;
  changed: number;
}

/**
 * One JSON path, or a group of paths that differ only in array indices (`$.data[*].currency`):
 * `count` places in all, in `of` items of that array when the group has one `[*]`. `from` / `to`
 * are the old and new values of the first place, as JSON cut to maxValueChars (absent on the side
 * where the path does not exist).
 */
export interface PathChange {
  path: string;
  count: number;
  /** For a group: its first concrete place (`$.data[0].currency`), where its values come from. */
  first?: string;
  of?: number;
  from?: string;
  to?: string;
}

/** JSON bodies: at most `maxPaths` path groups per list; `counts` are exact numbers of places. */
export interface JsonBodyChange {
  added: PathChange[];
  removed: PathChange[];
  changed: PathChange[];
  counts: PathCounts;
}

export interface TextBodyChange {
  text: 'changed';
  lines: FromTo<number>;
  /** The first line that differs (1-based) with its old and new text, cut to maxValueChars; null where that side has no such line. */
  firstDifference?: { line: number; from: string | null; to: string | null };
}

export interface BinaryBodyChange {
  binary: 'changed';
  bytes: FromTo<number>;
  /** Offset of the first byte that differs. */
  firstDifference: number;
  /** Why the bodies were compared as stored instead of decoded (a corrupt gzip, past the size cap). */
  notDecoded?: string;
}

/** The body changed kind, e.g. json -> text (an HTML error page instead of JSON). */
export interface BodyKindChange {
  kind: FromTo<Body['kind']>;
  /** As for binary bodies: why they were compared as stored. */
  notDecoded?: string;
}

/**
 * `decoded` names the layers taken off before comparing (`gzip`, or `gzip -> as stored` when the
 * two sides differ): the paths and values shown are those of the decoded bodies.
 */
export type BodyChange = (JsonBodyChange | TextBodyChange | BinaryBodyChange | BodyKindChange) & { decoded?: string };

export interface RequestChange {
  /** `GET /search?q=a` -> `GET /search?q=b`, as describeRequest names them (ports included when not the default). */
  from: string;
  to: string;
  parts: RequestPart[];
  /** How the request body changed, when it did (JSON paths with values, as for responses). */
  body?: BodyChange;
  /** Which request headers changed (volatile ones, such as user agents and credentials, never count). */
  headers?: HeaderChanges;
}

export interface InteractionChange {
  /** `GET /items?page=2`, as describeRequest names it (the new request; the old one for `removed`). */
  request: string;
  kind: InteractionChangeKind;
  /** Position in the new cassette; in the old one for `removed`. */
  index: number;
  /** 1-based line of that interaction, when the format tells us. */
  line?: number;
  /** Response status on both sides, always present: null on the side that has no such interaction. */
  status: FromTo<number | null>;
  /** Set when the paired requests differ (same method and path; another query, body, port, ...). */
  requestChange?: RequestChange;
  /** Media type only, lower case; null when the header is missing. */
  contentType?: FromTo<string | null>;
  headers?: HeaderChanges;
  body?: BodyChange;
  /** Fields no reader interprets (a custom serialiser's, a format quirk) that differ, by path. */
  unread?: string[];
}

export interface CassetteDiff {
  cassette: string;
  status: CassetteStatus;
  /** Empty for noise-only. */
  changes: InteractionChange[];
  /** Changes of the cassette as a whole: file encoding, top-level fields no reader interprets, too large to compare. */
  notes?: string[];
}

const DEFAULT_MAX_PATHS = 20;
const DEFAULT_MAX_VALUE_CHARS = 80;

// ---------------------------------------------------------------------------------------------
// Request identity, shared with poison.ts

/**
 * What makes two recorded requests "the same request": method, URI with query parameters in a
 * canonical order (and percent-encoding, fragment dropped), and the request body (JSON with keys
 * sorted). Default ports never count: the URL parser drops `:443` from https and `:80` from http
 * URIs, as vcrpy's and VCR's own `uri` matchers see them as one (and vcr 1 drops every port when it
 * records, vcr 2 keeps it). Any other port is part of the identity here; pairing (below) still
 * pairs requests that differ only in the port, and reports it as a change of that interaction.
 * Request headers are left out: user agents, auth tokens and client versions drift between
 * recordings without changing which request was made.
 */
export function requestKey(request: Pick<RecordedRequest, 'method' | 'uri' | 'body'>): string {
  return `${request.method.toUpperCase()} ${normalizeUri(request.uri)}\n${bodyKey(request.body)}`;
}

/** Method and path only (no scheme, host, port, query or body): how interactions are paired. */
export function requestRoute(request: Pick<RecordedRequest, 'method' | 'uri'>): string {
  return `${request.method.toUpperCase()} ${parseUri(request.uri)?.pathname ?? request.uri.replace(/[?#].*$/s, '')}`;
}

function parseUri(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

function normalizeUri(uri: string): string {
  const url = parseUri(uri);
  if (!url) return uri;
  url.hash = '';
  // Stable sort by name: values of a repeated parameter keep their order, which can matter.
  if (url.search !== '') url.searchParams.sort();
  return url.href;
}

function bodyKey(body: Body): string {
  switch (body.kind) {
    case 'empty':
      return '';
    case 'json':
      return canonicalJson(body.value);
    case 'text':
      return body.text;
    case 'binary':
      return body.base64;
  }
}

/** JSON text with object keys sorted; bytes and dates (YAML can hold both) get a tagged form. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Uint8Array) return `{"!bytes":"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"}`;
  if (value instanceof Date) return `{"!date":"${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()}"}`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${fields.join(',')}}`;
  }
  if (value === undefined) return 'undefined';
  if (typeof value === 'number' && !Number.isFinite(value)) return `{"!number":"${String(value)}"}`;
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// Cassette diff

/**
 * Compares two recordings of `name`. recordedAt, recordedWith, statusText and HAR timings are never
 * compared: they change on every recording (or between formats) without meaning anything.
 */
export function diffCassettes(
  name: string,
  old: Cassette | undefined,
  next: Cassette | undefined,
  options: DiffOptions,
): CassetteDiff {
  if (old === undefined && next === undefined) return { cassette: name, status: 'noise-only', changes: [] };
  if (old === undefined) {
    return { cassette: name, status: 'added', changes: (next?.interactions ?? []).map((i) => bare(i, 'added')) };
  }
  if (next === undefined) {
    return { cassette: name, status: 'removed', changes: old.interactions.map((i) => bare(i, 'removed')) };
  }
  const learned = options.learnedNoise ?? [];
  const context: Context = {
    isVolatileHeader: volatileHeaderMatcher(options.volatileHeaders),
    isVolatileRequestHeader: volatileHeaderMatcher(options.volatileHeaders, 'request'),
    fields: compileVolatileFields(options.volatileFields, options.scopePath ?? name),
    templates: compilePathTemplates([...(options.volatilePaths ?? []), ...learned.filter((entry) => entry.volatilePath).map((entry) => entry.endpoint)]),
    maxPaths: Math.max(0, options.maxPaths ?? DEFAULT_MAX_PATHS),
    maxValueChars: Math.max(8, options.maxValueChars ?? DEFAULT_MAX_VALUE_CHARS),
  };
  const notes: string[] = [];
  if (old.encoding !== next.encoding) notes.push(`file encoding ${describeEncoding(old.encoding)} -> ${describeEncoding(next.encoding)}`);
  for (const path of differingUnread(old.unread, next.unread)) notes.push(`field ${path} changed (not interpreted: compared as recorded)`);
  if (learned.length > 0) context.learned = learnedContexts(learned, options, name, context);
  const { pairs, added, removed } = matchInteractions(old.interactions, next.interactions, context.templates);
  const changes: InteractionChange[] = [];
  // Report in the new cassette's order, removed ones last in the old order.
  const addedSet = new Set(added);
  const pairOf = new Map(pairs.map(([before, after]) => [after, before]));
  for (const interaction of next.interactions) {
    if (addedSet.has(interaction)) {
      changes.push(bare(interaction, 'added'));
      continue;
    }
    const before = pairOf.get(interaction);
    const change = before && diffInteraction(before, interaction, forEndpoint(interaction, context));
    if (change) changes.push(change);
  }
  for (const interaction of removed) changes.push(bare(interaction, 'removed'));
  const result: CassetteDiff = { cassette: name, status: changes.length === 0 && notes.length === 0 ? 'noise-only' : 'changed', changes };
  if (notes.length > 0) result.notes = notes;
  return result;
}

/**
 * A recording that cannot be compared (too large to read whole, unreadable): always a change, so
 * its new bytes are kept and a reviewer is told why.
 */
export function uncomparableDiff(name: string, reason: string): CassetteDiff {
  return { cassette: name, status: 'changed', changes: [], notes: [`not compared: ${reason}`] };
}

function describeEncoding(encoding: Cassette['encoding']): string {
  return encoding === 'utf-8' ? 'UTF-8' : 'not UTF-8 (compared byte for byte)';
}

/** Per learned endpoint, the context with its fields and headers added (built once per diff). */
function learnedContexts(learned: readonly LearnedNoise[], options: DiffOptions, name: string, base: Context): Map<string, Context> {
  const contexts = new Map<string, Context>();
  for (const entry of learned) {
    if (entry.fields.length + entry.headers.length === 0) continue;
    const headers = [...options.volatileHeaders, ...entry.headers];
    contexts.set(entry.endpoint, {
      ...base,
      isVolatileHeader: volatileHeaderMatcher(headers),
      isVolatileRequestHeader: volatileHeaderMatcher(headers, 'request'),
      fields: compileVolatileFields([...options.volatileFields, ...entry.fields], options.scopePath ?? name),
      learned: undefined,
    });
  }
  return contexts;
}

function forEndpoint(interaction: Interaction, context: Context): Context {
  if (context.learned === undefined || context.learned.size === 0) return context;
  return context.learned.get(endpointOf(interaction.request, context.templates)) ?? context;
}

interface Context {
  /** Learned noise per endpoint, when there is any. */
  learned?: Map<string, Context> | undefined;
  isVolatileHeader: HeaderMatcher;
  isVolatileRequestHeader: HeaderMatcher;
  fields: FieldNoise;
  templates: readonly PathTemplate[];
  maxPaths: number;
  maxValueChars: number;
}

interface Matching {
  pairs: [Interaction, Interaction][];
  added: Interaction[];
  removed: Interaction[];
}

/**
 * Pairs old and new interactions in passes, each in order of occurrence (the 2nd GET /x with the
 * 2nd GET /x) and through maps, so large cassettes stay linear:
 * 1. the same request (requestKey): reordered identical requests still pair;
 * 2. what is left, by method and path alone, so a request whose query, body, host or port changed
 *    is one changed interaction (with both statuses), not one removed plus one added. A server on
 *    another port (vcr 2 and Ruby VCR keep the port in the URI) is a change, not a new request;
 * 3. what is left, by the `volatile-paths` template its path matches (`GET /repos/{*}/issues`);
 * 4. what is left, where one removed and one added interaction alone have the same method and path
 *    but for one segment that looks generated on both sides (a UUID, a long hex or decimal id): one
 *    interaction whose path changed. That difference is still a change: only a template makes it noise.
 */
export function matchInteractions(old: readonly Interaction[], next: readonly Interaction[], templates: readonly PathTemplate[] = []): Matching {
  const exact = pairBy(old, next, (interaction) => requestKey(interaction.request));
  const loose = pairBy(exact.removed, exact.added, (interaction) => requestRoute(interaction.request));
  const templated = templates.length === 0 ? loose : pairBy(loose.removed, loose.added, (interaction) => templateKey(interaction, templates));
  const generated = pairGeneratedIds(templated.removed, templated.added);
  const removed = generated.removed.sort((a, b) => a.index - b.index);
  const added = generated.added.sort((a, b) => a.index - b.index);
  return { pairs: [...exact.pairs, ...loose.pairs, ...(templated === loose ? [] : templated.pairs), ...generated.pairs], added, removed };
}

function requestPath(request: RecordedRequest): string {
  return parseUri(request.uri)?.pathname ?? request.uri.replace(/[?#].*$/s, '');
}

function templateKey(interaction: Interaction, templates: readonly PathTemplate[]): string | undefined {
  const { method } = interaction.request;
  const template = matchPathTemplate(templates, method, requestPath(interaction.request));
  return template === undefined ? undefined : `${method.toUpperCase()} ${template.text}`;
}

function pairGeneratedIds(old: Interaction[], next: Interaction[]): Matching {
  if (old.length === 0 || next.length === 0) return { pairs: [], added: next, removed: old };
  const shape = (interaction: Interaction): string | undefined => {
    const segments = requestPath(interaction.request).split('/');
    if (!segments.some(looksGenerated)) return undefined;
    return `${interaction.request.method.toUpperCase()} ${segments.map((segment) => (looksGenerated(segment) ? '\u0000' : segment)).join('/')}`;
  };
  const groups = new Map<string, { old: Interaction[]; next: Interaction[] }>();
  const group = (key: string) => groups.get(key) ?? groups.set(key, { old: [], next: [] }).get(key)!;
  for (const interaction of old) {
    const key = shape(interaction);
    if (key !== undefined) group(key).old.push(interaction);
  }
  for (const interaction of next) {
    const key = shape(interaction);
    if (key !== undefined && groups.has(key)) group(key).next.push(interaction);
  }
  const pairs: [Interaction, Interaction][] = [];
  for (const { old: before, next: after } of groups.values()) {
    if (before.length !== 1 || after.length !== 1) continue;
    const a = requestPath(before[0]!.request).split('/');
    const b = requestPath(after[0]!.request).split('/');
    if (a.filter((segment, i) => segment !== b[i]).length === 1) pairs.push([before[0]!, after[0]!]);
  }
  const paired = new Set(pairs.flat());
  return { pairs, added: next.filter((i) => !paired.has(i)), removed: old.filter((i) => !paired.has(i)) };
}

function pairBy(old: readonly Interaction[], next: readonly Interaction[], keyOf: (interaction: Interaction) => string | undefined): Matching {
  const queues = new Map<string, { items: Interaction[]; used: number }>();
  const removed: Interaction[] = [];
  for (const interaction of old) {
    const key = keyOf(interaction);
    if (key === undefined) {
      removed.push(interaction);
      continue;
    }
    const queue = queues.get(key);
    if (queue) queue.items.push(interaction);
    else queues.set(key, { items: [interaction], used: 0 });
  }
  const pairs: [Interaction, Interaction][] = [];
  const added: Interaction[] = [];
  for (const interaction of next) {
    const key = keyOf(interaction);
    const queue = key === undefined ? undefined : queues.get(key);
    const before = queue?.items[queue.used];
    if (queue && before) {
      queue.used += 1;
      pairs.push([before, interaction]);
    } else {
      added.push(interaction);
    }
  }
  for (const queue of queues.values()) {
    for (let i = queue.used; i < queue.items.length; i++) removed.push(queue.items[i] as Interaction);
  }
  return { pairs, added, removed };
}

function bare(interaction: Interaction, kind: InteractionChangeKind): InteractionChange {
  const status = interaction.response.status;
  const change: InteractionChange = {
    request: describeRequest(interaction.request),
    kind,
    index: interaction.index,
    status: kind === 'removed' ? { from: status, to: null } : kind === 'added' ? { from: null, to: status } : { from: status, to: status },
  };
  if (interaction.line !== undefined) change.line = interaction.line;
  return change;
}

function diffInteraction(before: Interaction, after: Interaction, context: Context): InteractionChange | undefined {
  const change = bare(after, 'changed');
  change.status = { from: before.response.status, to: after.response.status };
  let changed = before.response.status !== after.response.status;
  const requestChange = diffRequest(before.request, after.request, context);
  if (requestChange) {
    change.requestChange = requestChange;
    changed = true;
  }
  const { response: a } = before;
  const { response: b } = after;
  const typeFrom = mediaType(a.headers);
  const typeTo = mediaType(b.headers);
  if (typeFrom !== typeTo) {
    change.contentType = { from: typeFrom, to: typeTo };
    changed = true;
  }
  const headers = diffHeaders(a.headers, b.headers, context.isVolatileHeader);
  if (headers) {
    change.headers = headers;
    changed = true;
  }
  const body = diffBody(a.body, b.body, context, a.headers, b.headers);
  if (body) {
    change.body = body;
    changed = true;
  }
  const unread = differingUnread(before.unread, after.unread);
  if (unread.length > 0) {
    change.unread = unread;
    changed = true;
  }
  return changed ? change : undefined;
}

/** Which parts of two requests paired by method and path differ; undefined when none does. */
function diffRequest(a: RecordedRequest, b: RecordedRequest, context: Context): RequestChange | undefined {
  const parts: RequestPart[] = [];
  const left = parseUri(a.uri);
  const right = parseUri(b.uri);
  if (left && right) {
    // Paths differ only when paired by a template or a generated id; a template's segments are noise.
    if (left.pathname !== right.pathname && !sameTemplate(a, b, left.pathname, right.pathname, context.templates)) parts.push('path');
    if (left.protocol !== right.protocol) parts.push('scheme');
    if (left.hostname !== right.hostname) parts.push('host');
    // `port` is '' for the scheme's default port: 443 and 80 never differ from "no port".
    if (left.port !== right.port) parts.push('port');
    if (canonicalQuery(left) !== canonicalQuery(right)) parts.push('query');
  } else if (a.uri !== b.uri) {
    parts.push('query');
  }
  // Volatile fields apply to request bodies too (a timestamp or nonce the client sends).
  const body = bodyKey(a.body) !== bodyKey(b.body) || a.body.kind !== b.body.kind ? diffBody(a.body, b.body, context, a.headers, b.headers) : undefined;
  if (body) parts.push('body');
  // A side that did not record its request headers (vcr 2) tells nothing about them.
  const recorded = a.headersRecorded !== false && b.headersRecorded !== false;
  const headers = recorded ? diffHeaders(a.headers, b.headers, context.isVolatileRequestHeader, false) : undefined;
  if (headers) parts.push('headers');
  if (parts.length === 0) return undefined;
  const change: RequestChange = { from: describeRequestWithPort(a), to: describeRequestWithPort(b), parts };
  if (body) change.body = body;
  if (headers) change.headers = headers;
  return change;
}

function sameTemplate(a: RecordedRequest, b: RecordedRequest, left: string, right: string, templates: readonly PathTemplate[]): boolean {
  const template = matchPathTemplate(templates, a.method, left);
  return template !== undefined && template === matchPathTemplate(templates, b.method, right);
}

function canonicalQuery(url: URL): string {
  const params = new URLSearchParams(url.search);
  params.sort();
  return params.toString();
}

/** describeRequest, plus `host:port` when the two differ there: the reader must see what changed. */
function describeRequestWithPort(request: RecordedRequest): string {
  const url = parseUri(request.uri);
  if (!url) return describeRequest(request);
  return `${request.method.toUpperCase()} ${url.protocol}//${url.host}${url.pathname}${url.search}`;
}

/** Paths of unread fields whose raw values differ, or that only one side has. */
function differingUnread(a: readonly UnreadField[], b: readonly UnreadField[]): string[] {
  if (a.length === 0 && b.length === 0) return [];
  const before = new Map(a.map((field) => [field.path, canonicalJson(field.value)]));
  const after = new Map(b.map((field) => [field.path, canonicalJson(field.value)]));
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((path) => before.get(path) !== after.get(path)).sort();
}

function mediaType(headers: Headers): string | null {
  const value = headerValues(headers, 'content-type')[0];
  if (value === undefined) return null;
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' ? null : type;
}

function headerValues(headers: Headers, name: string): string[] {
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1] ?? [];
}

function diffHeaders(a: Headers, b: Headers, isVolatile: HeaderMatcher, skipContentType = true): HeaderChanges | undefined {
  const before = comparableHeaders(a, isVolatile, skipContentType);
  const after = comparableHeaders(b, isVolatile, skipContentType);
  const changes: HeaderChanges = { added: [], removed: [], changed: [], values: {} };
  for (const [name, values] of before) {
    const other = after.get(name);
    if (other === undefined) changes.removed.push(name);
    else if (!sameList(comparableValues(name, values), comparableValues(name, other))) changes.changed.push(name);
    else continue;
    changes.values[name] = { from: values, to: other ?? null };
  }
  for (const [name, values] of after) {
    if (before.has(name)) continue;
    changes.added.push(name);
    changes.values[name] = { from: null, to: values };
  }
  if (changes.added.length + changes.removed.length + changes.changed.length === 0) return undefined;
  changes.added.sort();
  changes.removed.sort();
  changes.changed.sort();
  return changes;
}

/** Lower-cased names, volatile ones (and for responses content-type, reported as a media type) left out. */
function comparableHeaders(headers: Headers, isVolatile: HeaderMatcher, skipContentType: boolean): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [rawName, values] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if ((skipContentType && name === 'content-type') || isVolatile(name)) continue;
    result.set(name, [...(result.get(name) ?? []), ...values]);
  }
  return result;
}

/**
 * R crul records the status line as a `status` header: "HTTP/1.1 200 OK" and "HTTP/2 200" say the
 * same (the code is compared on its own); any other value is compared as it is.
 */
function comparableValues(name: string, values: readonly string[]): readonly string[] {
  if (name !== 'status') return values;
  return values.map((value) => /^HTTP\/[\d.]+\s+(\d{3})\b/i.exec(value.trim())?.[1] ?? value);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Bodies

/**
 * Bodies are compared decoded (decodeBody: compression taken off, bytes read as text or JSON), so
 * two encodings of one answer are one answer. When either side cannot be decoded, both are compared
 * as stored, and a difference says why it was not decoded: when unsure, changed.
 */
function diffBody(left: Body, right: Body, context: Context, leftHeaders: Headers, rightHeaders: Headers): BodyChange | undefined {
  const storedA = emptied(left);
  const storedB = emptied(right);
  if (sameStored(storedA, storedB)) return undefined;
  if (storedA.kind !== 'binary' && storedB.kind !== 'binary') return diffDecoded(storedA, storedB, context);
  const a = decodeBody(storedA, leftHeaders);
  const b = decodeBody(storedB, rightHeaders);
  const problem = a.problem ?? b.problem;
  if (problem !== undefined) {
    const change = diffDecoded(storedA, storedB, context);
    if (change && ('binary' in change || 'kind' in change)) change.notDecoded = problem;
    return change;
  }
  const change = diffDecoded(emptied(a.body), emptied(b.body), context);
  const decoded = decodedLayers(a, b);
  if (change && decoded !== undefined) change.decoded = decoded;
  return change;
}

function sameStored(a: Body, b: Body): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'empty':
      return true;
    case 'json':
    case 'text':
      return a.text === (b as Extract<Body, { text: string }>).text;
    case 'binary':
      return a.base64 === (b as Extract<Body, { kind: 'binary' }>).base64;
  }
}

function decodedLayers(a: DecodedBody, b: DecodedBody): string | undefined {
  const name = (side: DecodedBody) => (side.layers.length === 0 ? 'as stored' : side.layers.join(' in '));
  if (a.layers.length === 0 && b.layers.length === 0) return undefined;
  return name(a) === name(b) ? name(a) : `${name(a)} -> ${name(b)}`;
}

function diffDecoded(a: Body, b: Body, context: Context): BodyChange | undefined {
  if (a.kind !== b.kind) return { kind: { from: a.kind, to: b.kind } };
  switch (a.kind) {
    case 'empty':
      return undefined;
    case 'json': {
      const other = b as Extract<Body, { kind: 'json' }>;
      // Same text, same value: skips the walk for the common unchanged body.
      if (a.text === other.text) return undefined;
      return diffJson(a.value, other.value, context.fields, context.maxPaths, context.maxValueChars);
    }
    case 'text': {
      const other = b as Extract<Body, { kind: 'text' }>;
      if (a.text === other.text) return undefined;
      return textChange(a.text, other.text, context.maxValueChars);
    }
    case 'binary': {
      const other = b as Extract<Body, { kind: 'binary' }>;
      if (a.base64 === other.base64) return undefined;
      const before = Buffer.from(a.base64, 'base64');
      const after = Buffer.from(other.base64, 'base64');
      let first = 0;
      while (first < before.length && first < after.length && before[first] === after[first]) first++;
      return { binary: 'changed', bytes: { from: before.length, to: after.length }, firstDifference: first };
    }
  }
}

/** Formats store "no body" as nothing, "" or an empty base64 string: all the same body. */
function emptied(body: Body): Body {
  if ((body.kind === 'text' && body.text === '') || (body.kind === 'binary' && body.base64 === '')) return { kind: 'empty' };
  return body;
}

function textChange(before: string, after: string, maxChars: number): TextBodyChange {
  const change: TextBodyChange = { text: 'changed', lines: { from: lineCount(before), to: lineCount(after) } };
  const a = before.split('\n');
  const b = after.split('\n');
  let line = 0;
  while (line < a.length && line < b.length && a[line] === b[line]) line++;
  const show = (lines: string[]) => (line < lines.length ? cut(lines[line]!, maxChars) : null);
  change.firstDifference = { line: line + 1, from: show(a), to: show(b) };
  return change;
}

function lineCount(text: string): number {
  if (text === '') return 0;
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < text.length - 1; at = text.indexOf('\n', at + 1)) lines += 1;
  return lines;
}

function cut(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/**
 * A value as compact JSON, at most `maxChars` characters (then ending in `…`), without serialising
 * more of a huge subtree than it shows.
 */
export function previewValue(value: unknown, maxChars: number = DEFAULT_MAX_VALUE_CHARS): string {
  const parts: string[] = [];
  let length = 0;
  const emit = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= maxChars;
  };
  const walk = (item: unknown): boolean => {
    if (Array.isArray(item)) {
      if (!emit('[')) return false;
      for (let i = 0; i < item.length; i++) if ((i > 0 && !emit(',')) || !walk(item[i])) return false;
      return emit(']');
    }
    if (item instanceof Uint8Array) return emit(`<${item.byteLength} bytes>`);
    if (item !== null && typeof item === 'object') {
      if (!emit('{')) return false;
      let first = true;
      for (const key of Object.keys(item)) {
        if ((!first && !emit(',')) || !emit(`${JSON.stringify(key)}:`) || !walk((item as Record<string, unknown>)[key])) return false;
        first = false;
      }
      return emit('}');
    }
    return emit(JSON.stringify(item) ?? String(item));
  };
  walk(value);
  return cut(parts.join(''), maxChars);
}

/** Structural JSON diff; key order never matters, arrays compare by index. */
export function diffJson(
  before: unknown,
  after: unknown,
  fields: FieldNoise,
  maxPaths: number = DEFAULT_MAX_PATHS,
  maxValueChars: number = DEFAULT_MAX_VALUE_CHARS,
): JsonBodyChange | undefined {
  if (fields.root === 'volatile') return undefined;
  const walker = new JsonWalker(fields, maxPaths, maxValueChars);
  walker.compare(before, after, fields.root);
  const { counts } = walker;
  if (counts.added + counts.removed + counts.changed === 0) return undefined;
  return walker.result();
}

type ListName = keyof PathCounts;

/** A string that holds a JSON object or array, parsed; undefined for any other string. */
function embeddedJson(text: string): object | undefined {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

interface Group {
  first: string;
  count: number;
  /** Length of the array behind the one `[*]`, on the side the list is about; undefined for 0 or 2+ wildcards. */
  of: number | undefined;
  from?: string;
  to?: string;
}

/**
 * Walks both values at once with one mutable path stack. Places that differ only in array indices
 * are gathered in one group (`$.data[*].currency`, 12 of 12); a path and its values are formatted
 * only for a group's first place, and at most maxPaths groups per list are kept: a huge body costs
 * one pass and no copies.
 */
class JsonWalker {
  readonly counts: PathCounts = { added: 0, removed: 0, changed: 0 };
  private readonly groups: Record<ListName, Map<string, Group>> = { added: new Map(), removed: new Map(), changed: new Map() };
  private readonly path: PathSegment[] = [];
  /** Per path segment: the lengths of the old and new arrays it indexes (undefined for keys). */
  private readonly lengths: (readonly [number, number] | undefined)[] = [];

  constructor(
    private readonly fields: FieldNoise,
    private readonly maxPaths: number,
    private readonly maxValueChars: number,
  ) {}

  result(): JsonBodyChange {
    const list = (name: ListName): PathChange[] =>
      [...this.groups[name].entries()].map(([pattern, group]) => {
        const change: PathChange = { path: group.count === 1 ? group.first : pattern, count: group.count };
        if (group.count > 1) change.first = group.first;
        if (group.of !== undefined && group.count > 1) change.of = group.of;
        if (group.from !== undefined) change.from = group.from;
        if (group.to !== undefined) change.to = group.to;
        return change;
      });
    return { added: list('added'), removed: list('removed'), changed: list('changed'), counts: { ...this.counts } };
  }

  compare(a: unknown, b: unknown, states: PathStates): void {
    if (a === b) return;
    const aObject = a !== null && typeof a === 'object';
    const bObject = b !== null && typeof b === 'object';
    if (!aObject || !bObject || Array.isArray(a) !== Array.isArray(b)) {
      // NaN and the like: JSON has none, but YAML-typed bodies may; equal text is no change.
      if (!aObject && !bObject && Object.is(a, b)) return;
      if (typeof a === 'string' && typeof b === 'string') {
        // JSON inside a string (an API that returns an encoded document, a body stored as a JSON
        // string): compared as JSON, so key order and volatile fields apply inside it too.
        const innerA = embeddedJson(a);
        const innerB = innerA === undefined ? undefined : embeddedJson(b);
        if (innerA !== undefined && innerB !== undefined) {
          this.compare(innerA, innerB, states);
          return;
        }
      }
      this.record('changed', a, b);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) this.compareArrays(a, b, states);
    else this.compareObjects(a as Record<string, unknown>, b as Record<string, unknown>, states);
  }

  private compareArrays(a: readonly unknown[], b: readonly unknown[], states: PathStates): void {
    const lengths = [a.length, b.length] as const;
    const shared = Math.min(a.length, b.length);
    for (let i = 0; i < shared; i++) this.child(i, a[i], b[i], states, lengths);
    for (let i = shared; i < a.length; i++) this.one(i, 'removed', a[i], states, lengths);
    for (let i = shared; i < b.length; i++) this.one(i, 'added', b[i], states, lengths);
  }

  private compareObjects(a: Record<string, unknown>, b: Record<string, unknown>, states: PathStates): void {
    // for-in over parsed JSON (own enumerable keys only, no prototype) allocates no key arrays.
    for (const key in a) {
      if (Object.hasOwn(b, key)) this.child(key, a[key], b[key], states, undefined);
      else this.one(key, 'removed', a[key], states, undefined);
    }
    for (const key in b) if (!Object.hasOwn(a, key)) this.one(key, 'added', b[key], states, undefined);
  }

  private child(segment: PathSegment, a: unknown, b: unknown, states: PathStates, lengths: readonly [number, number] | undefined): void {
    if (a === b) return;
    const inner = enterField(this.fields, states, segment);
    if (inner === 'volatile') return;
    this.path.push(segment);
    this.lengths.push(lengths);
    this.compare(a, b, inner);
    this.path.pop();
    this.lengths.pop();
  }

  private one(segment: PathSegment, list: ListName, value: unknown, states: PathStates, lengths: readonly [number, number] | undefined): void {
    if (enterField(this.fields, states, segment) === 'volatile') return;
    this.path.push(segment);
    this.lengths.push(lengths);
    if (list === 'added') this.record(list, undefined, value);
    else this.record(list, value, undefined);
    this.path.pop();
    this.lengths.pop();
  }

  private record(list: ListName, from: unknown, to: unknown): void {
    this.counts[list] += 1;
    const groups = this.groups[list];
    const pattern = this.pattern();
    const group = groups.get(pattern);
    if (group) {
      group.count += 1;
      return;
    }
    if (groups.size >= this.maxPaths) return;
    const created: Group = { first: formatPath(this.path), count: 1, of: this.wildcardLength(list) };
    if (list !== 'added') created.from = previewValue(from, this.maxValueChars);
    if (list !== 'removed') created.to = previewValue(to, this.maxValueChars);
    groups.set(pattern, created);
  }

  /** The path with every array index as `*`. */
  private pattern(): string {
    let text = '$';
    for (const segment of this.path) text += typeof segment === 'number' ? '[*]' : formatPath([segment]).slice(1);
    return text;
  }

  private wildcardLength(list: ListName): number | undefined {
    let found: number | undefined;
    let wildcards = 0;
    for (const lengths of this.lengths) {
      if (lengths === undefined) continue;
      wildcards += 1;
      found = list === 'removed' ? lengths[0] : lengths[1];
    }
    return wildcards === 1 ? found : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Human lines

const PATHS_PER_LINE = 5;

/**
 * Short lines for logs and summaries, one per changed interaction (plus one per cassette-wide note),
 * e.g. `GET /items: status 200 -> 503; body ~$.total 2 -> 3, +$.data[*].currency in 12 of 12`.
 * Noise-only gives none; an added or removed cassette one line.
 */
export function describeDiff(diff: CassetteDiff): string[] {
  switch (diff.status) {
    case 'noise-only':
      return [];
    case 'added':
      return [`new cassette: ${plural(diff.changes.length, 'interaction')}${statusList(diff.changes, 'to')}`];
    case 'removed':
      return [`cassette removed: ${plural(diff.changes.length, 'interaction')}${statusList(diff.changes, 'from')}`];
    case 'changed':
      return [...(diff.notes ?? []), ...diff.changes.map(describeChange)];
  }
}

/** ` (200 x3, 404)`: the statuses of a whole added or removed cassette. */
function statusList(changes: readonly InteractionChange[], side: 'from' | 'to'): string {
  const counts = new Map<number, number>();
  for (const change of changes) {
    const status = change.status[side];
    if (status !== null) counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (counts.size === 0) return '';
  return ` (${[...counts].map(([status, n]) => (n === 1 ? `${status}` : `${status} x${n}`)).join(', ')})`;
}

/** `+x-new: "v", -x-gone (was "v"), ~x-pool: "a" -> "b"`: names with their values, each cut to a readable length. */
export function describeHeaders(changes: HeaderChanges): string {
  const shown = (values: readonly string[] | null | undefined) => {
    const text = (values ?? []).join(', ');
    return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
  };
  const value = (name: string) => changes.values[name];
  return [
    ...changes.added.map((name) => `+${name}: ${shown(value(name)?.to)}`),
    ...changes.removed.map((name) => `-${name} (was ${shown(value(name)?.from)})`),
    ...changes.changed.map((name) => `~${name}: ${shown(value(name)?.from)} -> ${shown(value(name)?.to)}`),
  ].join(', ');
}

export function describeChange(change: InteractionChange): string {
  if (change.kind === 'added') return `${change.request}: added (${change.status.to})`;
  if (change.kind === 'removed') return `${change.request}: removed (was ${change.status.from})`;
  const parts: string[] = [];
  const { from, to } = change.status;
  if (from !== to) parts.push(`status ${from} -> ${to}`);
  else if (change.requestChange) parts.push(`status ${to} both`);
  if (change.contentType) {
    parts.push(`content type ${change.contentType.from ?? 'none'} -> ${change.contentType.to ?? 'none'}`);
  }
  if (change.headers) parts.push(`headers ${describeHeaders(change.headers)}`);
  if (change.requestChange?.headers) parts.push(`request headers ${describeHeaders(change.requestChange.headers)}`);
  if (change.requestChange?.body) parts.push(`request ${describeBody(change.requestChange.body)}`);
  if (change.body) parts.push(describeBody(change.body));
  if (change.unread) parts.push(`not interpreted, changed: ${change.unread.join(', ')}`);
  const request = change.requestChange;
  const title = request
    ? request.from === request.to
      ? `${change.request} (request ${request.parts.join(', ')} changed)`
      : `${request.from} -> ${request.to} (${request.parts.join(', ')} changed)`
    : change.request;
  return `${title}: ${parts.join('; ')}`;
}

/** `~$.total 2 -> 3`, `+$.data[*].currency "EUR" (in 12 of 12)`, `-$.legacy 1`. */
export function describePathChange(change: PathChange, list: ListName): string {
  const sign = list === 'added' ? '+' : list === 'removed' ? '-' : '~';
  const value = list === 'changed' ? ` ${change.from} -> ${change.to}` : ` ${list === 'added' ? change.to : change.from}`;
  const where = change.count > 1 ? (change.of !== undefined ? ` (in ${change.count} of ${change.of})` : ` (in ${change.count} places)`) : '';
  return `${sign}${change.path}${value}${where}`;
}

function describeBody(body: BodyChange): string {
  const notDecoded = 'notDecoded' in body && body.notDecoded !== undefined ? `, ${body.notDecoded}` : '';
  if (body.decoded !== undefined) return describeBodyParts(body).replace(/^body/, `body (decoded: ${body.decoded})`);
  return describeBodyParts(body) + notDecoded;
}

function describeBodyParts(body: BodyChange): string {
  if ('kind' in body) return `body ${body.kind.from} -> ${body.kind.to}`;
  if ('text' in body) {
    const first = body.firstDifference;
    const where = first ? `, line ${first.line}: ${JSON.stringify(first.from)} -> ${JSON.stringify(first.to)}` : '';
    return `body text changed (${body.lines.from} -> ${body.lines.to} lines${where})`;
  }
  if ('binary' in body) return `binary body changed (${body.bytes.from} -> ${body.bytes.to} bytes, first difference at byte ${body.firstDifference})`;
  const tokens = [
    ...body.added.map((p) => describePathChange(p, 'added')),
    ...body.removed.map((p) => describePathChange(p, 'removed')),
    ...body.changed.map((p) => describePathChange(p, 'changed')),
  ];
  const shown = tokens.slice(0, PATHS_PER_LINE);
  const placesShown = [...body.added, ...body.removed, ...body.changed].slice(0, PATHS_PER_LINE).reduce((sum, p) => sum + p.count, 0);
  const total = body.counts.added + body.counts.removed + body.counts.changed;
  if (shown.length === 0) return `body ${plural(total, 'path')} changed`;
  const more = total - placesShown;
  return `body ${shown.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
