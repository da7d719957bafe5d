// What counts as noise between two recordings of the same API: response headers that change on
// every request, and JSON body fields the user names. diff.ts skips both when comparing.
import { minimatch } from 'minimatch';
import type { RecordedRequest } from './model.js';

/**
 * Response headers that differ between two recordings of an unchanged API.
 *
 * Why some less obvious ones are here:
 * - `last-modified` and `etag`: they follow the body, which we compare anyway; many dynamic endpoints
 *   stamp "now" or a per-server tag, so on their own they only ever flag noise.
 * - `content-length`, `transfer-encoding`, `connection`, `keep-alive`: framing; the body is compared.
 * - `set-cookie`: session cookies are fresh on every request.
 * - `content-security-policy(-report-only)`: carries a per-request nonce on many sites.
 * - `retry-after`, `expires`, `age`: clock-relative.
 * - `x-cache*`, `x-served-by`, `cf-cache-status`, `alt-svc`, `via`: which edge answered, not what.
 * `content-type` is not listed: diff.ts reports its media type on its own and ignores its parameters.
 */
export const DEFAULT_VOLATILE_HEADERS = [
  // clocks and caching
  'date',
  'age',
  'expires',
  'last-modified',
  'etag',
  'retry-after',
  // request ids and tracing
  'x-request-id',
  'request-id',
  'x-amzn-requestid',
  'x-amz-request-id',
  'x-amz-id-2',
  'x-amz-cf-id',
  'x-amz-cf-pop',
  'x-amz-apigw-id',
  'apigw-requestid',
  'x-correlation-id',
  'x-trace-id',
  'traceparent',
  'tracestate',
  'cf-ray',
  'x-github-request-id',
  'x-cloud-trace-context',
  'x-vercel-id',
  // Twitter/X's per-request transaction id.
  'x-transaction',
  // Twitter/X's id of the TCP connection that served the request.
  'x-connection-hash',
  // Azure Front Door's per-request reference.
  'x-azure-ref',
  // Akamai's per-request reference and session info.
  'x-akamai-request-id',
  'akamai-grn',
  // Fly.io's request id.
  'fly-request-id',
  // Heroku router's queue wait: a timing.
  'x-heroku-queue-wait-time',
  // Google frontends stamp their own GUID on each answer.
  'x-guploader-uploadid',
  // timings
  'x-runtime',
  // Rack::Runtime under a custom name (Rails apps mounting several stacks).
  'x-runtime-rack',
  'server-timing',
  'x-response-time',
  'x-envoy-upstream-service-time',
  'x-timer',
  // Heroku and nginx report how long the request waited or took.
  'x-request-time',
  'x-processing-time',
  'x-elapsed-time',
  'x-upstream-response-time',
  // Twitter/X's response-time header.
  'x-response-time-ms',
  // edges and caches
  'x-served-by',
  'via',
  'x-cache',
  'x-cache-hits',
  'x-cache-status',
  'x-cache-lookup',
  'x-proxy-cache',
  'cf-cache-status',
  'x-vercel-cache',
  'alt-svc',
  // Fastly: the node that answered.
  'x-fastly-backend-reqs',
  // Cloudflare's edge id for the connection.
  'cf-edge-cache',
  // Nginx/Varnish cache age and a served-at counter.
  'x-served-at',
  // Akamai and CloudFront cache keys and edge hosts.
  'x-check-cacheable',
  'x-akamai-staging',
  'x-edge-location',
  'x-edge-ip',
  // Which backend server or pod answered: load balancing, not content.
  'x-backend-server',
  'x-served-by-host',
  'x-server',
  'x-pod',
  'x-host',
  'x-instance-id',
  // Crossref: which API pool and URL served the call, and which deployment answered.
  'x-api-pool',
  'x-api-url',
  'crossref-deployment-name',
  // NCBI E-utilities: per-hit and per-session ids, and its rate-limit counters.
  'ncbi-phid',
  'ncbi-sid',
  'x-rlr',
  'x-grlr',
  // OpenAI: how long the model took.
  'openai-processing-ms',
  // Timing of the request body at the load balancer.
  'x-tsa-request-body-time',
  // framing and sessions
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'set-cookie',
  'report-to',
  'nel',
  'content-security-policy',
  'content-security-policy-report-only',
] as const;

/** Families of volatile headers no list can enumerate (every vendor spells its request id). */
export const DEFAULT_VOLATILE_HEADER_PATTERNS: readonly RegExp[] = [
  // x-request-id, x-fastly-request-id, x-amzn-trace-id, x-b3-spanid, x-transaction-id, ...
  /(^|[-_])(request|correlation|trace|span|transaction)[-_]?id$/,
  // Rate-limit counters tick down on every call.
  /^(x-)?rate-?limit-/,
  // Zipkin/B3 and Envoy tracing and routing details.
  /^x-b3-/,
  /^x-envoy-/,
  // x-kong-upstream-latency, x-kong-proxy-latency, ...
  /-latency$/,
  // Varnish: x-varnish (the transaction ids), x-varnish-rli, x-varnish-cache, x-varnish-backend, ...
  /^x-varnish(-|$)/,
  // Timing headers under any vendor prefix: x-upstream-time-ms, x-db-runtime, x-render-duration-ms.
  // A bare `duration` is left alone: x-video-duration describes content, not the request.
  /^x-(.+-)?(runtime|elapsed|took)(-ms|-us|-seconds)?$/,
  /^x-.+-(time|duration)-(ms|us|seconds)$/,
  // CDN and cache ids: x-amz-cf-*, x-cdn-*, x-edge-*, x-akamai-*, x-fastly-*, x-cache-*.
  /^x-(amz-cf|cdn|edge|akamai|fastly|cache)-/,
  // Per-request ids under yet other names: x-req-id, x-reqid, x-txid, x-transaction-*, x-conn-*.
  /^x-(req-?id|txid|transaction(-.+)?|conn(ection)?-.+)$/,
];

/**
 * Request headers that vary between recordings without changing which request was made, or that
 * carry credentials (filtered to placeholders, or rotated): never reported as drift.
 */
export const DEFAULT_VOLATILE_REQUEST_HEADERS = [
  // Client and library versions: a dependency bump is not API drift.
  'user-agent',
  // R's crul sends its own and libcurl's versions here, beside user-agent.
  'x-user-agent',
  // Google's client libraries (gl-python/3.11 grpc/1.60 ...), the AWS SDK for JavaScript, Stripe's SDKs.
  'x-goog-api-client',
  'x-amz-user-agent',
  'x-stripe-client-user-agent',
  'x-stainless-package-version',
  'x-stainless-runtime-version',
  'x-stainless-os',
  'x-stainless-arch',
  'x-stainless-lang',
  'x-stainless-runtime',
  'x-stainless-retry-count',
  'x-stainless-read-timeout',
  'x-stainless-async',
  // Credentials: rotated keys and filtered placeholders.
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  // Framing and negotiation the client decides on its own.
  'accept-encoding',
  'host',
  'expect',
  // Idempotency keys are fresh per request by design.
  'idempotency-key',
  'x-idempotency-key',
] as const;

export type HeaderMatcher = (name: string) => boolean;

/**
 * Volatile header test: defaults plus the user's names, case-insensitive. A user entry may end in or
 * contain `*` (`x-myapp-*`) to name a family. Results are cached: the same few names repeat on
 * every interaction of a large cassette.
 */
export function volatileHeaderMatcher(extra: readonly string[], side: 'response' | 'request' = 'response'): HeaderMatcher {
  const names = new Set<string>(DEFAULT_VOLATILE_HEADERS);
  if (side === 'request') for (const name of DEFAULT_VOLATILE_REQUEST_HEADERS) names.add(name);
  const patterns = [...DEFAULT_VOLATILE_HEADER_PATTERNS];
  for (const entry of extra) {
    const name = entry.trim().toLowerCase();
    if (name === '') continue;
    if (name.includes('*')) patterns.push(globToRegExp(name));
    else names.add(name);
  }
  const cache = new Map<string, boolean>();
  return (name) => {
    const lower = name.toLowerCase();
    let volatile = cache.get(lower);
    if (volatile === undefined) {
      volatile = names.has(lower) || patterns.some((pattern) => pattern.test(lower));
      cache.set(lower, volatile);
    }
    return volatile;
  };
}

export type GlobMatcher = (file: string, glob: string) => boolean;

/**
 * `*` within one folder, `**` across folders, `?` one character; a glob without `/` matches the file
 * name in any folder. minimatch, as for test-pattern and the plan's globs: one glob dialect.
 */
export function matchPathGlob(file: string, glob: string): boolean {
  const pattern = glob.trim().replace(/^\.\//, '');
  return minimatch(file.split('\\').join('/').replace(/^\.\//, ''), pattern, { dot: true, matchBase: !pattern.includes('/') });
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

// ---------------------------------------------------------------------------------------------
// JSON body fields

/** One step into a JSON value: an object key or an array index. */
export type PathSegment = string | number;

type PathToken =
  | { type: 'key'; name: string }
  | { type: 'index'; index: number }
  | { type: 'any' }
  /** `..`: any number of levels, then the next token. */
  | { type: 'deep' };

/**
 * Where a walk stands in every path pattern at once, as `pattern * STRIDE + position`: numbers, so
 * walking a big body allocates nothing when no `$` paths are configured.
 */
export type PathStates = readonly number[];

const STRIDE = 1 << 16;
const NO_STATES: PathStates = [];

/** The user's volatile fields, compiled once per diff. */
export interface FieldNoise {
  /** Bare keys, ignored at any depth with everything under them. */
  readonly keys: ReadonlySet<string>;
  readonly paths: readonly (readonly PathToken[])[];
  /** States at the root `$`, or `'volatile'` when a pattern is `$` itself. */
  readonly root: PathStates | 'volatile';
}

export interface ScopedField {
  /** Cassette glob (`tests/cassettes/loans/*.yaml`), or undefined for every cassette. */
  glob: string | undefined;
  /** A `$` path or a bare key. */
  field: string;
}

/**
 * One `volatile-fields` entry: `FIELD` for every cassette, or `GLOB:FIELD` for the cassettes matching
 * GLOB (`tests/cassettes/loans/*.yaml:$.data.id`), so one endpoint's id does not hide another's.
 * An entry starting with `$` is always unscoped; otherwise the scope ends at `:$`, or at the last `:`
 * when what stands before it looks like a path (has `/`, `*` or `.`): a bare key `meta:id` stays a key.
 */
export function splitScopedField(raw: string): ScopedField {
  const entry = raw.trim();
  if (entry.startsWith('$')) return { glob: undefined, field: entry };
  const pathAt = entry.indexOf(':$');
  if (pathAt > 0) return { glob: entry.slice(0, pathAt), field: entry.slice(pathAt + 1) };
  const last = entry.lastIndexOf(':');
  if (last > 0 && last < entry.length - 1 && /[/*.]/.test(entry.slice(0, last))) return { glob: entry.slice(0, last), field: entry.slice(last + 1) };
  return { glob: undefined, field: entry };
}

/** Throws an Error naming a malformed entry (bad `$` path or empty glob); for config validation. */
export function checkVolatileField(raw: string): void {
  const { field } = splitScopedField(raw);
  if (field.startsWith('$')) parseFieldPath(field);
}

/**
 * Compiles `volatile-fields` entries that apply to `cassette` (a path relative to the working
 * directory; undefined applies only the unscoped ones): `$`-paths (`$.meta.generated_at`,
 * `$.items[*].updated_at`, `$['odd key']`, `$..etag`) or bare key names, each optionally scoped to
 * a cassette glob. Throws an Error naming a malformed path.
 */
export function compileVolatileFields(entries: readonly string[], cassette?: string, matchesGlob: GlobMatcher = matchPathGlob): FieldNoise {
  const keys = new Set<string>();
  const paths: PathToken[][] = [];
  for (const raw of entries) {
    if (raw.trim() === '') continue;
    const { glob, field } = splitScopedField(raw);
    if (glob !== undefined && (cassette === undefined || !matchesGlob(cassette, glob))) continue;
    if (field.startsWith('$')) paths.push(parseFieldPath(field));
    else keys.add(field);
  }
  const root = paths.some((tokens) => tokens.length === 0) ? 'volatile' : paths.map((_, i) => i * STRIDE);
  return { keys, paths, root };
}

/** Steps from `states` into `segment`: the states below it, or `'volatile'` to skip that subtree. */
export function enterField(noise: FieldNoise, states: PathStates, segment: PathSegment): PathStates | 'volatile' {
  if (typeof segment === 'string' && noise.keys.has(segment)) return 'volatile';
  if (states.length === 0) return NO_STATES;
  const next: number[] = [];
  for (const state of states) {
    const tokens = noise.paths[Math.floor(state / STRIDE)] ?? [];
    const position = state % STRIDE;
    const token = tokens[position];
    if (token === undefined) continue;
    if (token.type === 'deep') {
      // `..x` either skips this level (stays put) or matches x here.
      add(next, state);
      if (matches(tokens[position + 1], segment)) add(next, state + 2);
    } else if (matches(token, segment)) {
      add(next, state + 1);
    }
  }
  for (const state of next) {
    const tokens = noise.paths[Math.floor(state / STRIDE)] ?? [];
    if (state % STRIDE === tokens.length) return 'volatile';
  }
  return next.length === 0 ? NO_STATES : next;
}

function add(states: number[], state: number): void {
  if (!states.includes(state)) states.push(state);
}

function matches(token: PathToken | undefined, segment: PathSegment): boolean {
  switch (token?.type) {
    case 'any':
      return true;
    case 'key':
      return segment === token.name;
    case 'index':
      return segment === token.index;
    default:
      return false;
  }
}

function parseFieldPath(path: string): PathToken[] {
  const fail = (why: string): never => {
    throw new Error(
      `volatile field "${path}": ${why}; expected a key name (generated_at) or a path such as $.meta.generated_at, $.items[*].updated_at or $..etag`,
    );
  };
  const tokens: PathToken[] = [];
  let at = 1;
  while (at < path.length) {
    let deep = false;
    if (path.startsWith('..', at)) {
      deep = true;
      at += 2;
      tokens.push({ type: 'deep' });
    } else if (path[at] === '.') {
      at += 1;
    } else if (path[at] !== '[') {
      fail(`unexpected "${path[at]}" at position ${at + 1}`);
    }
    if (path[at] === '[') {
      const close = path.indexOf(']', at);
      if (close < 0) fail('unclosed "["');
      tokens.push(parseBracket(path.slice(at + 1, close), fail));
      at = close + 1;
      continue;
    }
    const end = nextDelimiter(path, at);
    const name = path.slice(at, end);
    if (name === '') fail(deep ? 'nothing after ".."' : 'empty key');
    tokens.push(name === '*' ? { type: 'any' } : { type: 'key', name });
    at = end;
  }
  if (tokens.length >= STRIDE) fail('too deep');
  return tokens;
}

function parseBracket(inner: string, fail: (why: string) => never): PathToken {
  const text = inner.trim();
  if (text === '*') return { type: 'any' };
  if (/^\d+$/.test(text)) return { type: 'index', index: Number(text) };
  const quoted = /^'(.*)'$/.exec(text) ?? /^"(.*)"$/.exec(text);
  if (quoted) return { type: 'key', name: quoted[1] ?? '' };
  return fail(`"[${inner}]" is neither an index, [*] nor a quoted key`);
}

function nextDelimiter(path: string, from: number): number {
  for (let i = from; i < path.length; i++) {
    if (path[i] === '.' || path[i] === '[') return i;
  }
  return path.length;
}

/** `$.items[3].price`, `$["odd key"]`: how a JSON path is shown in diffs. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Volatile URL path segments

/**
 * One `volatile-paths` entry: a path template such as `/repos/{*}/issues/{*}`, optionally after a
 * method (`POST /v1/files/{*}`). Each `{...}` stands for exactly one non-empty segment whose value
 * changes per call (an id the API made); every other segment must match as written.
 */
export interface PathTemplate {
  /** Upper case, or undefined for any method. */
  method: string | undefined;
  /** Literal segments, null for a `{...}` one. */
  segments: (string | null)[];
  /** As written, normalised: `GET /repos/{*}/issues/{*}`. */
  text: string;
}

/** Throws an Error naming what is wrong with a `volatile-paths` entry; for config validation. */
export function parsePathTemplate(raw: string): PathTemplate {
  const entry = raw.trim();
  const match = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/.exec(entry);
  if (!match) throw new Error(`"${entry}" is not a path template such as /repos/{*}/issues/{*} or POST /v1/files/{*}`);
  const method = match[1]?.toUpperCase();
  const segments = match[2]!.split('/').slice(1).map((segment) => {
    if (/^\{[^{}]*\}$/.test(segment)) return null;
    if (/[{}]/.test(segment)) throw new Error(`"${entry}": a {...} stands for a whole segment (${segment})`);
    return segment;
  });
  if (!segments.includes(null)) throw new Error(`"${entry}" has no {*} segment: nothing in it changes per call`);
  const path = `/${segments.map((segment) => segment ?? '{*}').join('/')}`;
  return { method, segments, text: method === undefined ? path : `${method} ${path}` };
}

export function compilePathTemplates(entries: readonly string[]): PathTemplate[] {
  return entries.filter((entry) => entry.trim() !== '').map(parsePathTemplate);
}

/** The first template that `method` + `pathname` match, if any. */
export function matchPathTemplate(templates: readonly PathTemplate[], method: string, pathname: string): PathTemplate | undefined {
  if (templates.length === 0) return undefined;
  const segments = pathname.split('/').slice(1);
  const upper = method.toUpperCase();
  return templates.find(
    (template) =>
      (template.method === undefined || template.method === upper) &&
      template.segments.length === segments.length &&
      template.segments.every((literal, i) => (literal === null ? segments[i] !== '' : literal === segments[i])),
  );
}

/**
 * A path segment that looks generated per call: a UUID, 12+ hex digits with a digit among them,
 * 6+ decimal digits, or a 16+ character token of letters and digits mixed (`file-3fdde658ac9f...`,
 * `cus_NffrFeUfNV2Hib`). Used only to pair two interactions as one changed one, never to call
 * anything noise.
 */
export function looksGenerated(segment: string): boolean {
  if (/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(segment)) return true;
  if (/\d{6,}/.test(segment)) return true;
  const hex = /[0-9a-f]{12,}/i.exec(segment)?.[0];
  if (hex !== undefined && /\d/.test(hex)) return true;
  const token = /[A-Za-z0-9]{16,}/.exec(segment)?.[0];
  return token !== undefined && /\d/.test(token) && /[A-Za-z]/.test(token);
}

// ---------------------------------------------------------------------------------------------
// Noise learned by probing (learn-noise.ts learns it; diff applies it per endpoint)

/** What varies by itself on one endpoint. */
export interface LearnedNoise {
  /** `POST /v1/files`, `GET /v1/files/{*}`: method and path, generated-looking segments as `{*}`. */
  endpoint: string;
  /** `$`-paths of JSON body fields (request or response) that differed between two fresh recordings. */
  fields: string[];
  /** Header names (lower case) that differed. */
  headers: string[];
  /** The endpoint's `{*}` segments differed too: they are per-call ids, as a `volatile-paths` template. */
  volatilePath?: true;
}

/**
 * The endpoint a request belongs to: the `volatile-paths` template its path matches, else its method
 * and path with every generated-looking segment as `{*}` (`GET /v1/files/{*}`). Query and host are left out.
 */
export function endpointOf(request: Pick<RecordedRequest, 'method' | 'uri'>, templates: readonly PathTemplate[] = []): string {
  const method = request.method.toUpperCase();
  let pathname: string;
  try {
    pathname = new URL(request.uri).pathname;
  } catch {
    pathname = request.uri.replace(/[?#].*$/s, '');
  }
  const template = matchPathTemplate(templates, method, pathname);
  if (template) return template.method === undefined ? `${method} ${template.text}` : template.text;
  return `${method} ${pathname
    .split('/')
    .map((segment) => (looksGenerated(segment) ? '{*}' : segment))
    .join('/')}`;
}

