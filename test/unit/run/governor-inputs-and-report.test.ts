// What feeds the governor and what it reports: the `rate-limit` input, request counts in the
// manifest, throttling read from new recordings, and the pace line of the summaries.
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputProblem, requestRate } from '../../../src/config/parsers.js';
import { summaryMarkdown, summaryTable, paceLine } from '../../../src/report/summary.js';
import type { FileResult } from '../../../src/results/run-outcome.js';
import type { PaceReport } from '../../../src/results/run-outcome.js';
import { scanRecordings } from '../../../src/run/rate-limited.js';
import { mergeManifest, parseManifest, serializeManifest } from '../../../src/state/manifest.js';

describe('rate-limit input', () => {
  it.each([
    ['10/s', 10],
    ['600/m', 10],
    ['36000/h', 10],
    ['1.5 / s', 1.5],
  ])('%s is %d requests per second', (raw, perSecond) => {
    expect(requestRate(raw)).toBe(perSecond);
  });

  it.each(['10', '0/s', '10/d', 'fast', '-1/s', '10/sec'])('refuses %s, naming the forms expected', (raw) => {
    expect(() => requestRate(raw)).toThrow(InputProblem);
    expect(() => requestRate(raw)).toThrow(/a request rate such as 10\/s, 600\/m or 36000\/h/);
  });
});

describe('manifest request counts', () => {
  const learned = (file: string, succeeded: boolean, requests?: number) => ({ file, cassettes: undefined, succeeded, durationMs: 1000, requests });

  it('learns a count from a passing run, keeps it through a failed one, and reads it back', () => {
    let manifest = mergeManifest({ version: 1, files: {} }, [learned('a', true, 5), learned('b', false, 2)]);
    expect(manifest.files.a).toMatchObject({ requests: 5 });
    expect(manifest.files.b?.requests).toBeUndefined();
    manifest = mergeManifest(manifest, [learned('a', false, 1)]);
    expect(manifest.files.a?.requests).toBe(5);
    expect(parseManifest(serializeManifest(manifest), 'm').files.a).toEqual({ cassettes: [], durationMs: 1000, requests: 5 });
  });

  it('drops a count that is not a whole number', () => {
    expect(parseManifest('{"version":1,"files":{"a":{"cassettes":[],"requests":"many"},"b":{"cassettes":[],"requests":-2}}}', 'm').files).toEqual({ a: { cassettes: [] }, b: { cassettes: [] } });
  });
});

const interaction = (status: number, uri: string, headers: Record<string, string> = {}) =>
  [
    '- request:',
    '    method: get',
    `    uri: ${uri}`,
    '    body:',
    "      string: ''",
    '    headers: {}',
    '  response:',
    '    status:',
    `      code: ${status}`,
    '      message: x',
    '    headers:',
    ...Object.entries(headers).flatMap(([name, value]) => [`      ${name}:`, `      - '${value}'`]),
    '      Content-Type:',
    '      - application/json',
    '    body:',
    "      string: '{}'",
    '  recorded_at: Mon, 23 Nov 2026 20:58:14 GMT',
  ].join('\n');
const cassette = (...interactions: string[]) => ['---', 'http_interactions:', ...interactions, 'recorded_with: VCR 6.0.0', ''].join('\n');

describe('scanRecordings', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };

  it('counts the requests and finds 429s and 503s that say Retry-After, with the longest wait asked', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-scan-'));
    const a = await write('a.yml', cassette(interaction(200, 'http://api/x'), interaction(429, 'http://api/y', { 'Retry-After': '2' })));
    const b = await write('b.yml', cassette(interaction(503, 'http://api/z', { 'Retry-After': 'Mon, 30 Nov 2026 00:00:05 GMT' }), interaction(503, 'http://api/w')));
    const scan = await scanRecordings(
      [
        { cassette: a, original: null },
        { cassette: b, original: null },
        { cassette: path.join(dir, 'gone.yml'), original: null },
      ],
      () => Date.parse('Mon, 30 Nov 2026 00:00:00 GMT'),
    );
    expect(scan).toEqual({
      requests: 4,
      rateLimited: { retryAfterMs: 5000, statuses: '429 on GET /y, 503 on GET /z', answers: 2 },
      hosts: { api: { requests: 4, answers: 2, retryAfterMs: 5000 } },
      refusals: 0,
    });
  });

  it('counts the answers refusing the key (401, 403): the file will fail, so its slot is not handed on early', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-scan-'));
    const a = await write('a.yml', cassette(interaction(401, 'http://api/x'), interaction(403, 'http://api/y'), interaction(404, 'http://api/z')));
    expect((await scanRecordings([{ cassette: a, original: null }])).refusals).toBe(2);
  });

  it('a plain 503 (an outage, no Retry-After) or a 429 the old cassette held for the same request is no throttle', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-scan-'));
    const next = await write('next.yml', cassette(interaction(503, 'http://api/down'), interaction(429, 'http://api/limit-test')));
    const old = await write('old.yml', cassette(interaction(429, 'http://api/limit-test')));
    expect(await scanRecordings([{ cassette: next, original: old }])).toEqual({ requests: 2, rateLimited: undefined, hosts: { api: { requests: 2, answers: 0 } }, refusals: 0 });
  });
});

describe('honest request counts', () => {
  it('an old cassette the test only replayed (not written since its process started) reached no API: its interactions are not counted', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-scan-'));
    try {
      const body = 'interactions:\n- request: {method: GET, uri: http://api/a, body: null, headers: {}}\n  response: {status: {code: 200, message: OK}, headers: {}, body: {string: ok}}\nversion: 1\n';
      const replayed = path.join(dir, 'replayed.yml');
      const recorded = path.join(dir, 'recorded.yml');
      const original = path.join(dir, 'original.yml');
      for (const file of [replayed, recorded, original]) await writeFile(file, body);
      const started = Date.now();
      await utimes(replayed, new Date(started - 60_000), new Date(started - 60_000));
      const scan = await scanRecordings([{ cassette: replayed, original }, { cassette: recorded, original }], Date.now, started);
      expect(scan.requests).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('pace in the summaries', () => {
  const pace: PaceReport = {
    rateLimit: 20,
    learnedRate: null,
    requests: 310,
    rateLimitedAnswers: 12,
    absorbed: 12,
    requestsPerSecond: 18.24,
    waitedMs: 2100,
    pacedMs: 14_000,
    concurrency: {
      workers: 16,
      lowest: 4,
      final: 6,
      trace: [
        { atMs: 900, limit: 8, why: 'rate-limited' },
        { atMs: 1500, limit: 4, why: 'rate-limited' },
        { atMs: 4000, limit: 5, why: 'recovered' },
        { atMs: 5000, limit: 6, why: 'recovered' },
      ],
      traceTruncated: false,
    },
  };
  const result: FileResult = { file: 'tests/a.R', status: 'succeeded', attempts: 1, durationMs: 1000, exitCode: 0, reason: '', output: '', cassettes: [], journaled: undefined, drift: [], warnings: [] };
  const facts = { framework: 'custom', shard: '1/1', wallMs: 17_000, interrupted: false, pace };

  it('one line: requests, rate, budget, throttles absorbed, waits and the concurrency trace', () => {
    expect(paceLine(pace)).toBe(
      '310 requests at 18.2/s (budget 20/s), 12 429/503 answers, 12 absorbed (none kept), 2.1s waiting on the API, 14.0s paced to the budget, concurrency 16 -> 8 -> 4 -> 5 -> 6 (lowest 4, final 6)',
    );
    expect(paceLine({ ...pace, rateLimit: null, rateLimitedAnswers: 0, absorbed: 0, concurrency: { ...pace.concurrency, trace: [] } })).toBe(
      '310 requests at 18.2/s (adaptive only), no 429/503 answers, 2.1s waiting on the API, concurrency 16 throughout',
    );
  });

  it('is the last line of the terminal table and a line of the job summary', () => {
    expect(summaryTable([result], facts).split('\n').at(-1)).toBe(`API pace: ${paceLine(pace)}`);
    expect(summaryMarkdown([result], facts)).toContain(`\nAPI pace: ${paceLine(pace)}\n`);
  });
});
