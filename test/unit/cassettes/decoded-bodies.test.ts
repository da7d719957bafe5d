import { deflateRawSync, deflateSync, gzipSync, brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../../src/cassettes/body-decoding.js';
import { describeDiff, diffCassettes, type DiffOptions, type InteractionChange } from '../../../src/cassettes/diff.js';
import { parseCassette } from '../../../src/cassettes/formats/index.js';
import type { Body, Cassette, Headers } from '../../../src/cassettes/model.js';

// Bodies stored as bytes are compared decoded: built on the model, with real zlib output.
const bytes = (data: Buffer): Body => ({ kind: 'binary', base64: data.toString('base64') });
const json = (value: unknown): Body => ({ kind: 'json', value, text: JSON.stringify(value) });
const GZIP_JSON: Headers = { 'content-type': ['application/json'], 'content-encoding': ['gzip'] };
/** gzip with a given header time: two recordings of one answer differ in these bytes. */
const gzipAt = (text: string, mtime: number): Buffer => {
  const out = gzipSync(text);
  out.writeUInt32LE(mtime, 4);
  return out;
};

function cassette(body: Body, headers: Headers = GZIP_JSON, uri = 'https://api.example.com/v1/files'): Cassette {
  return {
    format: 'vcr',
    recordedWith: undefined,
    unread: [],
    encoding: 'utf-8',
    interactions: [
      {
        index: 0,
        line: undefined,
        request: { method: 'GET', uri, headers: {}, body: { kind: 'empty' } },
        response: { status: 200, statusText: 'OK', headers, body },
        recordedAt: undefined,
        unread: [],
      },
    ],
  };
}

const OPTIONS: DiffOptions = { volatileHeaders: [], volatileFields: [] };
const diff = (old: Body, next: Body, options: Partial<DiffOptions> = {}, headers: [Headers, Headers] = [GZIP_JSON, GZIP_JSON]) =>
  diffCassettes('c.yml', cassette(old, headers[0]), cassette(next, headers[1]), { ...OPTIONS, ...options });
const change = (result: ReturnType<typeof diff>): InteractionChange => {
  expect(result.status).toBe('changed');
  return result.changes[0]!;
};

describe('decodeBody', () => {
  it('takes gzip, zlib deflate, raw deflate and br off, by header or by magic bytes, then reads JSON', () => {
    const text = '{"id":1}';
    expect(decodeBody(bytes(gzipSync(text)), {})).toEqual({ body: json({ id: 1 }), layers: ['gzip'] });
    expect(decodeBody(bytes(deflateSync(text)), {})).toEqual({ body: json({ id: 1 }), layers: ['deflate'] });
    expect(decodeBody(bytes(deflateRawSync(text)), { 'Content-Encoding': ['deflate'] })).toEqual({ body: json({ id: 1 }), layers: ['deflate'] });
    expect(decodeBody(bytes(brotliCompressSync(text)), { 'content-encoding': ['br'] })).toEqual({ body: json({ id: 1 }), layers: ['br'] });
    // br has no magic bytes: without the header the bytes stay bytes.
    expect(decodeBody(bytes(brotliCompressSync(text)), {}).layers).toEqual([]);
    expect(decodeBody(bytes(gzipSync(gzipSync(text))), { 'content-encoding': ['gzip, gzip'] }).layers).toEqual(['gzip', 'gzip']);
  });

  it('reads base64 of plain text as text, and leaves control bytes and text bodies alone', () => {
    expect(decodeBody(bytes(Buffer.from('hello')), {}).body).toEqual({ kind: 'text', text: 'hello' });
    expect(decodeBody(bytes(Buffer.from([1, 2, 3])), {}).body).toEqual(bytes(Buffer.from([1, 2, 3])));
    const text: Body = { kind: 'text', text: 'H4sI' };
    expect(decodeBody(text, GZIP_JSON)).toEqual({ body: text, layers: [] });
  });

  it('a header that names gzip over bytes already decoded says nothing more about them', () => {
    expect(decodeBody(bytes(Buffer.from('{"a":1}')), GZIP_JSON)).toEqual({ body: json({ a: 1 }), layers: [] });
  });

  it('a decompression bomb is not decompressed past the cap: the body stays as stored, with the reason', () => {
    const bomb = bytes(gzipSync(Buffer.alloc(1024 * 1024)));
    const result = decodeBody(bomb, GZIP_JSON, 64 * 1024);
    expect(result).toEqual({ body: bomb, layers: [], problem: 'gzip body not decompressed: larger than 65536 bytes once decompressed' });
  });

  it('a cut-off gzip body is not half-decoded', () => {
    const whole = gzipSync('{"id":1,"name":"a long enough body to be cut in the middle"}');
    const cut = bytes(whole.subarray(0, whole.length - 12));
    const result = decodeBody(cut, GZIP_JSON);
    expect(result.body).toEqual(cut);
    expect(result.problem).toMatch(/^gzip body could not be decompressed/);
  });
});

describe('diff of decoded bodies', () => {
  it('one answer gzipped at two times (different bytes) is noise', () => {
    const answer = '{"id":"file-1","bytes":120}';
    expect(gzipAt(answer, 1).equals(gzipAt(answer, 2))).toBe(false);
    expect(diff(bytes(gzipAt(answer, 1)), bytes(gzipAt(answer, 2))).status).toBe('noise-only');
  });

  it('a changed value inside a gzip body is a change, shown by its decoded path, old -> new', () => {
    const result = diff(bytes(gzipAt('{"id":"file-1","bytes":120}', 1)), bytes(gzipAt('{"id":"file-1","bytes":121}', 2)));
    expect(change(result).body).toMatchObject({ changed: [{ path: '$.bytes', from: '120', to: '121' }], decoded: 'gzip' });
    expect(describeDiff(result)).toEqual(['GET /v1/files: body (decoded: gzip) ~$.bytes 120 -> 121']);
  });

  it('volatile fields and key order apply inside decoded bodies', () => {
    const old = bytes(gzipAt('{"id":"file-1","created":1,"bytes":120}', 1));
    const next = bytes(gzipAt('{"bytes":120,"created":2,"id":"file-1"}', 2));
    expect(change(diff(old, next)).body).toMatchObject({ changed: [{ path: '$.created' }] });
    expect(diff(old, next, { volatileFields: ['created'] }).status).toBe('noise-only');
  });

  it('a gzip body against the same answer stored plain is the same body; against another answer, a change', () => {
    const plain: Headers = { 'content-type': ['application/json'] };
    // The body is the same; the server (or recorder) dropping content-encoding is still said.
    const same = change(diff(bytes(gzipSync('{"a":1}')), json({ a: 1 }), {}, [GZIP_JSON, plain]));
    expect(same.body).toBeUndefined();
    expect(same.headers?.removed).toEqual(['content-encoding']);
    expect(diff(bytes(gzipSync('{"a":1}')), json({ a: 1 }), {}, [GZIP_JSON, { ...plain, 'content-encoding': ['gzip'] }]).status).toBe('noise-only');
    const result = diff(bytes(gzipSync('{"a":1}')), json({ a: 2 }), {}, [GZIP_JSON, plain]);
    expect(change(result).body).toMatchObject({ changed: [{ path: '$.a', from: '1', to: '2' }], decoded: 'gzip -> as stored' });
  });

  it('when one side cannot be decoded, the stored bytes are compared and the change says why', () => {
    const whole = gzipSync('{"id":1,"name":"a long enough body to be cut in the middle"}');
    const result = diff(bytes(whole), bytes(whole.subarray(0, whole.length - 12)));
    expect(change(result).body).toMatchObject({ binary: 'changed', notDecoded: expect.stringMatching(/^gzip body could not be decompressed/) });
    expect(describeDiff(result)[0]).toMatch(/binary body changed \(\d+ -> \d+ bytes, first difference at byte \d+\), gzip body could not be decompressed/);
  });

  it('two bombs that differ only past the cap are still a change (compared as stored)', () => {
    const a = Buffer.alloc(40 * 1024 * 1024);
    const b = Buffer.alloc(40 * 1024 * 1024);
    b[b.length - 1] = 1;
    const result = diff(bytes(gzipSync(a)), bytes(gzipSync(b)));
    expect(change(result).body).toMatchObject({ binary: 'changed', notDecoded: 'gzip body not decompressed: larger than 32 MB once decompressed' });
  });

  it('JSON inside a JSON string is compared as JSON: key order is noise, a value change is shown by path', () => {
    const inner = (value: unknown) => json({ payload: JSON.stringify(value) });
    expect(diff(inner({ a: 1, b: 2 }), inner({ b: 2, a: 1 }), {}, [{}, {}]).status).toBe('noise-only');
    const result = diff(inner({ a: 1, id: 'x' }), inner({ a: 2, id: 'y' }), { volatileFields: ['id'] }, [{}, {}]);
    expect(change(result).body).toMatchObject({ changed: [{ path: '$.payload.a', from: '1', to: '2' }], counts: { changed: 1 } });
    // A string that is not JSON on one side stays a string change.
    expect(change(diff(inner({ a: 1 }), json({ payload: '{not json' }), {}, [{}, {}])).body).toMatchObject({ changed: [{ path: '$.payload' }] });
  });
});

describe('decoded bodies in nock and HAR files', () => {
  const compareTexts = (old: string, next: string, name: string) =>
    diffCassettes(name, parseCassette(old, name), parseCassette(next, name), OPTIONS);

  it('nock: gzip answers kept as hex chunks compare by what they hold', () => {
    const nock = (gzip: Buffer) => {
      const hex = gzip.toString('hex');
      const chunks = [hex.slice(0, 20), hex.slice(20)];
      return JSON.stringify([
        { scope: 'https://api.example.com:443', method: 'GET', path: '/v1/files/file-1', body: '', status: 200, response: chunks, rawHeaders: ['Content-Encoding', 'gzip', 'Content-Type', 'application/json'] },
      ]);
    };
    expect(compareTexts(nock(gzipAt('{"bytes":120}', 1)), nock(gzipAt('{"bytes":120}', 2)), 'n.json').status).toBe('noise-only');
    expect(describeDiff(compareTexts(nock(gzipAt('{"bytes":120}', 1)), nock(gzipAt('{"bytes":121}', 2)), 'n.json'))).toEqual([
      'GET /v1/files/file-1: body (decoded: gzip) ~$.bytes 120 -> 121',
    ]);
  });

  it('HAR: `encoding: base64` content that is JSON compares as JSON against the same answer stored as text', () => {
    const har = (content: object) =>
      JSON.stringify({
        log: {
          entries: [
            {
              startedDateTime: '2024-01-01T00:00:00.000Z',
              request: { method: 'GET', url: 'https://api.example.com/v1/files', headers: [] },
              response: { status: 200, statusText: 'OK', headers: [{ name: 'content-type', value: 'application/json' }], content },
            },
          ],
        },
      });
    const text = '{"data":[{"id":"file-1"}]}';
    const encoded = { mimeType: 'application/json', encoding: 'base64', text: Buffer.from(text).toString('base64') };
    expect(compareTexts(har(encoded), har({ mimeType: 'application/json', text }), 'r.har').status).toBe('noise-only');
    const other = { mimeType: 'application/json', text: '{"data":[{"id":"file-2"}]}' };
    expect(describeDiff(compareTexts(har(encoded), har(other), 'r.har'))).toEqual(['GET /v1/files: body ~$.data[0].id "file-1" -> "file-2"']);
  });
});
