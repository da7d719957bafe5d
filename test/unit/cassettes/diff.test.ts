import { describe, expect, it } from 'vitest';
import { describeDiff, diffCassettes, requestKey, type DiffOptions, type InteractionChange, type JsonBodyChange } from '../../../src/cassettes/diff.js';
import type { Body, Cassette, Headers } from '../../../src/cassettes/model.js';
import { compileVolatileFields, volatileHeaderMatcher } from '../../../src/cassettes/noise.js';

// Cassettes built directly on the model, so these tests never depend on a format parser.
interface Spec {
  method?: string;
  uri?: string;
  requestBody?: Body;
  requestHeaders?: Headers;
  status?: number;
  headers?: Headers;
  body?: Body;
  recordedAt?: string;
  line?: number;
}

const json = (value: unknown): Body => ({ kind: 'json', value, text: JSON.stringify(value) });
const text = (value: string): Body => ({ kind: 'text', text: value });
const binary = (bytes: number[]): Body => ({ kind: 'binary', base64: Buffer.from(bytes).toString('base64') });
const JSON_TYPE: Headers = { 'content-type': ['application/json; charset=utf-8'] };

function cassette(...specs: Spec[]): Cassette {
  return {
    format: 'vcr',
    recordedWith: 'vcr/1.2.0',
    unread: [],
    encoding: 'utf-8',
    interactions: specs.map((spec, index) => ({
      index,
      line: spec.line,
      request: {
        method: spec.method ?? 'GET',
        uri: spec.uri ?? 'https://api.example.com/items',
        headers: spec.requestHeaders ?? {},
        body: spec.requestBody ?? { kind: 'empty' },
      },
      response: {
        status: spec.status ?? 200,
        statusText: 'OK',
        headers: spec.headers ?? JSON_TYPE,
        body: spec.body ?? json({ ok: true }),
      },
      recordedAt: spec.recordedAt ?? '2024-01-01T00:00:00Z',
      unread: [],
    })),
  };
}

const NO_OPTIONS: DiffOptions = { volatileHeaders: [], volatileFields: [] };
const diff = (old: Cassette | undefined, next: Cassette | undefined, options: Partial<DiffOptions> = {}) =>
  diffCassettes('c.yml', old, next, { ...NO_OPTIONS, ...options });
const only = (old: Cassette, next: Cassette, options: Partial<DiffOptions> = {}): InteractionChange => {
  const result = diff(old, next, options);
  expect(result.status).toBe('changed');
  expect(result.changes).toHaveLength(1);
  return result.changes[0] as InteractionChange;
};

const items = (...extra: Record<string, unknown>[]) => ({
  total: 2,
  items: [
    { id: 1, name: 'a', ...extra[0] },
    { id: 2, name: 'b', ...extra[1] },
  ],
});

describe('diffCassettes: noise-only', () => {
  it.each<[string, Spec, Spec, Partial<DiffOptions>?]>([
    [
      'Date, x-request-id and recordedAt',
      { headers: { ...JSON_TYPE, date: ['Mon, 01 Jan 2024'], 'x-request-id': ['a1'] }, recordedAt: '2024-01-01T00:00:00Z' },
      { headers: { ...JSON_TYPE, date: ['Tue, 02 Jan 2024'], 'x-request-id': ['b2'] }, recordedAt: '2024-02-02T00:00:00Z' },
    ],
    [
      'request-id families and rate-limit counters',
      { headers: { ...JSON_TYPE, 'x-fastly-request-id': ['1'], 'x-ratelimit-remaining': ['59'], 'x-amzn-trace-id': ['r=1'] } },
      { headers: { ...JSON_TYPE, 'x-fastly-request-id': ['2'], 'x-ratelimit-remaining': ['58'], 'x-amzn-trace-id': ['r=2'] } },
    ],
    ['JSON key order', { body: json({ a: 1, b: { c: 2, d: [1, 2] } }) }, { body: json({ b: { d: [1, 2], c: 2 }, a: 1 }) }],
    [
      'content type parameters',
      { headers: { 'content-type': ['application/json; charset=utf-8'] } },
      { headers: { 'Content-Type': ['Application/JSON'] } },
    ],
    [
      'request headers (user agent drift)',
      { requestHeaders: { 'user-agent': ['r-curl/4.3'] } },
      { requestHeaders: { 'user-agent': ['r-curl/5.0'] } },
    ],
    [
      'a bare volatile key at any depth',
      { body: json({ generated_at: 1, meta: { generated_at: 1, n: 1 }, items: [{ generated_at: { x: 1 } }] }) },
      { body: json({ generated_at: 2, meta: { generated_at: 2, n: 1 }, items: [{ generated_at: 'later' }] }) },
      { volatileFields: ['generated_at'] },
    ],
    [
      '$ paths with [*]',
      { body: json({ meta: { at: 1 }, items: [{ id: 1, updated_at: 1 }, { id: 2, updated_at: 1 }] }) },
      { body: json({ meta: { at: 2 }, items: [{ id: 1, updated_at: 2 }, { id: 2 }] }) },
      { volatileFields: ['$.meta.at', '$.items[*].updated_at'] },
    ],
    [
      'recursive $.. paths',
      { body: json({ etag: 1, a: { b: [{ etag: 1 }] } }) },
      { body: json({ etag: 2, a: { b: [{ etag: 2 }] } }) },
      { volatileFields: ['$..etag'] },
    ],
    [
      'a user volatile header, case-insensitive, and a glob',
      { headers: { ...JSON_TYPE, 'x-build': ['1'], 'x-myapp-node': ['a'] } },
      { headers: { ...JSON_TYPE, 'x-build': ['2'], 'x-myapp-node': ['b'] } },
      { volatileHeaders: ['X-Build', 'x-myapp-*'] },
    ],
    [
      'query parameter order',
      { uri: 'https://api.example.com/items?b=2&a=1&a=0' },
      { uri: 'https://api.example.com/items?a=1&a=0&b=2' },
    ],
    ['an empty text body and no body', { body: { kind: 'empty' } }, { body: text('') }],
    [
      "R crul's X-User-Agent request header (its own and libcurl's versions)",
      { requestHeaders: { 'User-Agent': ['libcurl/7.88.1 r-curl/5.0.0 crul/1.3'], 'X-User-Agent': ['libcurl/7.88.1 r-curl/5.0.0 crul/1.3'] } },
      { requestHeaders: { 'User-Agent': ['libcurl/8.5.0 r-curl/6.4.0 crul/1.6.0'], 'X-User-Agent': ['libcurl/8.5.0 r-curl/6.4.0 crul/1.6.0'] } },
    ],
    [
      "crul's status pseudo-header, HTTP/1.1 and HTTP/2 spelling the same 200",
      { headers: { ...JSON_TYPE, status: ['HTTP/1.1 200 OK'] } },
      { headers: { ...JSON_TYPE, status: ['HTTP/2 200'] } },
    ],
    [
      'Crossref, NCBI and OpenAI per-call headers',
      {
        headers: { ...JSON_TYPE, 'x-api-pool': ['public'], 'x-api-url': ['https://api.crossref.org/works/1'], 'crossref-deployment-name': ['a'], 'ncbi-phid': ['1A'], 'ncbi-sid': ['S1'], 'x-rlr': ['1'], 'x-grlr': ['1'], 'openai-processing-ms': ['812'], 'x-tsa-request-body-time': ['0'] },
      },
      {
        headers: { ...JSON_TYPE, 'x-api-pool': ['polite'], 'x-api-url': ['https://api.crossref.org/works/2'], 'crossref-deployment-name': ['b'], 'ncbi-phid': ['2B'], 'ncbi-sid': ['S2'], 'x-rlr': ['2'], 'x-grlr': ['3'], 'openai-processing-ms': ['1290'], 'x-tsa-request-body-time': ['1'] },
      },
    ],
  ])('%s', (_, before, after, options) => {
    expect(diff(cassette(before), cassette(after), options)).toEqual({ cassette: 'c.yml', status: 'noise-only', changes: [] });
  });

  it('ignores recordedWith and format', () => {
    const after: Cassette = { ...cassette({}), recordedWith: 'vcr/2.0.0', format: 'har' };
    expect(diff(cassette({}), after).status).toBe('noise-only');
  });
});

describe('diffCassettes: JSON body paths', () => {
  it('reports a field added deep in an array', () => {
    const change = only(cassette({ body: json(items()) }), cassette({ body: json(items({}, { price: 3 })) }));
    expect(change).toEqual({
      request: 'GET /items',
      kind: 'changed',
      index: 0,
      status: { from: 200, to: 200 },
      body: { added: [{ path: '$.items[1].price', count: 1, to: '3' }], removed: [], changed: [], counts: { added: 1, removed: 0, changed: 0 } },
    });
  });

  it('reports removed and changed paths, added array elements and type changes', () => {
    const before = { total: 2, items: [{ id: 1, name: 'a' }], meta: { page: 1 }, 'odd key': 1 };
    const after = { total: 3, items: [{ id: 1 }, { id: 2 }], meta: [1], 'odd key': '1' };
    const { body } = only(cassette({ body: json(before) }), cassette({ body: json(after) }));
    expect(body).toEqual({
      added: [{ path: '$.items[1]', count: 1, to: '{"id":2}' }],
      removed: [{ path: '$.items[0].name', count: 1, from: '"a"' }],
      changed: [
        { path: '$.total', count: 1, from: '2', to: '3' },
        { path: '$.meta', count: 1, from: '{"page":1}', to: '[1]' },
        { path: '$["odd key"]', count: 1, from: '1', to: '"1"' },
      ],
      counts: { added: 1, removed: 1, changed: 3 },
    });
  });

  it('caps listed paths but keeps exact counts', () => {
    const fields = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i]));
    const wide = (extra: object) => json({ a: { ...extra } });
    const capped = only(cassette({ body: wide({}) }), cassette({ body: wide(fields) }));
    expect(capped.body).toMatchObject({ counts: { added: 50, removed: 0, changed: 0 } });
    expect((capped.body as JsonBodyChange).added).toHaveLength(20);
    expect((capped.body as JsonBodyChange).added[0]).toEqual({ path: '$.a.f0', count: 1, to: '0' });
    const five = only(cassette({ body: wide({}) }), cassette({ body: wide(fields) }), { maxPaths: 5 });
    expect((five.body as JsonBodyChange).added).toHaveLength(5);
  });

  it('a changed bare-key field under a volatile path stays ignored, a sibling does not', () => {
    const change = only(
      cassette({ body: json({ meta: { at: 1, n: 1 } }) }),
      cassette({ body: json({ meta: { at: 2, n: 2 } }) }),
      { volatileFields: ['$.meta.at'] },
    );
    expect(change.body).toMatchObject({ changed: [{ path: '$.meta.n', from: '1', to: '2' }] });
  });

  it('rejects a malformed $ path, naming it', () => {
    expect(() => diff(cassette({}), cassette({}), { volatileFields: ['$.items['] })).toThrow(/"\$\.items\["/);
    expect(() => compileVolatileFields(['$..'])).toThrow(/nothing after/);
  });
});

describe('diffCassettes: response changes', () => {
  it.each<[string, Spec, Spec, Partial<InteractionChange>]>([
    ['status', { status: 200 }, { status: 503 }, { status: { from: 200, to: 503 } }],
    [
      'content type',
      { headers: { 'content-type': ['application/json'] } },
      { headers: { 'content-type': ['application/problem+json'] } },
      { contentType: { from: 'application/json', to: 'application/problem+json' } },
    ],
    [
      'content type removed',
      { headers: { 'content-type': ['application/json'] } },
      { headers: {} },
      { contentType: { from: 'application/json', to: null } },
    ],
    [
      'headers',
      { headers: { ...JSON_TYPE, 'cache-control': ['max-age=60'], 'x-old': ['1'], date: ['x'] } },
      { headers: { ...JSON_TYPE, 'cache-control': ['no-store'], 'x-new': ['1'], date: ['y'] } },
      {
        headers: {
          added: ['x-new'],
          removed: ['x-old'],
          changed: ['cache-control'],
          values: { 'x-new': { from: null, to: ['1'] }, 'x-old': { from: ['1'], to: null }, 'cache-control': { from: ['max-age=60'], to: ['no-store'] } },
        },
      },
    ],
    [
      'text body',
      { body: text('a\nb') },
      { body: text('a\nb\nc\n') },
      { body: { text: 'changed', lines: { from: 2, to: 3 }, firstDifference: { line: 3, from: null, to: 'c' } } },
    ],
    [
      'binary body',
      { body: binary([1, 2, 3]) },
      { body: binary([1, 2, 3, 4]) },
      { body: { binary: 'changed', bytes: { from: 3, to: 4 }, firstDifference: 3 } },
    ],
    ['body kind', { body: json({ a: 1 }) }, { body: text('<html>') }, { body: { kind: { from: 'json', to: 'text' } } }],
  ])('%s', (_, before, after, expected) => {
    const status = { from: before.status ?? 200, to: after.status ?? 200 };
    expect(only(cassette(before), cassette(after))).toEqual({ request: 'GET /items', kind: 'changed', index: 0, status, ...expected });
  });

  it('equal text and binary bodies are no change', () => {
    const specs: Spec[] = [{ body: text('same') }, { uri: 'https://api.example.com/b', body: binary([9]) }];
    expect(diff(cassette(...specs), cassette(...specs)).status).toBe('noise-only');
  });
});

describe('diffCassettes: matching interactions', () => {
  const a: Spec = { uri: 'https://api.example.com/a' };
  const b: Spec = { uri: 'https://api.example.com/b' };

  it('reports added and removed interactions, with lines', () => {
    const result = diff(cassette(a, { ...b, line: 7 }), cassette(a, { uri: 'https://api.example.com/c', line: 9 }));
    expect(result.status).toBe('changed');
    expect(result.changes).toEqual([
      { request: 'GET /c', kind: 'added', index: 1, line: 9, status: { from: null, to: 200 } },
      { request: 'GET /b', kind: 'removed', index: 1, line: 7, status: { from: 200, to: null } },
    ]);
  });

  it('matches repeated identical requests in order', () => {
    const old = cassette({ ...a, body: json({ n: 1 }) }, { ...a, body: json({ n: 2 }) });
    const same = diff(old, cassette({ ...a, body: json({ n: 1 }) }, { ...a, body: json({ n: 2 }) }));
    expect(same.status).toBe('noise-only');
    const third = diff(old, cassette({ ...a, body: json({ n: 1 }) }, { ...a, body: json({ n: 3 }) }, a));
    expect(third.changes).toEqual([
      {
        request: 'GET /a',
        kind: 'changed',
        index: 1,
        status: { from: 200, to: 200 },
        body: { added: [], removed: [], changed: [{ path: '$.n', count: 1, from: '2', to: '3' }], counts: { added: 0, removed: 0, changed: 1 } },
      },
      { request: 'GET /a', kind: 'added', index: 2, status: { from: null, to: 200 } },
    ]);
  });

  it('tolerates reordered interactions', () => {
    expect(diff(cassette(a, b), cassette(b, a)).status).toBe('noise-only');
  });

  it('tells requests apart by method, pairs a changed body as a change of that request, JSON request bodies by value', () => {
    const post = (body: Body): Spec => ({ ...a, method: 'POST', requestBody: body });
    expect(diff(cassette(post(json({ x: 1, y: 2 }))), cassette(post({ kind: 'json', value: { y: 2, x: 1 }, text: '{"y":2,"x":1}' }))).status).toBe('noise-only');
    const body = diff(cassette(post(json({ x: 1 }))), cassette(post(json({ x: 2 })))).changes;
    expect(body).toEqual([expect.objectContaining({ kind: 'changed', requestChange: expect.objectContaining({ from: 'POST https://api.example.com/a', to: 'POST https://api.example.com/a', parts: ['body'] }) })]);
    expect(diff(cassette(a), cassette({ ...a, method: 'DELETE' })).changes.map((c) => c.kind)).toEqual(['added', 'removed']);
  });

  it('requestKey normalises query order and ignores headers and fragments', () => {
    const key = (uri: string, headers: Headers = {}) => requestKey({ method: 'get', uri, body: { kind: 'empty' }, headers } as never);
    expect(key('https://h/x?b=1&a=2#top')).toBe(key('https://h/x?a=2&b=1', { 'user-agent': ['x'] }));
    expect(key('https://h/x?a=1&a=2')).not.toBe(key('https://h/x?a=2&a=1'));
    expect(key('/relative?b&a')).toBe('GET /relative?b&a\n');
  });
});

describe('diffCassettes: whole cassettes', () => {
  it('added and removed cassettes list their interactions', () => {
    const one = cassette({ uri: 'https://api.example.com/x?q=1' });
    expect(diff(undefined, one)).toEqual({ cassette: 'c.yml', status: 'added', changes: [{ request: 'GET /x?q=1', kind: 'added', index: 0, status: { from: null, to: 200 } }] });
    expect(diff(one, undefined)).toEqual({ cassette: 'c.yml', status: 'removed', changes: [{ request: 'GET /x?q=1', kind: 'removed', index: 0, status: { from: 200, to: null } }] });
  });

  // Speed is measured by `npm run bench` (diff throughput), not asserted here.
  it('pairs 20,000 interactions with 500 repeated requests exactly', () => {
    const specs = Array.from({ length: 20_000 }, (_, i): Spec => ({ uri: `https://api.example.com/i/${i % 500}`, body: json({ i, items: [i, { v: i }] }) }));
    const changed = specs.map((spec, i) => (i === 19_999 ? { ...spec, status: 500 } : spec));
    const result = diff(cassette(...specs), cassette(...changed));
    expect(result.changes).toEqual([{ request: 'GET /i/499', kind: 'changed', index: 19_999, status: { from: 200, to: 500 } }]);
  });
});

describe('diffCassettes: what still changes, with values', () => {
  it('a status pseudo-header that is no status line is compared as it is', () => {
    const change = only(cassette({ headers: { ...JSON_TYPE, status: ['active'] } }), cassette({ headers: { ...JSON_TYPE, status: ['retired'] } }));
    expect(change.headers).toEqual({ added: [], removed: [], changed: ['status'], values: { status: { from: ['active'], to: ['retired'] } } });
  });

  it('names the request header that changed, with its values', () => {
    const change = only(
      cassette({ requestHeaders: { accept: ['application/json'], 'user-agent': ['a'] } }),
      cassette({ requestHeaders: { accept: ['application/vnd.api+json'], 'user-agent': ['b'] } }),
    );
    expect(change.requestChange?.parts).toEqual(['headers']);
    expect(describeDiff({ cassette: 'c.yml', status: 'changed', changes: [change] })).toEqual([
      'GET /items (request headers changed): status 200 both; request headers ~accept: "application/json" -> "application/vnd.api+json"',
    ]);
  });

  it('shows a changed response header old -> new, cut when long', () => {
    const long = 'x'.repeat(80);
    const change = only(cassette({ headers: { ...JSON_TYPE, 'x-plan': ['free'] } }), cassette({ headers: { ...JSON_TYPE, 'x-plan': [long] } }));
    expect(describeDiff({ cassette: 'c.yml', status: 'changed', changes: [change] })[0]).toBe(`GET /items: headers ~x-plan: "free" -> "${'x'.repeat(57)}..."`);
  });
});

describe('describeDiff', () => {
  it('gives one short line per change', () => {
    const old = cassette({ status: 200, body: json({ items: [1, 2, 3], total: 3 }) }, { uri: 'https://api.example.com/gone' });
    const next = cassette(
      { status: 503, body: json({ items: [1, 2, 3, 4], total: 4 }), headers: { 'content-type': ['text/html'], 'x-new': ['1'] } },
      { uri: 'https://api.example.com/new', body: text('a') },
    );
    expect(describeDiff(diff(old, next))).toEqual([
      'GET /items: status 200 -> 503; content type application/json -> text/html; headers +x-new: "1"; body +$.items[3] 4, ~$.total 3 -> 4',
      'GET /new: added (200)',
      'GET /gone: removed (was 200)',
    ]);
  });

  it('summarises long path lists, bodies and whole cassettes', () => {
    const fields = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, i]));
    const lines = describeDiff(diff(cassette({ body: json({}) }), cassette({ body: json(fields) }), { maxPaths: 3 }));
    expect(lines).toEqual(['GET /items: body +$.f0 0, +$.f1 1, +$.f2 2 (+9 more)']);
    expect(describeDiff(diff(cassette({ body: binary([1]) }), cassette({ body: binary([2, 3]) })))).toEqual([
      'GET /items: binary body changed (1 -> 2 bytes, first difference at byte 0)',
    ]);
    expect(describeDiff(diff(cassette({}), cassette({})))).toEqual([]);
    expect(describeDiff(diff(undefined, cassette({}, {})))).toEqual(['new cassette: 2 interactions (200 x2)']);
    expect(describeDiff(diff(cassette({}), undefined))).toEqual(['cassette removed: 1 interaction (200)']);
  });
});

describe('volatileHeaderMatcher', () => {
  it.each([
    ['Date', true],
    ['x-request-id', true],
    ['X-Amzn-RequestId', true],
    ['x-kong-upstream-latency', true],
    ['x-ratelimit-reset', true],
    ['ratelimit-remaining', true],
    ['last-modified', true],
    ['cache-control', false],
    ['x-requested-with', false],
    ['content-type', false],
    ['x-grid', false],
  ])('%s volatile: %s', (name, expected) => {
    expect(volatileHeaderMatcher([])(name)).toBe(expected);
  });
});
