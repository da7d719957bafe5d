import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeDiff, diffCassettes, type CassetteDiff, type DiffOptions } from '../../../src/cassettes/diff.js';
import { parseCassette } from '../../../src/cassettes/formats/index.js';

// Pairs recorded by the libraries themselves (see fixtures/decoding/README.md): each is noise or a
// real change, with the decoded values shown.
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'decoding');
const read = (name: string) => parseCassette(readFileSync(path.join(DIR, name)), name);
const compare = (old: string, next: string, options: Partial<DiffOptions> = {}): CassetteDiff =>
  diffCassettes('c.yml', read(old), read(next), { volatileHeaders: [], volatileFields: [], ...options });

describe('recorded pairs: the same answers recorded twice are noise', () => {
  it.each([
    ['vcrpy, gzip body in !!binary (gzip header times differ)', 'vcrpy-gzip-old.yaml', 'vcrpy-gzip-new.yaml'],
    ['Ruby VCR, gzip body in base64_string', 'ruby-vcr-base64-old.yml', 'ruby-vcr-base64-new.yml'],
    ['R vcr 2, raw_gzip bodies', 'r-vcr2-raw-gzip-old.yml', 'r-vcr2-raw-gzip-new.yml'],
    ['R crul: status pseudo-header HTTP/1.1 -> HTTP/2, newer client versions', 'r-crul-old.yml', 'r-crul-new.yml'],
    ['R vcr 1 -> 2 migration, bytes kept (base64_string -> raw_gzip, request headers no longer recorded)', 'r-vcr1-to-2-old.yml', 'r-vcr1-to-2-new.yml'],
    ['R vcr 1 -> 2 migration, text bodies (string both, PNG base64_string -> raw_gzip)', 'r-vcr1-text-to-2-old.yml', 'r-vcr1-text-to-2-new.yml'],
  ])('%s', (_what, old, next) => {
    // The stored bodies do differ: what is compared is what they hold.
    expect(readFileSync(path.join(DIR, old), 'utf8')).not.toBe(readFileSync(path.join(DIR, next), 'utf8'));
    const result = compare(old, next);
    expect(describeDiff(result)).toEqual([]);
    expect(result.status).toBe('noise-only');
  });
});

describe('recorded pairs: a changed value inside an encoded body is a change, by its decoded path', () => {
  it.each([
    ['vcrpy !!binary gzip', 'vcrpy-gzip-old.yaml', 'vcrpy-gzip-drift.yaml', 'gzip'],
    ['Ruby VCR base64_string gzip', 'ruby-vcr-base64-old.yml', 'ruby-vcr-base64-drift.yml', 'gzip'],
    ['R vcr 2 raw_gzip', 'r-vcr2-raw-gzip-old.yml', 'r-vcr2-raw-gzip-drift.yml', 'deflate'],
  ])('%s', (_what, old, next, layer) => {
    const result = compare(old, next);
    expect(result.status).toBe('changed');
    expect(describeDiff(result)).toEqual([`GET /v1/files/file-abc123: body (decoded: ${layer}) ~$.bytes 120 -> 121`]);
  });

  it('a vcr 1 recording against a vcr 2 one with another value: the change, not the format', () => {
    const old = read('r-vcr1-to-2-old.yml');
    const drift = read('r-vcr2-raw-gzip-drift.yml');
    for (const interaction of drift.interactions) interaction.request.uri = interaction.request.uri.replace('http://127.0.0.1:18620', 'https://api.example.com');
    const result = diffCassettes('c.yml', old, drift, { volatileHeaders: [], volatileFields: [] });
    expect(describeDiff(result)).toEqual(['GET /v1/files/file-abc123: body (decoded: as stored -> deflate) ~$.bytes 120 -> 121']);
  });
});

describe('R vcr body shapes across versions', () => {
  const cassette = (recordedWith: string, body: string) =>
    `http_interactions:\n- request:\n    method: get\n    uri: https://api.example.com/logo\n    body:\n      encoding: ''\n      string: ''\n    headers: {}\n  response:\n    status:\n      status_code: '200'\n    headers:\n      content-type: application/octet-stream\n    body:\n${body}\n  recorded_at: 2020-01-01 00:00:00 GMT\n  recorded_with: ${recordedWith}\n`;
  const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 253]).toString('base64');
  const other = Buffer.from([0, 1, 2, 250, 251, 252, 254]).toString('base64');
  const diffOf = (a: string, b: string) =>
    diffCassettes('c.yml', parseCassette(a, 'a.yml'), parseCassette(b, 'b.yml'), { volatileHeaders: [], volatileFields: [] });

  it('vcr 0.x base64 in `string` with ASCII-8BIT reads as those bytes: the same bytes in base64_string are noise, others a change', () => {
    const old = cassette('vcr/0.2.6, webmockr/0.3.0', `      encoding: ASCII-8BIT\n      string: ${bytes}`);
    expect(diffOf(old, cassette('vcr/1.2.0, webmockr/0.8.2', `      encoding: ''\n      file: no\n      base64_string: ${bytes}`)).status).toBe('noise-only');
    const changed = diffOf(old, cassette('vcr/1.2.0, webmockr/0.8.2', `      encoding: ''\n      file: no\n      base64_string: ${other}`));
    expect(describeDiff(changed)).toEqual(['GET /logo: binary body changed (7 -> 7 bytes, first difference at byte 6)']);
  });

  it('Ruby VCR ASCII-8BIT text is text, never read as base64 (`recorded_with` is not R vcr)', () => {
    const ruby = (value: string) => cassette('VCR 6.0.0', `      encoding: ASCII-8BIT\n      string: ${value}`);
    expect(diffOf(ruby('abcd'), ruby('abce')).changes[0]?.body).toMatchObject({ text: 'changed' });
  });

  it('a body kept in a file: vcr 1 `file: true` + path and vcr 2 `on_disk` are the same; another path is a change', () => {
    const v1 = cassette('vcr/1.2.0, webmockr/0.8.2', `      encoding: ''\n      file: yes\n      string: files/logo.png`);
    expect(diffOf(v1, cassette('VCR-vcr/2.1.0', `      on_disk: files/logo.png`)).status).toBe('noise-only');
    expect(describeDiff(diffOf(v1, cassette('VCR-vcr/2.1.0', `      on_disk: files/logo2.png`)))).toEqual([
      'GET /logo: not interpreted, changed: response.body.file',
    ]);
  });

  it('vcr 2 raw_gzip that is not gzip is compared as stored, and says it was not decoded', () => {
    const good = Buffer.from(gzipSync('{"a":1}')).toString('base64');
    const corrupt = Buffer.from(gzipSync('{"a":1}')).subarray(0, 12).toString('base64');
    const result = diffOf(cassette('VCR-vcr/2.1.0', `      raw_gzip: ${good}`), cassette('VCR-vcr/2.1.0', `      raw_gzip: ${corrupt}`));
    expect(result.status).toBe('changed');
    expect(result.changes[0]?.body).toMatchObject({ binary: 'changed', notDecoded: expect.stringMatching(/^gzip body could not be decompressed/) });
  });

  it('request headers left out (vcr 2) are unknown, not removed; recorded on both sides they are compared', () => {
    const withHeaders = (headers: string) =>
      `http_interactions:\n- request:\n    method: get\n    uri: https://api.example.com/x\n${headers}  response:\n    status: 200\n    headers: {}\n    body:\n      string: ok\n  recorded_at: 2020-01-01 00:00:00\nrecorded_with: VCR-vcr/2.1.0\n`;
    expect(diffOf(withHeaders('    headers:\n      Accept: application/json\n'), withHeaders('')).status).toBe('noise-only');
    expect(diffOf(withHeaders('    headers:\n      Accept: application/json\n'), withHeaders('    headers: {}\n')).status).toBe('changed');
  });

  it('line endings of the file are not data: a CRLF copy of a cassette is noise', () => {
    const text = readFileSync(path.join(DIR, 'r-vcr1-text-to-2-old.yml'), 'utf8');
    expect(diffOf(text, text.replace(/\n/g, '\r\n')).status).toBe('noise-only');
  });
});
