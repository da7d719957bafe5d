// inspectRecordings on real files in a temporary folder: bytes kept byte for byte where no feature
// had to touch them, token shapes checked without a key, large recordings never read whole.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePoisonStatuses } from '../../../src/cassettes/poison.js';
import { inspectRecordings, keyScanNotice, type InspectSettings } from '../../../src/run/inspect.js';

const KEY = 'k3y-Zq81mX0pLw';
// Assembled at run time so that secret scanners do not flag this file.
const LIVE = ['sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc'].join('');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-inspect-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const settings = (overrides: Partial<InspectSettings> = {}): InspectSettings => ({
  diff: { volatileHeaders: [], volatileFields: [] },
  isPoison: parsePoisonStatuses(['5xx']),
  secrets: [{ name: 'api-key', value: KEY }],
  onLeak: 'fail',
  placeholder: '<<<API_KEY>>>',
  hostMap: [],
  ...overrides,
});

const latin1Cassette = (byte: number, extra = '') =>
  Buffer.concat([
    Buffer.from(`http_interactions:\n- request:\n    method: get\n    uri: http://127.0.0.1:4567/price${extra}\n  response:\n    status: 200\n    headers:\n      content-type: text/plain\n    body:\n      string: "cost: `),
    Buffer.from([byte]),
    Buffer.from('5"\n  recorded_at: 2026-11-23 20:58:14 GMT\nrecorded_with: vcr/2.1.0\n'),
  ]);

async function recorded(name: string, next: Buffer | string, old?: Buffer | string) {
  const cassette = path.join(dir, name);
  await writeFile(cassette, next);
  let original: string | null = null;
  if (old !== undefined) {
    original = path.join(dir, `${name}.before`);
    await writeFile(original, old);
  }
  return { cassette, original };
}
const relative = (file: string) => path.relative(dir, file);

describe('bytes survive', () => {
  it('a one-byte change in a Latin-1 body is kept as drift (never put back as noise)', async () => {
    const entry = await recorded('price.yml', latin1Cassette(0xa4), latin1Cassette(0xa3));
    const result = await inspectRecordings([entry], settings(), relative);
    expect(result.noiseOnly).toEqual([]);
    expect(result.drift).toEqual([expect.objectContaining({ cassette: 'price.yml', status: 'changed' })]);
    expect((await readFile(entry.cassette)).equals(latin1Cassette(0xa4))).toBe(true);
  });

  it('on-leak redact and record-host-map rewrite only what they must: invalid UTF-8 bytes stay', async () => {
    const entry = await recorded('price.yml', latin1Cassette(0xa3, `?key=${KEY}`));
    const result = await inspectRecordings(
      [entry],
      settings({ onLeak: 'redact', hostMap: [{ from: 'http://127.0.0.1:4567', to: 'https://api.example.com' }] }),
      relative,
    );
    expect(result.failure).toBeUndefined();
    const written = await readFile(entry.cassette);
    const expected = Buffer.from(latin1Cassette(0xa3, '?key=<<<API_KEY>>>').toString('latin1').replace('http://127.0.0.1:4567', 'https://api.example.com'), 'latin1');
    expect(written.equals(expected)).toBe(true);
    expect(written.includes(Buffer.from([0xa3]))).toBe(true);
    expect(written.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
  });

  it('a noise-only re-record gets its old bytes back, byte for byte', async () => {
    const old = latin1Cassette(0xa3);
    const entry = await recorded('price.yml', Buffer.from(old.toString('latin1').replace('20:58:14', '21:00:00'), 'latin1'), old);
    const result = await inspectRecordings([entry], settings(), relative);
    expect(result.noiseOnly).toEqual(['price.yml']);
    expect((await readFile(entry.cassette)).equals(old)).toBe(true);
  });
});

describe('token shapes in new recordings, with or without a key', () => {
  const withToken = (token: string) => `interactions:\n- request: {method: GET, uri: "http://h/x", headers: {}, body: null}\n  response:\n    status: {code: 200}\n    headers: {}\n    body: {string: '{"secret":"${token}"}'}\nversion: 1\n`;

  it('on-leak fail: a new live token fails the file, named by kind and line, never by value', async () => {
    const entry = await recorded('t.yaml', withToken(LIVE), withToken('none'));
    const result = await inspectRecordings([entry], settings({ secrets: [] }), relative);
    expect(result.failure).toMatch(/new token in the recording: t\.yaml:6: looks like a stripe-key/);
    expect(result.failure).not.toContain(LIVE);
  });

  it('on-leak redact: the token is replaced and a warning says so', async () => {
    const entry = await recorded('t.yaml', withToken(LIVE));
    const result = await inspectRecordings([entry], settings({ secrets: [], onLeak: 'redact' }), relative);
    expect(result.failure).toBeUndefined();
    expect(await readFile(entry.cassette, 'utf8')).toContain('"secret":"<<<API_KEY>>>"');
    expect(result.warnings.join('\n')).toMatch(/redacted 1 new token\(s\) in t\.yaml/);
  });

  it('a token the old recording already held is no news (audit reports it)', async () => {
    const entry = await recorded('t.yaml', withToken(LIVE), withToken(LIVE));
    expect((await inspectRecordings([entry], settings({ secrets: [] }), relative)).failure).toBeUndefined();
  });

  it('says once what is off when no key is configured', () => {
    expect(keyScanNotice(settings({ secrets: [] }))).toMatch(/no API key configured .*not scanned for your key, only for token shapes/);
    expect(keyScanNotice(settings())).toBeUndefined();
  });
});

describe('recordings over the size cap', () => {
  const big = (secret = '') => `interactions:\n- request: {method: GET, uri: "http://h/x", headers: {}, body: null}\n  response:\n    status: {code: 200}\n    headers: {}\n    body: {string: '${'z'.repeat(5000)}${secret}'}\nversion: 1\n`;

  it('are kept as a change that was not compared', async () => {
    const entry = await recorded('big.yaml', big(), big());
    const result = await inspectRecordings([entry], settings({ maxComparableBytes: 1000 }), relative);
    expect(result.noiseOnly).toEqual([]);
    expect(result.drift).toEqual([{ cassette: 'big.yaml', status: 'changed', changes: [], notes: [expect.stringMatching(/^not compared: the new recording is over/)] }]);
  });

  it('find a key and a token that straddle a chunk boundary, each once', async () => {
    for (const offset of [0, 3, 7, 13]) {
      const text = `${'y'.repeat(4096 - offset)}${KEY} ${LIVE} ${'y'.repeat(3000)}`;
      const entry = await recorded(`chunk${offset}.yaml`, text);
      const result = await inspectRecordings([entry], settings({ maxComparableBytes: 100, chunkBytes: 4096 }), relative);
      expect(result.failure).toMatch(/leaked secret: 1 occurrence\(s\)/);
      const tokens = await inspectRecordings([entry], settings({ secrets: [], maxComparableBytes: 100, chunkBytes: 4100 }), relative);
      expect(tokens.failure).toMatch(/^1 token-shaped string\(s\)/);
    }
  });

  it('are still scanned for the key, in chunks: a leak fails the file', async () => {
    const entry = await recorded('big.yaml', big(KEY), big());
    const result = await inspectRecordings([entry], settings({ maxComparableBytes: 1000, onLeak: 'redact' }), relative);
    expect(result.failure).toMatch(/leaked secret: 1 occurrence\(s\) in big\.yaml is over 1000 bytes/);
  });
});
