import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockSequenceLines, parseYamlText } from '../../../src/cassettes/formats/syntax.js';
import { claimedFormat, detectFormat, guessSyntax, parseCassette } from '../../../src/cassettes/formats/index.js';
import { jsonArrayElementOffsets, locateJsonError, offsetsToLines } from '../../../src/cassettes/formats/json-scan.js';
import { toIsoDate } from '../../../src/cassettes/formats/dates.js';
import { CassetteParseError, type Cassette, type Interaction } from '../../../src/cassettes/model.js';
import { diffCassettes } from '../../../src/cassettes/diff.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const read = (name: string): Cassette => parseCassette(readFileSync(new URL(name, fixtures), 'utf8'), name);
const at = (cassette: Cassette, index: number): Interaction => {
  const interaction = cassette.interactions[index];
  if (!interaction) throw new Error(`no interaction ${index}`);
  return interaction;
};
/** The error parseCassette throws for `text`, which must be a CassetteParseError. */
const parseError = (text: string, file: string): CassetteParseError => {
  try {
    parseCassette(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(CassetteParseError);
    return error as CassetteParseError;
  }
  throw new Error('expected a parse error');
};

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PNG_SIGNATURE = 'iVBORw0KGgo=';

describe('parseCassette: one fixture per format quirk', () => {
  it('R vcr 1.x: lower-case method, status object with a string code, single header values, vcr dates', () => {
    const cassette = read('r-vcr1-string-status.yml');
    expect(cassette.format).toBe('vcr');
    expect(cassette.recordedWith).toBe('vcr/1.2.0, webmockr/0.8.2');
    expect(cassette.interactions).toHaveLength(2);
    const [first, second] = [at(cassette, 0), at(cassette, 1)];
    expect(first).toMatchObject({ index: 0, line: 2, recordedAt: '2026-11-23T20:58:18.000Z' });
    expect(first.request).toEqual({
      method: 'GET',
      uri: 'http://127.0.0.1/items?page=2',
      headers: { accept: ['application/json, text/xml, application/xml, */*'], 'x-api-key': ['<<<API_KEY>>>'] },
      body: { kind: 'empty' },
    });
    expect(first.response.status).toBe(200);
    expect(first.response.statusText).toBe('OK');
    expect(first.response.headers['content-length']).toEqual(['29']);
    expect(first.response.headers.date).toEqual(['Mon, 23 Nov 2026 20:58:18 GMT']);
    expect(first.response.body).toEqual({ kind: 'json', value: { generation: 'g1', ok: true }, text: '{"generation":"g1","ok":true}' });
    expect(second).toMatchObject({ line: 27, recordedAt: '2026-11-23T20:58:19.000Z' });
    expect(second.request.method).toBe('POST');
    expect(second.request.body).toEqual({ kind: 'text', text: 'name=delta' });
    expect(second.response).toMatchObject({ status: 503, statusText: 'Service Unavailable', body: { kind: 'text', text: 'try again later' } });
  });

  it('R vcr 2.x: numeric status, {code, message} status, base64_string wrapped at 80, top-level recorded_with', () => {
    const cassette = read('r-vcr2-numeric-status.yml');
    expect(cassette).toMatchObject({ format: 'vcr', recordedWith: 'vcr/2.0.0, webmockr/2.0.0' });
    const [first, second] = [at(cassette, 0), at(cassette, 1)];
    expect(first).toMatchObject({ line: 2, recordedAt: '2026-11-23T20:58:14.000Z' });
    expect(first.response).toMatchObject({ status: 200, statusText: undefined });
    expect(first.response.headers.vary).toEqual(['Accept', 'Origin']);
    expect(first.response.body).toEqual({ kind: 'json', value: [{ login: 'ada' }], text: '[{"login":"ada"}]' });
    expect(second.request.headers).toEqual({});
    expect(second.response).toMatchObject({ status: 404, statusText: 'Not Found', body: { kind: 'binary', base64: PNG_1PX } });
    // An unreadable date is dropped, not fatal.
    expect(second.recordedAt).toBeUndefined();
  });

  it('R vcr with serialize_with = "json": one line, headers [] when empty, file: false', () => {
    const cassette = read('r-vcr1-serialize-json.json');
    expect(cassette.format).toBe('vcr');
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([1, 1]);
    const [first, second] = [at(cassette, 0), at(cassette, 1)];
    expect(first.request.method).toBe('DELETE');
    expect(first.response).toEqual({ status: 204, statusText: 'No Content', headers: {}, body: { kind: 'empty' } });
    expect(second.response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(second.response.body).toEqual({ kind: 'json', value: { ok: true }, text: '{"ok":true}' });
    expect(second.recordedAt).toBe('2026-11-23T20:58:15.000Z');
  });

  it('Ruby VCR 6: list header values, port kept, base64_string, RFC 2822 dates, Psych !binary', () => {
    const cassette = read('ruby-vcr6.yml');
    expect(cassette).toMatchObject({ format: 'vcr', recordedWith: 'VCR 6.1.0' });
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([3, 33, 56]);
    const [post, png, legacy] = [at(cassette, 0), at(cassette, 1), at(cassette, 2)];
    expect(post.request).toEqual({
      method: 'POST',
      uri: 'http://127.0.0.1:4567/items?page=2',
      headers: { 'content-type': ['application/json'], accept: ['*/*'], 'user-agent': ['Ruby'] },
      body: { kind: 'json', value: { name: 'delta' }, text: '{"name":"delta"}' },
    });
    expect(post.response.headers).toEqual({ 'content-type': ['application/json'], 'set-cookie': ['a=1', 'b=2'], 'content-length': ['23'] });
    expect(post.response).toMatchObject({ status: 201, statusText: 'Created' });
    expect(post.recordedAt).toBe('2026-11-23T20:58:14.000Z');
    expect(png.response).toMatchObject({ status: 200, statusText: undefined, body: { kind: 'binary', base64: PNG_1PX } });
    expect(png.recordedAt).toBe('2026-11-23T19:58:15.000Z');
    expect(legacy.response.body).toEqual({ kind: 'binary', base64: 'AAEC' });
  });

  it('vcrpy: list headers, null body, !!binary bodies, empty body string', () => {
    const cassette = read('vcrpy.yaml');
    expect(cassette).toMatchObject({ format: 'vcrpy', recordedWith: undefined });
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([2, 20, 36]);
    const [get, put, form] = [at(cassette, 0), at(cassette, 1), at(cassette, 2)];
    expect(get.request).toEqual({
      method: 'GET',
      uri: 'http://127.0.0.1:8000/items',
      headers: { accept: ['*/*'], 'user-agent': ['python-requests/2.28.1'] },
      body: { kind: 'empty' },
    });
    expect(get.response).toEqual({
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': ['application/json'] },
      body: { kind: 'json', value: { items: [] }, text: '{"items": []}' },
    });
    expect(get.recordedAt).toBeUndefined();
    expect(put.request.body).toEqual({ kind: 'binary', base64: 'AAEC/w==' });
    expect(put.response.body).toEqual({ kind: 'binary', base64: PNG_SIGNATURE });
    expect(form.request).toMatchObject({ method: 'POST', body: { kind: 'text', text: 'a=1&b=2' } });
    expect(form.response).toMatchObject({ status: 204, body: { kind: 'empty' } });
  });

  it('nock 14: object rawHeaders, JSON response stored parsed, string response that only looks like JSON', () => {
    const cassette = read('nock-object-headers.json');
    expect(cassette).toMatchObject({ format: 'nock', recordedWith: undefined });
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([2, 22]);
    const [json, text] = [at(cassette, 0), at(cassette, 1)];
    expect(json.request).toEqual({ method: 'GET', uri: 'http://127.0.0.1:3000/items?page=2', headers: {}, body: { kind: 'empty' } });
    expect(json.response).toEqual({
      status: 200,
      statusText: undefined,
      headers: { 'content-type': ['application/json'], 'content-length': ['5'], 'set-cookie': ['a=1', 'b=2'] },
      body: { kind: 'json', value: [1, 2], text: '[1,2]' },
    });
    expect(json.recordedAt).toBeUndefined();
    expect(text.request.method).toBe('GET');
    expect(text.response.headers).toEqual({ 'content-type': ['text/plain'] });
    expect(text.response.body).toEqual({ kind: 'text', text: '{not json, "just text"}' });
  });

  it('older nock: flat rawHeaders, parsed request body, reqheaders, binary hex and content-encoded chunks', () => {
    const cassette = read('nock-array-headers.json');
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([2, 23, 36]);
    const [post, png, gzipped] = [at(cassette, 0), at(cassette, 1), at(cassette, 2)];
    expect(post.request).toEqual({
      method: 'POST',
      uri: 'http://127.0.0.1:3000/items',
      headers: { 'x-api-key': ['k-123'] },
      body: { kind: 'json', value: { name: 'delta' }, text: '{"name":"delta"}' },
    });
    expect(post.response).toMatchObject({
      status: 201,
      headers: { 'content-type': ['text/plain'], 'set-cookie': ['a=1', 'b=2'] },
      body: { kind: 'text', text: 'created' },
    });
    expect(png.response.body).toEqual({ kind: 'binary', base64: PNG_SIGNATURE });
    expect(gzipped.response.body).toEqual({ kind: 'binary', base64: Buffer.from('1f8b080000000000', 'hex').toString('base64') });
  });

  it('Polly HAR: postData, base64 content, header pairs gathered, startedDateTime as UTC', () => {
    const cassette = read('recording.har');
    expect(cassette).toMatchObject({ format: 'har', recordedWith: 'Polly.JS 6.0.6' });
    expect(cassette.interactions.map((interaction) => interaction.line)).toEqual([10, 55]);
    const [post, png] = [at(cassette, 0), at(cassette, 1)];
    expect(post.request).toEqual({
      method: 'POST',
      uri: 'http://127.0.0.1:3000/items',
      headers: { 'content-type': ['application/json'], 'x-api-key': ['k-123'] },
      body: { kind: 'json', value: { name: 'delta' }, text: '{"name":"delta"}' },
    });
    expect(post.response).toMatchObject({ status: 201, statusText: 'Created', body: { kind: 'json', value: { id: 4, name: 'delta' } } });
    expect(post.response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(post.recordedAt).toBe('2026-11-23T20:58:14.123Z');
    expect(png.request.body).toEqual({ kind: 'empty' });
    expect(png.response.body).toEqual({ kind: 'binary', base64: PNG_SIGNATURE });
    expect(png.recordedAt).toBe('2026-11-23T20:58:15.000Z');
  });
});

describe('parseCassette: bodies', () => {
  const nockWith = (response: unknown, contentType: string): Interaction =>
    at(parseCassette(JSON.stringify([{ scope: 'http://h', method: 'GET', path: '/', status: 200, response, rawHeaders: { 'Content-Type': contentType } }]), 'x.json'), 0);

  it.each([
    ['a JSON scalar under a JSON type is JSON', '42', 'application/problem+json', { kind: 'json', value: 42, text: '42' }],
    ['a JSON scalar under text/plain stays text', '42', 'text/plain', { kind: 'text', text: '42' }],
    ['an object under text/plain is JSON', ' {"a":1}', 'text/plain', { kind: 'json', value: { a: 1 }, text: ' {"a":1}' }],
    ['broken JSON under a JSON type is text', '{"a":', 'application/json', { kind: 'text', text: '{"a":' }],
    ['a lone surrogate cannot be UTF-8: binary', 'a\ud800b', 'text/plain', { kind: 'binary', base64: Buffer.from('a\ud800b').toString('base64') }],
    ['an empty string is empty', '', 'application/json', { kind: 'empty' }],
  ])('%s', (_name, response, contentType, body) => {
    expect(nockWith(response, contentType).response.body).toEqual(body);
  });
});

describe('parseCassette: malformed input', () => {
  it('names the file and line of a YAML syntax error', () => {
    const error = parseError('http_interactions:\n- request:\n    method: get\n    uri: [unclosed\n  response: {}\n', 'bad.yml');
    expect(error.file).toBe('bad.yml');
    expect(error.line).toBeGreaterThanOrEqual(4);
    expect(error.message).toMatch(/^bad\.yml:\d+: invalid YAML: /);
  });

  it('names the file and line of a JSON syntax error, even where V8 gives no position', () => {
    const missingComma = parseError('[\n  {\n    "scope": "http://h"\n    "path": "/"\n  }\n]\n', 'bad.json');
    expect(missingComma).toMatchObject({ file: 'bad.json', line: 4 });
    expect(missingComma.message).toMatch(/^bad\.json:4: invalid JSON: /);
    const badToken = parseError('{\n  "log": {\n    "entries": [x]\n  }\n}', 'recording.har');
    expect(badToken.line).toBe(3);
    expect(badToken.message).not.toContain('is not valid JSON');
    expect(parseError('[\n  {"a": 1},\n', 'cut.json').line).toBe(3);
  });

  it('says what it expected of valid data of an unknown shape', () => {
    const error = parseError('name: not a cassette\nsteps: []\n', 'ci.yml');
    expect(error.line).toBeUndefined();
    expect(error.message).toBe('ci.yml: not a cassette we know: expected http_interactions (vcr), interactions (vcrpy), log.entries (HAR) or a nock array, found keys name, steps');
    expect(parseError('', 'empty.yml').message).toContain('the file is empty');
    expect(parseError('[1, 2]', 'numbers.json').message).toContain('a list of something else');
  });

  it('names the interaction and its line when a status is missing', () => {
    const text = readFileSync(new URL('r-vcr1-string-status.yml', fixtures), 'utf8').replace(/ {4}status:\n {6}status_code: 503\n(?: {6}.*\n)*?(?= {4}headers:)/, '');
    const error = parseError(text, 'no-status.yml');
    expect(error).toMatchObject({ file: 'no-status.yml', line: 27 });
    expect(error.message).toBe('no-status.yml:27: interaction #2: response has no status');
  });

  it.each([
    ['a non-numeric status', '[{"scope":"http://h","method":"GET","path":"/","status":"abc"}]', /status "abc" is not an HTTP status code/],
    ['a missing method', '{"interactions":[{"request":{"uri":"http://h/"},"response":{"status":{"code":200}}}]}', /interaction #1: request method is missing/],
    ['a missing response', '{"log":{"entries":[{"request":{"method":"GET","url":"http://h/"}}]}}', /interaction #1: response is missing/],
    ['a binary nock response that is not hex', '[{"scope":"http://h","method":"GET","path":"/","status":200,"response":"zz","responseIsBinary":true}]', /not a hex string/],
    ['an interaction list that is no list', '{"http_interactions": {"request": {}}}', /http_interactions is not a list/],
  ])('rejects %s', (_name, text, message) => {
    expect(parseError(text, 'x.json').message).toMatch(message);
  });

  it('wraps anything unexpected (here: an alias bomb the yaml package refuses) in a CassetteParseError', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`l${i}: &l${i} [${Array(10).fill(i === 1 ? '*a' : `*l${i - 1}`).join(', ')}]`);
    const error = parseError(`${levels.join('\n')}\n`, 'bomb.yml');
    expect(error.message).toMatch(/^bomb\.yml: /);
  });
});

describe('format detection and helpers', () => {
  it('detects the format from the shape alone', () => {
    expect(detectFormat([])).toBe('nock');
    expect(detectFormat({ http_interactions: [] })).toBe('vcr');
    expect(detectFormat({ interactions: [], version: 1 })).toBe('vcrpy');
    expect(detectFormat({ log: { entries: [] } })).toBe('har');
    expect(detectFormat({ log: 'x' })).toBeUndefined();
    expect(detectFormat('text')).toBeUndefined();
  });

  it('reads empty cassettes of every format', () => {
    expect(parseCassette('http_interactions: []\nrecorded_with: VCR 6.1.0\n', 'a.yml')).toEqual({ format: 'vcr', interactions: [], recordedWith: 'VCR 6.1.0', unread: [], encoding: 'utf-8' });
    expect(parseCassette('[]', 'a.json').interactions).toEqual([]);
    expect(parseCassette('interactions: []\nversion: 1\n', 'a.yaml').format).toBe('vcrpy');
    expect(parseCassette('{"log":{"entries":[]}}', 'recording.har').format).toBe('har');
  });

  it('uses the extension only as a hint for the syntax', () => {
    expect(guessSyntax('{}', 'a.yml')).toBe('json');
    expect(guessSyntax('x: 1', 'a.json')).toBe('json');
    expect(guessSyntax('x: 1', 'a.yml (before)')).toBe('yaml');
    // JSON-looking YAML (flow style, unquoted keys) in a .yml file still reads.
    expect(parseCassette('{http_interactions: []}', 'flow.yml').format).toBe('vcr');
    // A byte-order mark does not trip JSON.parse.
    expect(parseCassette('\ufeff[]', 'bom.json').format).toBe('nock');
  });

  it('finds JSON element offsets past strings with escaped quotes and brackets', () => {
    const text = '{"a": "]\\"[", "list": [ {"x": "\\\\"}, [1, [2]], "s,]", 3 ]}';
    const offsets = jsonArrayElementOffsets(text, ['list']);
    expect(offsets.map((offset) => text.slice(offset, offset + 3))).toEqual(['{"x', '[1,', '"s,', '3 ]']);
    expect(jsonArrayElementOffsets(text, ['missing'])).toEqual([]);
    expect(offsetsToLines('a\nb\nc\n', [0, 2, 3, 4])).toEqual([1, 2, 2, 3]);
    expect(locateJsonError('{"a": [1, 2,]}')).toBe(12);
    expect(locateJsonError('{"a": 1}')).toBeUndefined();
  });

  it.each([
    ['2026-11-23 20:58:14 GMT', '2026-11-23T20:58:14.000Z'],
    ['2026-11-23 20:58:14', '2026-11-23T20:58:14.000Z'],
    ['Mon, 23 Nov 2026 20:58:14 GMT', '2026-11-23T20:58:14.000Z'],
    ['Mon, 23 Nov 2026 21:58:14 +0100', '2026-11-23T20:58:14.000Z'],
    ['2026-11-23T21:58:14.5+01:00', '2026-11-23T20:58:14.500Z'],
    ['yesterday', undefined],
    [42, undefined],
  ])('reads the date %j', (input, iso) => {
    expect(toIsoDate(input)).toBe(iso);
  });
});

describe('YAML reading', () => {
  it('keeps YAML 1.2 core-schema scalars: no is a string, dates stay text, durations stay text', () => {
    const { data } = parseYamlText('a: no\nb: 2026-11-23 20:58:14 GMT\nc: 1:20\nd: 2026-11-23\ne: true\nf: ~\n', 'x.yml');
    expect(data).toStrictEqual({ a: 'no', b: '2026-11-23 20:58:14 GMT', c: '1:20', d: '2026-11-23', e: true, f: null });
  });

  it('reads vcrpy\'s !!binary and Psych\'s !binary as bytes', () => {
    const { data } = parseYamlText('bin: !!binary |\n  AAEC\n  /w==\nrb: !binary AAEC\n', 'x.yml') as { data: { bin: Uint8Array; rb: Uint8Array } };
    expect([...data.bin]).toEqual([0, 1, 2, 255]);
    expect([...data.rb]).toEqual([0, 1, 2]);
  });

  it("reads old vcrpy's !!python/unicode and !!python/str strings as text", () => {
    expect(parseYamlText("a: !!python/unicode 'caf\u00e9'\nb: !!python/str GET\n", 'x.yml').data).toStrictEqual({ a: 'café', b: 'GET' });
  });

  it('reads an R vcr 0.x status (httr http_status: category, reason, message) by the code in its message', () => {
    const yaml = [
      'http_interactions:',
      '- request:',
      '    method: get',
      '    uri: https://api.crossref.org/works',
      '    body: {encoding: "", string: ""}',
      '    headers: {}',
      '  response:',
      '    status:',
      '      category: Client error',
      '      reason: Not Found',
      "      message: 'Client error: (404) Not Found'",
      '    headers: {}',
      '    body: {encoding: UTF-8, string: "gone"}',
      '  recorded_at: 2017-03-01 10:00:00 GMT',
      'recorded_with: vcr/0.0.8.9421, webmockr/0.0.6',
      '',
    ].join('\n');
    const cassette = parseCassette(yaml, 'old.yml');
    expect(at(cassette, 0).response).toMatchObject({ status: 404, statusText: 'Not Found' });
    // category and reason follow from the code: no status field is left uninterpreted.
    expect(at(cassette, 0).unread.filter((field) => field.path.startsWith('response.status'))).toEqual([]);
  });

  it("treats R vcr's usual body encoding and file fields as saying nothing, and any other value as data", () => {
    const cassetteWith = (body: string) =>
      parseCassette(
        ['http_interactions:', '- request:', '    method: get', '    uri: https://h/x', `    body: ${body}`, '    headers: {}', '  response:', '    status: 200', '    headers: {}', `    body: ${body}`, '  recorded_at: 2024-01-01 00:00:00 GMT', ''].join('\n'),
        'b.yml',
      );
    const usual = ['{encoding: UTF-8, string: "ok", file: no}', '{encoding: "", string: "ok"}', '{encoding: utf-8, string: "ok", file: false}'];
    for (const body of usual) expect(at(cassetteWith(body), 0).unread, body).toEqual([]);
    const diff = (a: string, b: string) => diffCassettes('b.yml', cassetteWith(a), cassetteWith(b), { volatileHeaders: [], volatileFields: [] }).status;
    expect(diff(usual[0]!, usual[1]!)).toBe('noise-only');
    expect(diff('{encoding: "", string: "ok"}', '{encoding: ISO-8859-1, string: "ok"}')).toBe('changed');
    expect(diff('{encoding: "", string: "ok"}', '{encoding: "", string: "ok", file: true}')).toBe('changed');
  });

  it('takes the last of duplicate keys, as PyYAML, Psych and libyaml do', () => {
    expect(parseYamlText('a: 1\na: 2\n', 'x.yml').data).toStrictEqual({ a: 2 });
  });

  it.each([
    ['aligned with its key', 'x: 1\nhttp_interactions:\n- a: 1\n  b: 2\n- a: 3\nrecorded_with: vcr\n', [3, 5]],
    ['indented under its key', 'http_interactions:\n  - a: 1\n    l:\n    - nested\n  - a: 2\n', [2, 5]],
    ['an empty list', 'http_interactions: []\n', []],
  ])('finds where list items start when the list is %s', (_name, text, lines) => {
    expect(blockSequenceLines(text, ['http_interactions'])).toEqual(lines);
  });

  it('reads a CRLF cassette like its LF twin', () => {
    const text = readFileSync(new URL('r-vcr1-string-status.yml', fixtures), 'utf8');
    expect(parseCassette(text.replaceAll('\n', '\r\n'), 'crlf.yml')).toStrictEqual(parseCassette(text, 'crlf.yml'));
  });
});

describe('the recordings of the test projects', () => {
  const projects = new URL('../../projects/', import.meta.url);
  const cassettes = [
    ...readdirSync(new URL('testthat/tests/fixtures/', projects)).map((name) => `testthat/tests/fixtures/${name}`),
    ...readdirSync(new URL('node-nock/test/fixtures/', projects)).map((name) => `node-nock/test/fixtures/${name}`),
  ].filter((name) => /\.(ya?ml|json|har)$/.test(name));

  it('has cassettes to read', () => {
    expect(cassettes.length).toBeGreaterThan(10);
  });

  it.each(cassettes)('parses %s', (name) => {
    const cassette = parseCassette(readFileSync(new URL(name, projects), 'utf8'), name);
    expect(cassette.format).toBe(name.startsWith('testthat') ? 'vcr' : 'nock');
    expect(cassette.interactions.length).toBeGreaterThan(0);
    for (const interaction of cassette.interactions) {
      expect(interaction.line).toBeGreaterThan(0);
      expect(interaction.request.method).toBe('GET');
      expect(interaction.request.uri).toMatch(/^http:\/\//);
      expect(interaction.response.status).toBe(200);
      expect(interaction.response.body.kind).toBe('json');
      if (name.startsWith('testthat')) expect(interaction.recordedAt).toMatch(/^2026-11-23T/);
    }
  });
});

describe('claimedFormat', () => {
  it.each([
    ['a vcrpy cassette whose interactions do not read', 'interactions:\n- request: 3\nversion: 1\n', 'broken.yaml', 'vcrpy'],
    ['a vcrpy cassette with broken syntax', 'interactions:\n  - request: {\n\tmethod: GET\n', 'broken.yaml', 'vcrpy'],
    ['a Ruby VCR cassette with broken syntax', 'http_interactions:\n- request: [\n', 'b.yml', 'vcr'],
    ['a HAR with broken JSON', '{"log": {"entries": [', 'r.har', 'har'],
    ['nock JSON with broken syntax', '[{"scope": "http://x", ', 'n.json', 'nock'],
    ['YAML of another tool', 'format: xai-proto/1\nframes:\n- CgRwaW5n\n', 't.xai.yaml', undefined],
    ['binary data', '\u0000\u0001PK\u0003', 't.bin', undefined],
  ] as const)('%s: %s', (_what, text, file, format) => {
    expect(claimedFormat(Buffer.from(text, 'latin1'), file)).toBe(format);
  });
});
