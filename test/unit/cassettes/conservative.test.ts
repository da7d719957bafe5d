// `noise-only` is a positive finding: each case here is a real change that an earlier classifier
// called noise (and so would have put the old bytes back), or a pairing that hid what changed.
// Cassettes are read from bytes with the real parsers, as inspect and `rerecord diff` read them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDiff, diffCassettes, type DiffOptions, type JsonBodyChange } from '../../../src/cassettes/diff.js';
import { decodeCassetteBytes, encodeCassetteText, parseCassette } from '../../../src/cassettes/formats/index.js';
import { matchPathGlob, volatileHeaderMatcher } from '../../../src/cassettes/noise.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name));
const OPTIONS: DiffOptions = { volatileHeaders: [], volatileFields: [] };
const compare = (old: Buffer | string, next: Buffer | string, options: Partial<DiffOptions> = {}, name = 'c.yml') =>
  diffCassettes(name, parseCassette(old, `${name} (old)`), parseCassette(next, name), { ...OPTIONS, ...options });

describe('vcrpy custom serialiser: parsed_body', () => {
  it('reads parsed_body as the body: a changed request and answer are a change, with paths and values', () => {
    const result = compare(fixture('vcrpy-parsed-body-old.yaml'), fixture('vcrpy-parsed-body-new.yaml'), {}, 'tests/cassettes/test_capital.yaml');
    expect(result.status).toBe('changed');
    expect(result.changes).toHaveLength(1);
    const [change] = result.changes;
    expect(change!.status).toEqual({ from: 200, to: 200 });
    expect(change!.requestChange).toMatchObject({ parts: ['body'], body: { changed: [{ path: '$.max_tokens', from: '1024', to: '4096' }] } });
    expect(change!.body).toMatchObject({ changed: [{ path: '$.content[0].text', from: '"Paris"', to: '"Lyon"' }] });
    expect(describeDiff(result)[0]).toContain('request body ~$.max_tokens 1024 -> 4096; body ~$.content[0].text "Paris" -> "Lyon"');
  });

  it('the same cassette with only Date and request-id changed is noise-only', () => {
    expect(compare(fixture('vcrpy-parsed-body-old.yaml'), fixture('vcrpy-parsed-body-noise.yaml')).status).toBe('noise-only');
  });

  it('parses the body as JSON whatever the serialiser stored (a list, a number)', () => {
    const cassette = parseCassette(
      'interactions:\n- request: {method: GET, uri: "http://h/x", headers: {}, parsed_body: [1, 2]}\n  response: {status: {code: 200}, headers: {}, parsed_body: 42}\n',
      'x.yaml',
    );
    expect(cassette.interactions[0]!.request.body).toMatchObject({ kind: 'json', value: [1, 2] });
    expect(cassette.interactions[0]!.response.body).toMatchObject({ kind: 'json', value: 42 });
  });
});

describe('fields no reader interprets are compared raw', () => {
  const vcrpy = (extra: string) =>
    `interactions:\n- request: {method: GET, uri: "http://h/x", headers: {}, body: null}\n  response:\n    status: {code: 200, message: OK}\n    headers: {}\n    body: {string: "ok"}\n${extra}version: 1\n`;

  it('an unknown field that changed is a change, named; unchanged it is not', () => {
    const old = vcrpy('    custom_body: {a: 1}\n');
    const result = compare(old, vcrpy('    custom_body: {a: 2}\n'));
    expect(result.status).toBe('changed');
    expect(result.changes[0]!.unread).toEqual(['response.custom_body']);
    expect(describeDiff(result)[0]).toContain('not interpreted, changed: response.custom_body');
    expect(compare(old, old).status).toBe('noise-only');
    // Present on one side only.
    expect(compare(vcrpy(''), old).changes[0]!.unread).toEqual(['response.custom_body']);
  });

  it('a body field next to `string` (an encoding, a serialiser flag) is compared too', () => {
    const ruby = (encoding: string) =>
      `http_interactions:\n- request: {method: get, uri: "http://h/x", body: {encoding: UTF-8, string: ""}, headers: {}}\n  response:\n    status: {code: 200, message: OK}\n    headers: {}\n    body: {encoding: ${encoding}, string: "ok"}\n  recorded_at: Mon, 23 Nov 2026 20:58:14 GMT\nrecorded_with: VCR 6.0.0\n`;
    expect(compare(ruby('UTF-8'), ruby('ASCII-8BIT')).changes[0]!.unread).toEqual(['response.body.encoding']);
    expect(compare(ruby('UTF-8'), ruby('UTF-8').replace('20:58:14', '21:00:00')).status).toBe('noise-only');
  });

  it('a top-level field no reader knows is a cassette-wide change', () => {
    const base = vcrpy('');
    const result = compare(`${base}meta: {v: 1}\n`, `${base}meta: {v: 2}\n`);
    expect(result).toMatchObject({ status: 'changed', changes: [], notes: ['field (cassette).meta changed (not interpreted: compared as recorded)'] });
  });
});

describe('bytes that are not UTF-8', () => {
  // R vcr writes a Latin-1 body as it came: the file is then not valid UTF-8.
  const latin1 = (byte: number) =>
    Buffer.concat([
      Buffer.from('http_interactions:\n- request:\n    method: get\n    uri: http://h/price\n  response:\n    status: 200\n    headers:\n      content-type: text/plain; charset=latin1\n    body:\n      encoding: ISO-8859-1\n      string: "cost: '),
      Buffer.from([byte]),
      Buffer.from('5"\n  recorded_at: 2026-11-23 20:58:14 GMT\nrecorded_with: vcr/2.1.0\n'),
    ]);

  it('a one-byte change in a Latin-1 body is a change (the lossy decode read both as U+FFFD)', () => {
    const result = compare(latin1(0xa3), latin1(0xa4));
    expect(result.status).toBe('changed');
    expect(result.changes[0]!.body).toMatchObject({ text: 'changed' });
  });

  it('the same bytes are noise-only, and the file reads as not UTF-8', () => {
    expect(compare(latin1(0xa3), latin1(0xa3)).status).toBe('noise-only');
    expect(parseCassette(latin1(0xa3), 'x.yml').encoding).toBe('bytes');
  });

  it('a file that turns from UTF-8 into something else is a change', () => {
    const utf8 = Buffer.from(latin1(0xa3).toString('latin1'), 'utf8');
    expect(compare(utf8, latin1(0xa3))).toMatchObject({ status: 'changed', notes: [expect.stringMatching(/^file encoding UTF-8 -> not UTF-8/)] });
  });

  it('decoding for editing round-trips every byte', () => {
    const bytes = Buffer.concat([latin1(0xa3), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82])]);
    const decoded = decodeCassetteBytes(bytes);
    expect(decoded.encoding).toBe('bytes');
    expect(encodeCassetteText(decoded).equals(bytes)).toBe(true);
    const edited = { ...decoded, text: decoded.text.replace('http://h', 'https://api.example.com') };
    const written = encodeCassetteText(edited);
    expect(written.includes(Buffer.from([0xa3, 0x35]))).toBe(true);
    expect(written.includes(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]))).toBe(true);
  });

  it('binary bodies compare as bytes and say where they first differ', () => {
    const blob = (bytes: number[]) =>
      `interactions:\n- request: {method: GET, uri: "http://h/b", headers: {}, body: null}\n  response:\n    status: {code: 200}\n    headers: {}\n    body:\n      string: !!binary |\n        ${Buffer.from(bytes).toString('base64')}\nversion: 1\n`;
    expect(compare(blob([1, 2, 3]), blob([1, 2, 4])).changes[0]!.body).toEqual({ binary: 'changed', bytes: { from: 3, to: 3 }, firstDifference: 2 });
    expect(compare(blob([1, 2, 3]), blob([1, 2, 3])).status).toBe('noise-only');
  });
});

describe('interactions paired by method, path and order', () => {
  const vcr = (...entries: Array<[string, number]>) =>
    `http_interactions:\n${entries
      .map(
        ([uri, status]) =>
          `- request:\n    method: get\n    uri: ${uri}\n  response:\n    status: ${status}\n    headers:\n      content-type: application/json\n    body:\n      string: '{"n":${status}}'\n  recorded_at: 2026-11-23 20:58:14 GMT\n`,
      )
      .join('')}recorded_with: vcr/2.1.0\n`;

  it('a query that changed from a 404 to a 200 is one change of that request, with both statuses', () => {
    const result = compare(vcr(['https://api.example.com/search?id=', 404]), vcr(['https://api.example.com/search?id=42', 200]));
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({
      kind: 'changed',
      status: { from: 404, to: 200 },
      requestChange: { from: 'GET https://api.example.com/search?id=', to: 'GET https://api.example.com/search?id=42', parts: ['query'] },
    });
    expect(describeDiff(result)[0]).toMatch(/^GET https:\/\/api\.example\.com\/search\?id= -> GET https:\/\/api\.example\.com\/search\?id=42 \(query changed\): status 404 -> 200/);
  });

  it('a recording server on another port is a change of each interaction, not removed + added', () => {
    const result = compare(vcr(['http://127.0.0.1:4567/items', 200], ['http://127.0.0.1:4567/users', 200]), vcr(['http://127.0.0.1:5678/items', 200], ['http://127.0.0.1:5678/users', 200]));
    expect(result.changes.map((change) => [change.kind, change.requestChange?.parts])).toEqual([
      ['changed', ['port']],
      ['changed', ['port']],
    ]);
  });

  it('a default port written out (:443, :80) is the same request', () => {
    expect(compare(vcr(['https://api.example.com:443/items', 200]), vcr(['https://api.example.com/items', 200])).status).toBe('noise-only');
    expect(compare(vcr(['http://api.example.com/items', 200]), vcr(['http://api.example.com:80/items', 200])).status).toBe('noise-only');
  });

  it('added and removed interactions carry their status', () => {
    const result = compare(vcr(['https://h/a', 200], ['https://h/gone', 410]), vcr(['https://h/a', 200], ['https://h/new', 201]));
    expect(result.changes).toEqual([
      expect.objectContaining({ request: 'GET /new', kind: 'added', status: { from: null, to: 201 } }),
      expect.objectContaining({ request: 'GET /gone', kind: 'removed', status: { from: 410, to: null } }),
    ]);
    expect(describeDiff(result)).toEqual(['GET /new: added (201)', 'GET /gone: removed (was 410)']);
  });

  it('identical requests still pair exactly first, even reordered', () => {
    const result = compare(vcr(['https://h/x?page=1', 200], ['https://h/x?page=2', 200]), vcr(['https://h/x?page=2', 200], ['https://h/x?page=1', 200]));
    expect(result.status).toBe('noise-only');
  });
});

describe('JSON paths: values and grouped array items', () => {
  const body = (value: unknown) =>
    `interactions:\n- request: {method: GET, uri: "http://h/rates", headers: {}, body: null}\n  response:\n    status: {code: 200}\n    headers: {content-type: [application/json]}\n    body: {string: '${JSON.stringify(value)}'}\nversion: 1\n`;
  const data = (n: number, extra: (i: number) => object) => ({ data: Array.from({ length: n }, (_, i) => ({ id: i, ...extra(i) })) });

  it('groups one field added to every item: $.data[*].currency in 12 of 12', () => {
    const result = compare(body(data(12, () => ({}))), body(data(12, () => ({ currency: 'EUR' }))));
    const json = result.changes[0]!.body as JsonBodyChange;
    expect(json.added).toEqual([{ path: '$.data[*].currency', count: 12, first: '$.data[0].currency', of: 12, to: '"EUR"' }]);
    expect(json.counts.added).toBe(12);
    expect(describeDiff(result)).toEqual(['GET /rates: body +$.data[*].currency "EUR" (in 12 of 12)']);
  });

  it('shows old and new values cut short', () => {
    const long = 'x'.repeat(500);
    const result = compare(body({ note: 'a' }), body({ note: long }), { maxValueChars: 20 });
    const [changed] = (result.changes[0]!.body as JsonBodyChange).changed;
    expect(changed).toEqual({ path: '$.note', count: 1, from: '"a"', to: `"${'x'.repeat(18)}…` });
  });
});

describe('volatile fields scoped to a cassette glob', () => {
  const loan = (id: number) =>
    `interactions:\n- request: {method: GET, uri: "http://h/x", headers: {}, body: null}\n  response:\n    status: {code: 200}\n    headers: {content-type: [application/json]}\n    body: {string: '{"data":{"id":${id},"amount":5}}'}\nversion: 1\n`;
  const fields = ['tests/cassettes/loans/*.yaml:$.data.id'];

  it('hides the field in the cassettes the glob matches, and only there', () => {
    expect(compare(loan(1), loan(2), { volatileFields: fields }, 'tests/cassettes/loans/get.yaml').status).toBe('noise-only');
    expect(compare(loan(1), loan(2), { volatileFields: fields }, 'tests/cassettes/users/get.yaml').status).toBe('changed');
    // The scope follows scopePath when the name shown is another (a folder diff names files by folder).
    expect(compare(loan(1), loan(2), { volatileFields: fields, scopePath: 'tests/cassettes/loans/get.yaml' }, 'get.yaml').status).toBe('noise-only');
  });

  it('matches globs by folder, with ** across folders and bare names in any folder', () => {
    expect(matchPathGlob('tests/cassettes/loans/a.yaml', 'tests/cassettes/loans/*.yaml')).toBe(true);
    expect(matchPathGlob('tests/cassettes/loans/deep/a.yaml', 'tests/cassettes/loans/*.yaml')).toBe(false);
    expect(matchPathGlob('tests/cassettes/loans/deep/a.yaml', 'tests/**/loans/**/*.yaml')).toBe(true);
    expect(matchPathGlob('x/y/loans.yml', 'loans.yml')).toBe(true);
  });
});

describe('volatile headers seen on real APIs', () => {
  it.each([
    'x-runtime-rack',
    'x-varnish',
    'x-varnish-rli',
    'x-varnish-cache',
    'x-transaction',
    'x-transaction-id',
    'x-connection-hash',
    'x-amz-cf-pop',
    'x-cdn-request-id',
    'x-served-by',
    'x-cache-status',
    'x-upstream-time-ms',
    'x-response-time-ms',
    'x-db-runtime',
    'x-azure-ref',
  ])('%s is noise', (name) => {
    expect(volatileHeaderMatcher([])(name)).toBe(true);
  });

  it.each(['cache-control', 'x-video-duration', 'x-api-version', 'content-language', 'x-total-count', 'link', 'x-content-type-options'])('%s is not', (name) => {
    expect(volatileHeaderMatcher([])(name)).toBe(false);
  });
});

describe('volatile-fields input', () => {
  it('accepts scoped entries and names a malformed path', async () => {
    const { volatileFields, InputProblem } = await import('../../../src/config/parsers.js');
    expect(volatileFields('generated_at\ntests/cassettes/loans/*.yaml:$.data.id, $.meta.at')).toEqual(['generated_at', 'tests/cassettes/loans/*.yaml:$.data.id', '$.meta.at']);
    expect(() => volatileFields('tests/cassettes/loans/*.yaml:$.data[')).toThrow(InputProblem);
    expect(() => volatileFields('tests/cassettes/loans/*.yaml:$.data[')).toThrow(/volatile field "\$\.data\["/);
  });
});
