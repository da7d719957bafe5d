import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  describeLeak,
  findLeaks,
  findTokenShapes,
  redactLeaks,
  secretSpellings,
  type Encoding,
  type Secret,
} from '../../../src/cassettes/leaks.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

// A plain key, and one with every character that changes under some encoding.
const PLAIN = 'a1B2c3D4e5F6g7H8j9K0';
const SPECIAL = 'Zx9/Qw+e7"Rt y&u~é';
// Its base64 has `+` and `/` at every alignment, so the URL-safe spelling really differs.
const BINARYISH = '??>>??>>~~<<??>>';
const secrets: Secret[] = [
  { name: 'api-key', value: PLAIN },
  { name: 'extra-secrets[1]', value: SPECIAL },
  { name: 'extra-secrets[2]', value: BINARYISH },
];

describe('findLeaks: every spelling', () => {
  it.each<[string, string, string, Encoding]>([
    ['raw, in a query string', `uri: https://api.test/items?api_key=${PLAIN}&page=2`, 'api-key', 'raw'],
    ['raw, in a Bearer Authorization header', `Authorization: Bearer ${PLAIN}`, 'api-key', 'raw'],
    ['url-encoded, special characters', `uri: https://api.test/items?k=${encodeURIComponent(SPECIAL)}`, 'extra-secrets[1]', 'url-encoded'],
    ['url-encoded, form style (+ for space)', `body: k=${new URLSearchParams({ k: SPECIAL }).toString().slice(2)}`, 'extra-secrets[1]', 'url-encoded'],
    ['json-escaped, with / and "', `string: '{"token":${JSON.stringify(SPECIAL)}}'`, 'extra-secrets[1]', 'json-escaped'],
    ['json-escaped, slashes escaped as \\/', `{"token":${JSON.stringify(SPECIAL).replace(/\//g, '\\/')}}`, 'extra-secrets[1]', 'json-escaped'],
    ['json-escaped, ASCII only (\\u00e9)', `{"token":${JSON.stringify(SPECIAL).replace('é', '\\u00e9')}}`, 'extra-secrets[1]', 'json-escaped'],
    ['base64 at offset 0 of a longer blob', `base64_string: ${b64(`${PLAIN}and then the rest of the body`)}`, 'api-key', 'base64'],
    ['base64 at offset 1', `base64_string: ${b64(`{${PLAIN}}`)}`, 'api-key', 'base64'],
    ['base64 at offset 2', `base64_string: ${b64(`{"${PLAIN}"}`)}`, 'api-key', 'base64'],
    ['base64 at offset 3 (= 0) deep in a blob', `base64_string: ${b64(`abc${SPECIAL}xyz`)}`, 'extra-secrets[1]', 'base64'],
    ['Basic auth: base64("user:" + key)', `Authorization: Basic ${b64(`user:${PLAIN}`)}`, 'api-key', 'base64'],
    ['Basic auth: base64(key + ":")', `Authorization: Basic ${b64(`${PLAIN}:`)}`, 'api-key', 'base64'],
    ['base64url at offset 0', `token=${b64url(`${BINARYISH}.rest`)}`, 'extra-secrets[2]', 'base64url'],
    ['base64url at offset 1', `token=${b64url(`.${BINARYISH}.rest`)}`, 'extra-secrets[2]', 'base64url'],
    ['base64url at offset 2', `token=${b64url(`..${BINARYISH}.rest`)}`, 'extra-secrets[2]', 'base64url'],
  ])('%s', (_name, text, secret, encoding) => {
    expect(findLeaks(text, secrets)).toEqual([expect.objectContaining({ secret, encoding, line: 1 })]);
  });

  it('the base64url cases really differ from standard base64', () => {
    for (const filler of ['', '.', '..']) expect(b64url(`${filler}${BINARYISH}`)).toMatch(/[-_]/);
  });

  it('reports line and 1-based column of each occurrence, in text order, across CRLF and LF lines', () => {
    const text = ['- request:', `    uri: https://api.test/?k=${PLAIN}`, '    headers:\r', `      Authorization: Basic ${b64(`me:${PLAIN}`)}`, '', `  x ${PLAIN} ${PLAIN}`].join('\n');
    const findings = findLeaks(text, secrets);
    expect(findings).toEqual([
      { secret: 'api-key', encoding: 'raw', line: 2, column: '    uri: https://api.test/?k='.length + 1 },
      { secret: 'api-key', encoding: 'base64', line: 4, column: expect.any(Number) },
      { secret: 'api-key', encoding: 'raw', line: 6, column: 5 },
      { secret: 'api-key', encoding: 'raw', line: 6, column: 6 + PLAIN.length },
    ]);
    // "me:" is 3 bytes: alignment 0, so the key's characters start 4 characters into the blob.
    expect(findings[1]!.column).toBe('      Authorization: Basic '.length + 4 + 1);
  });

  it('counts overlapping spellings once, named after the longest', () => {
    const shorter: Secret = { name: 'short', value: 'abcdefgh12' };
    const longer: Secret = { name: 'long', value: 'abcdefgh1234' };
    expect(findLeaks('x abcdefgh1234 y', [shorter, longer])).toEqual([{ secret: 'long', encoding: 'raw', line: 1, column: 3 }]);
    // One value under two names: reported once, under the first.
    expect(findLeaks(PLAIN, [secrets[0]!, { name: 'again', value: PLAIN }])).toHaveLength(1);
  });

  it('finds nothing in clean text or without secrets', () => {
    expect(findLeaks('X-Api-Key: <<<API_KEY>>>', secrets)).toEqual([]);
    expect(findLeaks(`k=${PLAIN}`, [])).toEqual([]);
  });
});

describe('secret values never appear in findings', () => {
  const text = [PLAIN, encodeURIComponent(SPECIAL), JSON.stringify(SPECIAL), b64(`u:${PLAIN}`), b64url(BINARYISH)].join('\n');
  const findings = findLeaks(text, secrets);

  it('finds every one', () => {
    expect(findings.map((finding) => finding.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it.each(secrets)('not $name, in any spelling', ({ value }) => {
    const output = JSON.stringify(findings) + findings.map((finding) => describeLeak('tests/fixtures/x.yml', finding)).join('\n');
    for (const spelling of [value, ...secretSpellings(value).map((s) => s.text)]) expect(output).not.toContain(spelling);
  });

  it('describes a leak by file, line, name and encoding', () => {
    expect(describeLeak('tests/fixtures/x.yml', { secret: 'api-key', encoding: 'base64', line: 12, column: 3 })).toBe('tests/fixtures/x.yml:12: api-key (base64)');
  });
});

describe('redactLeaks', () => {
  it('replaces every spelling of every secret and counts the places', () => {
    const spellings = secrets.flatMap((secret) => secretSpellings(secret.value).map((s) => s.text));
    const text = spellings.map((spelling, index) => `line ${index}: <${spelling}>`).join('\n');
    const redacted = redactLeaks(text, secrets, '<<<API_KEY>>>');
    expect(redacted.count).toBe(spellings.length);
    expect(redacted.count).toBe(findLeaks(text, secrets).length);
    expect(findLeaks(redacted.text, secrets)).toEqual([]);
    expect(redacted.text.split('\n')[0]).toBe('line 0: <<<<API_KEY>>>>');
  });

  it('redacts inside Basic auth, leaving only the characters mixed with the user name', () => {
    const redacted = redactLeaks(`Authorization: Basic ${b64(`user:${PLAIN}`)}`, secrets, '[KEY]');
    expect(redacted).toEqual({ text: expect.stringContaining('[KEY]'), count: 1 });
    expect(Buffer.from(redacted.text.split(' ').at(-1)!, 'base64').toString()).not.toContain(PLAIN.slice(0, 6));
  });

  it('leaves text without secrets untouched', () => {
    expect(redactLeaks('nothing here', secrets, '***')).toEqual({ text: 'nothing here', count: 0 });
  });
});

describe('secretSpellings', () => {
  it('skips secrets shorter than 6 characters entirely', () => {
    expect(secretSpellings('abc12')).toEqual([]);
    expect(findLeaks('abc12 abc12', [{ name: 'short', value: 'abc12' }])).toEqual([]);
    expect(redactLeaks('abc12', [{ name: 'short', value: 'abc12' }], '***').count).toBe(0);
  });

  it('drops spellings under 8 characters, except those as long as a 6-7 character secret', () => {
    const texts = secretSpellings('q9Zx2w').map((s) => s.text);
    expect(texts).toContain('q9Zx2w');
    expect(texts).toContain('cTlaeDJ3');
    expect(texts.every((text) => text.length >= 6)).toBe(true);
    for (const text of secretSpellings(PLAIN).map((s) => s.text)) expect(text.length).toBeGreaterThanOrEqual(8);
  });

  it('lists each distinct spelling once', () => {
    const texts = secretSpellings(PLAIN).map((s) => s.text);
    expect(new Set(texts).size).toBe(texts.length);
    // raw, every character \u-escaped (lower and upper case hex) and those escaped once more (JSON in a
    // YAML or JSON string), base64 at three alignments (URL-safe is identical for this key), hex in both cases.
    expect(secretSpellings(PLAIN).map((s) => s.encoding)).toEqual(['raw', 'json-escaped', 'json-escaped', 'json-escaped', 'json-escaped', 'base64', 'base64', 'base64', 'hex', 'hex']);
  });
});

// Fixture tokens are assembled at run time so secret scanners do not flag this file.
const fake = (...parts: string[]) => parts.join('');
const JWT = fake('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9', '.', 'eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0', '.', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c');

describe('findTokenShapes', () => {
  it.each([
    ['aws-access-key', `Credential=${fake('AKIA', 'Z7Q2M4N8P1R5T3V6')}/20240101/us-east-1`],
    ['aws-access-key', `"AccessKeyId": "${fake('ASIA', 'Q3W5E7R9T1Y2U4I6')}"`],
    ['github-token', `Authorization: token ${fake('ghp', '_', 'a1B2c3D4e5'.repeat(4))}`],
    ['github-token', `GH=${fake('ghs', '_', 'Zz09Yy18Xx27Ww36Vv45Uu54Tt63Ss72Rr81')}`],
    ['github-token', `GH=${fake('github', '_pat_', '11ABCDEFG0123456789abc', '_', 'Q'.repeat(3), 'w9E8r7T6y5U4i3O2p1A0s9D8f7G6h5J4k3L2z1X0c9V8b7N6m5Q4w3E2r1T0y9U8')}`],
    ['jwt', `id_token=${JWT}&x=1`],
    ['jwt', `Authorization: Bearer ${JWT}`],
    ['bearer-token', 'Authorization: Bearer 7f3k9Qz2Lm8Xw4Rt6Yp1Vb5N'],
    ['slack-token', `SLACK=${fake('xoxb', '-', '123456789012-1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx')}`],
    ['stripe-key', `key: ${fake('sk', '_live_', '4eC39HqLyjWDarjtT1zdp7dc')}`],
    ['stripe-key', `key: ${fake('rk', '_live_', '51H8zQ2eZvKYlo2C0Jq9rT3x')}`],
    ['google-api-key', `?key=${fake('AIza', 'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY')}`],
  ])('%s in %s', (kind, text) => {
    expect(findTokenShapes(text)).toEqual([{ kind, line: 1, column: expect.any(Number) }]);
  });

  it('reports line and column', () => {
    const text = `a: 1\nb: 2\n  token: ${fake('ghp', '_', 'a1B2c3D4e5'.repeat(4))}\n`;
    expect(findTokenShapes(text)).toEqual([{ kind: 'github-token', line: 3, column: 10 }]);
  });

  it('flags nothing in benign text: UUIDs, hashes, base64 images, placeholders, prose', () => {
    const random = (seed: string, blocks: number) => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < blocks; i++) chunks.push(createHash('sha256').update(`${seed}${i}`).digest());
      return Buffer.concat(chunks);
    };
    const benign = [
      'id: 123e4567-e89b-12d3-a456-426614174000',
      `etag: "${createHash('sha1').update('x').digest('hex')}"`,
      `sha256: ${createHash('sha256').update('y').digest('hex')}`,
      `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAA${random('png', 2000).toString('base64')}`,
      `blob: ${random('url', 2000).toString('base64url')}`,
      'X-Api-Key: <<<API_KEY>>>',
      'Authorization: Bearer <<<API_KEY>>>',
      'Authorization: Bearer ***',
      'Authorization: Bearer REDACTED',
      'Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'Authorization: Bearer your_token_goes_here_1234567',
      'WWW-Authenticate: Bearer realm="api", error="invalid_token"',
      'Bearer authentication is described in RFC 6750 and used by most APIs nowadays',
      `aws: ${fake('AKIA', 'IOSFODNN7EXAMPLE')}`,
      `stripe: ${fake('sk', '_test_', '4eC39HqLyjWDarjtT1zdp7dc')}`,
      `github: ${fake('ghp', '_', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')}`,
      `google: ${fake('AIza', 'x'.repeat(35))}`,
      'recorded_at: 2024-01-01T00:00:00Z',
      'uri: https://api.example.com/v1/items?page=2&per_page=100&sort=created_at',
      'text: eyJhbGciOiJub25lIn0 is just a header',
    ].join('\n');
    expect(findTokenShapes(benign)).toEqual([]);
  });
});
