// Every spelling of a secret a recorder, serialiser or log may write: hex in both cases, \u escapes
// in both cases, percent-encoding in both cases, and base64 wrapped at any column (Ruby's
// Base64.encode64 wraps at 60, PEM at 64, MIME at 76), with the break stored as a real line break,
// an escaped \n or a YAML continuation. The scanner, the redactor of logs and summaries, and the
// tail of captured output all use the same spellings.
import { describe, expect, it } from 'vitest';
import { findLeaks, redactLeaks, SecretScanner, type Encoding, type Secret } from '../../../src/cassettes/leaks.js';
import { Redactor } from '../../../src/report/redact.js';
import { OutputTail } from '../../../src/run/output-tail.js';

const KEY = 'a1B2c3D4e5F6g7H8j9K0';
const SPECIAL = 'Zx9/Qw+e7"Rt y&u~é<>';
const secrets: Secret[] = [
  { name: 'api-key', value: KEY },
  { name: 'extra', value: SPECIAL },
];
const hex = (text: string) => Buffer.from(text).toString('hex');
const b64 = (text: string) => Buffer.from(text).toString('base64');
const wrap = (text: string, column: number, separator: string) => (text.match(new RegExp(`.{1,${column}}`, 'g')) ?? []).join(separator);
const escapeAll = (text: string, upper: boolean) =>
  [...text].map((char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')[upper ? 'toUpperCase' : 'toLowerCase']()}`).join('');

describe('spellings the earlier scanner missed', () => {
  it.each<[string, string, string, Encoding]>([
    ['hex, lower case', `body: ${hex(`{"key":"${KEY}"}`)}`, 'api-key', 'hex'],
    ['hex, upper case', `body: ${hex(`{"key":"${KEY}"}`).toUpperCase()}`, 'api-key', 'hex'],
    ['\\u escape of a non-ASCII character in upper case', `{"t":${JSON.stringify(SPECIAL).replace('é', '\\u00E9')}}`, 'extra', 'json-escaped'],
    ['Go-style \\u003C escapes in upper case', `{"t":${JSON.stringify(SPECIAL).replace('<', '\\u003C').replace('>', '\\u003E').replace('&', '\\u0026')}}`, 'extra', 'json-escaped'],
    ['every character \\u-escaped, lower case', `{"t":"${escapeAll(KEY, false)}"}`, 'api-key', 'json-escaped'],
    ['every character \\u-escaped, upper case', `{"t":"${escapeAll(KEY, true)}"}`, 'api-key', 'json-escaped'],
    ['a \\u00E9 escape inside a YAML double-quoted string (JSON escaped twice)', `string: "{\\"t\\":${JSON.stringify(JSON.stringify(SPECIAL).replace('é', '\\u00E9')).slice(1, -1)}}"`, 'extra', 'json-escaped'],
    ['percent-encoding in lower case', `uri: https://h/x?k=${encodeURIComponent(SPECIAL).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`, 'extra', 'url-encoded'],
  ])('%s', (_name, text, secret, encoding) => {
    expect(findLeaks(text, secrets)).toEqual([expect.objectContaining({ secret, encoding, line: 1 })]);
    const redacted = redactLeaks(text, secrets, '***');
    expect(redacted.count).toBe(1);
    expect(findLeaks(redacted.text, secrets)).toEqual([]);
  });
});

describe('base64 wrapped at any column', () => {
  // 40 bytes before the key put it across the first break at every column tried.
  const basic = b64(`${'u'.repeat(40)}:${KEY}`);
  const separators: Array<[string, string]> = [
    ['a real line break inside a YAML block scalar (Ruby Base64.encode64)', '\n        '],
    ['a CRLF line break', '\r\n'],
    ['an escaped \\n in a JSON string', '\\n'],
    ['a YAML double-quoted continuation (\\n\\ then a line break)', '\\n\\\n      '],
  ];

  for (const column of [60, 64, 76]) {
    it.each(separators)(`column ${column}: %s, the key split across the break`, (_name, separator) => {
      const wrapped = wrap(basic, column, separator);
      // The break falls inside the key's spelling: no unwrapped spelling can see it.
      expect(findLeaks(basic, secrets)).toHaveLength(1);
      const text = `      Authorization:\n      - "Basic ${wrapped}"\n`;
      const findings = findLeaks(text, secrets);
      expect(findings).toEqual([expect.objectContaining({ secret: 'api-key', encoding: 'base64-wrapped' })]);
      const redacted = redactLeaks(text, secrets, '***');
      expect(redacted.count).toBe(1);
      expect(findLeaks(redacted.text, secrets)).toEqual([]);
      const left = Buffer.from(redacted.text.replace(/\\n\\?|\s|"|\*/g, '').split('Basic')[1] ?? '', 'base64').toString('latin1');
      expect(left).not.toContain(KEY.slice(0, 8));
    });
  }

  it('a key longer than a line, across two breaks', () => {
    const long: Secret = { name: 'long', value: 'L0ngKey'.repeat(20) };
    const text = wrap(b64(`user:${long.value}`), 60, '\n');
    expect(findLeaks(text, [long])).toEqual([expect.objectContaining({ secret: 'long', encoding: 'base64-wrapped' })]);
  });

  it('finds nothing in wrapped base64 that holds no key, nor across a space between words', () => {
    const random = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 251)).toString('base64');
    expect(findLeaks(wrap(random, 60, '\n'), secrets)).toEqual([]);
    const [first, second] = [KEY.slice(0, 10), KEY.slice(10)];
    expect(findLeaks(`${first} ${second}`, secrets)).toEqual([]);
  });
});

describe('bytes that are not UTF-8', () => {
  it('a scanner for latin1-read bytes finds a non-ASCII key by its UTF-8 bytes', () => {
    const scanner = new SecretScanner(secrets, 'bytes');
    const bytes = Buffer.concat([Buffer.from([0xa3, 0xff]), Buffer.from(`k=${SPECIAL}`, 'utf8')]);
    const text = bytes.toString('latin1');
    expect(scanner.find(text)).toEqual([expect.objectContaining({ secret: 'extra', encoding: 'raw' })]);
    const redacted = Buffer.from(scanner.redact(text, '***').text, 'latin1');
    expect(redacted.equals(Buffer.concat([Buffer.from([0xa3, 0xff]), Buffer.from('k=***')]))).toBe(true);
  });
});

describe('Redactor: summaries, annotations, failure reports', () => {
  const redactor = new Redactor([KEY]);

  it.each([
    ['hex', `got ${hex(KEY)}`],
    ['upper-case hex', `got ${hex(KEY).toUpperCase()}`],
    ['wrapped base64', `Basic ${wrap(b64(`${'u'.repeat(40)}:${KEY}`), 60, '\n')}`],
    ['\\u escapes', escapeAll(KEY, true)],
  ])('redacts the %s spelling', (_name, text) => {
    expect(findLeaks(redactor.redact(text), secrets)).toEqual([]);
  });

  it('tail() redacts before cutting: the end of a key is never kept', () => {
    const output = `${'x'.repeat(100)}${KEY}${'y'.repeat(10)}`;
    const naive = output.slice(-20);
    expect(naive).toContain(KEY.slice(-10));
    const tail = redactor.tail(output, 20);
    expect(tail).not.toContain(KEY.slice(-10));
    expect(tail.endsWith('y'.repeat(10))).toBe(true);
  });
});

describe('OutputTail with a redactor', () => {
  const redactor = new Redactor([KEY]);

  it('never keeps part of a key when the cut falls inside it', () => {
    for (let limit = 5; limit < 40; limit += 3) {
      const tail = new OutputTail(limit, redactor.redact);
      tail.push(Buffer.from(`start ${KEY} end\n`));
      const kept = tail.text();
      for (let length = 4; length <= KEY.length; length++) expect(kept).not.toContain(KEY.slice(-length));
    }
  });

  it('redacts a key split across two chunks, and one at the top of what is kept after dropping output', () => {
    const tail = new OutputTail(100, redactor.redact);
    tail.push(Buffer.from(`${'a'.repeat(200_000)}${KEY.slice(0, 7)}`));
    tail.push(Buffer.from(`${KEY.slice(7)} and more\n`));
    const kept = tail.text();
    expect(kept).toMatch(/^\[\.\.\. \d+ earlier bytes not kept \.\.\.\]\n/);
    expect(kept).not.toContain(KEY.slice(7));
    const dropped = new OutputTail(50, redactor.redact);
    dropped.push(Buffer.from(`${KEY.slice(0, 5)}`));
    dropped.push(Buffer.from(`${KEY.slice(5)}${'z'.repeat(200_000)}`));
    dropped.push(Buffer.from('tail\n'));
    expect(dropped.text()).not.toContain(KEY.slice(5, 15));
  });

  it('without a redactor keeps the last bytes as before', () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from('abcdef'));
    expect(tail.text()).toBe('[... 2 earlier bytes not kept ...]\ncdef');
  });
});
