// The semantic diff of two recordings of one cassette: what really changed once noise (volatile
// headers, volatile JSON fields, timestamps) is set aside. "noise-only" lets the caller put the old
// bytes back so reviewers only see real API drift.
import { describeRequest, type Body, type Cassette, type Headers, type Interaction, type RecordedRequest } from './model.js';
import {
  compileVolatileFields,
  enterField,
  formatPath,
  volatileHeaderMatcher,
  type FieldNoise,
  type HeaderMatcher,
  type PathSegment,
  type PathStates,
} from './noise.js';

export interface DiffOptions {
  /** Header names ignored on top of DEFAULT_VOLATILE_HEADERS; case-insensitive, `*` globs allowed. */
  volatileHeaders: readonly string[];
  /** JSON body fields ignored: bare keys at any depth or `$`-paths. */
  volatileFields: readonly string[];
  /** Paths listed per added/removed/changed list; counts stay exact. Default 20. */
  maxPaths?: number;
}

export const CASSETTE_STATUSES = ['noise-only', 'changed', 'added', 'removed'] as const;
export type CassetteStatus = (typeof CASSETTE_STATUSES)[number];

export const INTERACTION_CHANGE_KINDS = ['changed', 'added', 'removed'] as const;
export type InteractionChangeKind = (typeof INTERACTION_CHANGE_KINDS)[number];

export interface FromTo<T> {
  from: T;
  to: T;
}

export interface HeaderChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface PathCounts {
  added: number;
  removed: number;
  changed: number;
}

/** JSON bodies: paths such as `$.items[3].price`, at most `maxPaths` per list; `counts` are exact. */
export interface JsonBodyChange {
  added: string[];
  removed: string[];
  changed: string[];
  counts: PathCounts;
}

export interface TextBodyChange {
  text: 'changed';
  lines: FromTo<number>;
}

export interface BinaryBodyChange {
  binary: 'changed';
  bytes: FromTo<number>;
}

/** The body changed kind, e.g. json -> text (an HTML error page instead of JSON). */
export interface BodyKindChange {
  kind: FromTo<Body['kind']>;
}

export type BodyChange = JsonBodyChange | TextBodyChange | BinaryBodyChange | BodyKindChange;

export interface InteractionChange {
  /** `GET /items?page=2`, as describeRequest names it. */
  request: string;
  kind: InteractionChangeKind;
  /** Position in the new cassette; in the old one for `removed`. */
  index: number;
  /** 1-based line of that interaction, when the format tells us. */
  line?: number;
  status?: FromTo<number>;
  /** Media type only, lower case; null when the header is missing. */
  contentType?: FromTo<string | null>;
  headers?: HeaderChanges;
  body?: BodyChange;
}

export interface CassetteDiff {
  cassette: string;
  status: CassetteStatus;
  /** Empty for noise-only. */
  changes: InteractionChange[];
}

const DEFAULT_MAX_PATHS = 20;

// ---------------------------------------------------------------------------------------------
// Request identity, shared with poison.ts

/**
 * What makes two recorded requests "the same request": method, URI with query parameters in a
 * canonical order (and percent-encoding, fragment dropped), and the request body (JSON with keys
 * sorted). Request headers are deliberately left out: user agents, auth tokens and client versions
 * drift between recordings without changing which request was made.
 */
export function requestKey(request: Pick<RecordedRequest, 'method' | 'uri' | 'body'>): string {
  return `${request.method.toUpperCase()} ${normalizeUri(request.uri)}\n${bodyKey(request.body)}`;
}

function normalizeUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
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

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${fields.join(',')}}`;
  }
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
  const context: Context = {
    isVolatileHeader: volatileHeaderMatcher(options.volatileHeaders),
    fields: compileVolatileFields(options.volatileFields),
    maxPaths: Math.max(0, options.maxPaths ?? DEFAULT_MAX_PATHS),
  };
  const { pairs, added, removed } = matchInteractions(old.interactions, next.interactions);
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
    const change = before && diffInteraction(before, interaction, context);
    if (change) changes.push(change);
  }
  for (const interaction of removed) changes.push(bare(interaction, 'removed'));
  return { cassette: name, status: changes.length === 0 ? 'noise-only' : 'changed', changes };
}

interface Context {
  isVolatileHeader: HeaderMatcher;
  fields: FieldNoise;
  maxPaths: number;
}

interface Matching {
  pairs: [Interaction, Interaction][];
  added: Interaction[];
  removed: Interaction[];
}

/**
 * Pairs interactions by request identity in order of occurrence (the 2nd GET /x with the 2nd GET /x),
 * through a map so large cassettes stay linear.
 */
export function matchInteractions(old: readonly Interaction[], next: readonly Interaction[]): Matching {
  const queues = new Map<string, { items: Interaction[]; used: number }>();
  for (const interaction of old) {
    const key = requestKey(interaction.request);
    const queue = queues.get(key);
    if (queue) queue.items.push(interaction);
    else queues.set(key, { items: [interaction], used: 0 });
  }
  const pairs: [Interaction, Interaction][] = [];
  const added: Interaction[] = [];
  for (const interaction of next) {
    const queue = queues.get(requestKey(interaction.request));
    const before = queue?.items[queue.used];
    if (queue && before) {
      queue.used += 1;
      pairs.push([before, interaction]);
    } else {
      added.push(interaction);
    }
  }
  const removed: Interaction[] = [];
  for (const queue of queues.values()) {
    for (let i = queue.used; i < queue.items.length; i++) removed.push(queue.items[i] as Interaction);
  }
  removed.sort((a, b) => a.index - b.index);
  return { pairs, added, removed };
}

function bare(interaction: Interaction, kind: InteractionChangeKind): InteractionChange {
  const change: InteractionChange = { request: describeRequest(interaction.request), kind, index: interaction.index };
  if (interaction.line !== undefined) change.line = interaction.line;
  return change;
}

function diffInteraction(before: Interaction, after: Interaction, context: Context): InteractionChange | undefined {
  const change = bare(after, 'changed');
  let changed = false;
  const { response: a } = before;
  const { response: b } = after;
  if (a.status !== b.status) {
    change.status = { from: a.status, to: b.status };
    changed = true;
  }
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
  const body = diffBody(a.body, b.body, context);
  if (body) {
    change.body = body;
    changed = true;
  }
  return changed ? change : undefined;
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

function diffHeaders(a: Headers, b: Headers, isVolatile: HeaderMatcher): HeaderChanges | undefined {
  const before = comparableHeaders(a, isVolatile);
  const after = comparableHeaders(b, isVolatile);
  const changes: HeaderChanges = { added: [], removed: [], changed: [] };
  for (const [name, values] of before) {
    const other = after.get(name);
    if (other === undefined) changes.removed.push(name);
    else if (!sameList(values, other)) changes.changed.push(name);
  }
  for (const name of after.keys()) if (!before.has(name)) changes.added.push(name);
  if (changes.added.length + changes.removed.length + changes.changed.length === 0) return undefined;
  changes.added.sort();
  changes.removed.sort();
  changes.changed.sort();
  return changes;
}

/** Lower-cased names, volatile ones and content-type (reported as a media type) left out. */
function comparableHeaders(headers: Headers, isVolatile: HeaderMatcher): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [rawName, values] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (name === 'content-type' || isVolatile(name)) continue;
    result.set(name, [...(result.get(name) ?? []), ...values]);
  }
  return result;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

// ---------------------------------------------------------------------------------------------
// Bodies

function diffBody(left: Body, right: Body, context: Context): BodyChange | undefined {
  const a = emptied(left);
  const b = emptied(right);
  if (a.kind !== b.kind) return { kind: { from: a.kind, to: b.kind } };
  switch (a.kind) {
    case 'empty':
      return undefined;
    case 'json': {
      const other = b as Extract<Body, { kind: 'json' }>;
      // Same text, same value: skips the walk for the common unchanged body.
      if (a.text === other.text) return undefined;
      return diffJson(a.value, other.value, context.fields, context.maxPaths);
    }
    case 'text': {
      const other = b as Extract<Body, { kind: 'text' }>;
      if (a.text === other.text) return undefined;
      return { text: 'changed', lines: { from: lineCount(a.text), to: lineCount(other.text) } };
    }
    case 'binary': {
      const other = b as Extract<Body, { kind: 'binary' }>;
      if (a.base64 === other.base64) return undefined;
      return { binary: 'changed', bytes: { from: byteLength(a.base64), to: byteLength(other.base64) } };
    }
  }
}

/** Formats store "no body" as nothing, "" or an empty base64 string: all the same body. */
function emptied(body: Body): Body {
  if ((body.kind === 'text' && body.text === '') || (body.kind === 'binary' && body.base64 === '')) return { kind: 'empty' };
  return body;
}

function lineCount(text: string): number {
  if (text === '') return 0;
  let lines = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < text.length - 1; at = text.indexOf('\n', at + 1)) lines += 1;
  return lines;
}

function byteLength(base64: string): number {
  const clean = base64.replace(/\s+/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return Math.max(0, Math.floor((clean.length * 3) / 4) - padding);
}

/** Structural JSON diff; key order never matters, arrays compare by index. */
export function diffJson(
  before: unknown,
  after: unknown,
  fields: FieldNoise,
  maxPaths: number = DEFAULT_MAX_PATHS,
): JsonBodyChange | undefined {
  if (fields.root === 'volatile') return undefined;
  const walker = new JsonWalker(fields, maxPaths);
  walker.compare(before, after, fields.root);
  const { counts } = walker.result;
  return counts.added + counts.removed + counts.changed === 0 ? undefined : walker.result;
}

type ListName = keyof PathCounts;

/**
 * Walks both values at once with one mutable path stack, and formats a path only while its list
 * still has room: a huge body costs one pass and no copies.
 */
class JsonWalker {
  readonly result: JsonBodyChange = { added: [], removed: [], changed: [], counts: { added: 0, removed: 0, changed: 0 } };
  private readonly path: PathSegment[] = [];

  constructor(
    private readonly fields: FieldNoise,
    private readonly maxPaths: number,
  ) {}

  compare(a: unknown, b: unknown, states: PathStates): void {
    if (a === b) return;
    const aObject = a !== null && typeof a === 'object';
    const bObject = b !== null && typeof b === 'object';
    if (!aObject || !bObject || Array.isArray(a) !== Array.isArray(b)) {
      this.record('changed');
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) this.compareArrays(a, b, states);
    else this.compareObjects(a as Record<string, unknown>, b as Record<string, unknown>, states);
  }

  private compareArrays(a: readonly unknown[], b: readonly unknown[], states: PathStates): void {
    const shared = Math.min(a.length, b.length);
    for (let i = 0; i < shared; i++) this.child(i, a[i], b[i], states);
    for (let i = shared; i < a.length; i++) this.one(i, 'removed', states);
    for (let i = shared; i < b.length; i++) this.one(i, 'added', states);
  }

  private compareObjects(a: Record<string, unknown>, b: Record<string, unknown>, states: PathStates): void {
    // for-in over parsed JSON (own enumerable keys only, no prototype) allocates no key arrays.
    for (const key in a) {
      if (Object.hasOwn(b, key)) this.child(key, a[key], b[key], states);
      else this.one(key, 'removed', states);
    }
    for (const key in b) if (!Object.hasOwn(a, key)) this.one(key, 'added', states);
  }

  private child(segment: PathSegment, a: unknown, b: unknown, states: PathStates): void {
    if (a === b) return;
    const inner = enterField(this.fields, states, segment);
    if (inner === 'volatile') return;
    this.path.push(segment);
    this.compare(a, b, inner);
    this.path.pop();
  }

  private one(segment: PathSegment, list: ListName, states: PathStates): void {
    if (enterField(this.fields, states, segment) === 'volatile') return;
    this.path.push(segment);
    this.record(list);
    this.path.pop();
  }

  private record(list: ListName): void {
    this.result.counts[list] += 1;
    if (this.result[list].length < this.maxPaths) this.result[list].push(formatPath(this.path));
  }
}

// ---------------------------------------------------------------------------------------------
// Human lines

const PATHS_PER_LINE = 5;

/**
 * Short lines for logs and summaries, one per changed interaction, e.g.
 * `GET /items: status 200 -> 503; body +$.items[3], ~$.total`. Noise-only gives none; an added or
 * removed cassette one line.
 */
export function describeDiff(diff: CassetteDiff): string[] {
  switch (diff.status) {
    case 'noise-only':
      return [];
    case 'added':
      return [`new cassette: ${plural(diff.changes.length, 'interaction')}`];
    case 'removed':
      return [`cassette removed: ${plural(diff.changes.length, 'interaction')}`];
    case 'changed':
      return diff.changes.map(describeChange);
  }
}

export function describeChange(change: InteractionChange): string {
  if (change.kind !== 'changed') return `${change.request}: ${change.kind}`;
  const parts: string[] = [];
  if (change.status) parts.push(`status ${change.status.from} -> ${change.status.to}`);
  if (change.contentType) {
    parts.push(`content type ${change.contentType.from ?? 'none'} -> ${change.contentType.to ?? 'none'}`);
  }
  if (change.headers) {
    const { added, removed, changed } = change.headers;
    parts.push(`headers ${[...added.map((n) => `+${n}`), ...removed.map((n) => `-${n}`), ...changed.map((n) => `~${n}`)].join(', ')}`);
  }
  if (change.body) parts.push(describeBody(change.body));
  return `${change.request}: ${parts.join('; ')}`;
}

function describeBody(body: BodyChange): string {
  if ('kind' in body) return `body ${body.kind.from} -> ${body.kind.to}`;
  if ('text' in body) return `body text changed (${body.lines.from} -> ${body.lines.to} lines)`;
  if ('binary' in body) return `binary body changed (${body.bytes.from} -> ${body.bytes.to} bytes)`;
  const tokens = [
    ...body.added.map((p) => `+${p}`),
    ...body.removed.map((p) => `-${p}`),
    ...body.changed.map((p) => `~${p}`),
  ];
  const total = body.counts.added + body.counts.removed + body.counts.changed;
  const shown = tokens.slice(0, PATHS_PER_LINE);
  if (shown.length === 0) return `body ${plural(total, 'path')} changed`;
  const more = total - shown.length;
  return `body ${shown.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
