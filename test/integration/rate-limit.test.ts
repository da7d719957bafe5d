// Re-recording against an API that rate-limits: a token bucket (20 requests/s, burst 20) answering
// 429 with Retry-After beyond it, and a suite of 60 test files of 5 requests each (framework custom,
// each file a node script that records a VCR cassette and fails on a non-200 answer). Every run goes
// through the built CLI. No timing is asserted: only outcomes (speed is `npm run bench`'s).
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanEnv, NODE, runCli } from '../support/run-bundle.js';
import { rateLimitedSuiteFlags, startRateLimitedApi, writeRateLimitedSuite } from '../support/standin-ratelimited-api.mjs';

type Api = Awaited<ReturnType<typeof startRateLimitedApi>>;

let api: Api;
let dir: string;

beforeEach(async () => {
  api = await startRateLimitedApi({ rate: 20, burst: 20 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-ratelimit-'));
});
afterEach(async () => {
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

async function rerecord(extra: readonly string[]) {
  const result = await runCli(['run', ...rateLimitedSuiteFlags(NODE), '--retries', '0', '--timeout', '2m', '--json', ...extra], {
    cwd: dir,
    env: cleanEnv({ RATE_LIMITED_API_URL: api.url }),
  });
  let document;
  try {
    document = JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON document (exit ${result.code}): ${result.stderr.slice(-2000)}`);
  }
  return { ...result, document };
}

/** Kept cassettes that hold a 429 (each answer's status is a `code:` line in VCR's format). */
async function cassettesHolding429(): Promise<string[]> {
  const holding: string[] = [];
  for (const name of await readdir(path.join(dir, 'fixtures'))) {
    if (/^\s+code: 429$/m.test(await readFile(path.join(dir, 'fixtures', name), 'utf8'))) holding.push(name);
  }
  return holding;
}

describe('re-recording at the API rate limit', () => {
  it('with rate-limit at the bucket rate and 16 workers, every file re-records and no cassette keeps a 429', async () => {
    await writeRateLimitedSuite(dir, { files: 60, requests: 5 });
    const { code, stderr, document } = await rerecord(['--workers', '16', '--rate-limit', '20/s']);
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(document).toMatchObject({ selected: 60, succeeded: 60, failed: 0 });
    expect(await cassettesHolding429()).toEqual([]);
    expect(document.pace).toMatchObject({ rateLimit: 20, absorbed: document.pace.rateLimitedAnswers });
    // Every request the suite makes is in the cassettes and counted: 60 files of 5.
    expect(document.pace.requests).toBeGreaterThanOrEqual(300);
    const manifest = JSON.parse(await readFile(path.join(dir, '.rerecord', 'manifest.json'), 'utf8'));
    expect(Object.values(manifest.files).map((entry) => (entry as { requests?: number }).requests)).toEqual(Array(60).fill(5));
  });

  it('with no rate-limit (adaptive only), every file still re-records and no cassette keeps a 429', async () => {
    await writeRateLimitedSuite(dir, { files: 60, requests: 5 });
    const { code, stderr, document } = await rerecord(['--workers', '16']);
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(document).toMatchObject({ selected: 60, succeeded: 60, failed: 0 });
    expect(await cassettesHolding429()).toEqual([]);
    expect(document.pace).toMatchObject({ rateLimit: null, absorbed: document.pace.rateLimitedAnswers });
    expect(api.state.served).toBeGreaterThanOrEqual(300);
  });

  it('a throttled file waits and is tried again without spending its retries; the 429 is absorbed, never kept', async () => {
    await writeRateLimitedSuite(dir, { files: 4, requests: 5 });
    // Whatever the bucket holds, the first try of rl_02 gets a 429 on its third request (after two 200s).
    api.exhaust('/items/3?file=rl_02', 1);
    const { code, stderr, document } = await rerecord(['--workers', '2']);
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(document).toMatchObject({ selected: 4, succeeded: 4, failed: 0 });
    const throttled = document.files.find((file: { file: string }) => file.file === 'tests/rl_02.test.mjs');
    expect(throttled).toMatchObject({ status: 'succeeded', attempts: 1, rateLimited: 1, requests: 5 });
    expect(document.pace).toMatchObject({ rateLimitedAnswers: 1, absorbed: 1 });
    expect(document.pace.concurrency.trace[0]).toMatchObject({ limit: 1, why: 'rate-limited' });
    expect(await cassettesHolding429()).toEqual([]);
  });

  it('a file throttled for longer than rate-limit-wait fails with the reason; its cassette is not kept', async () => {
    await writeRateLimitedSuite(dir, { files: 3, requests: 5 });
    api.exhaust('file=rl_03');
    const { code, document } = await rerecord(['--workers', '2', '--rate-limit-wait', '2s']);
    expect(code).toBe(1);
    expect(document).toMatchObject({ selected: 3, succeeded: 2, failed: 1, failedFiles: ['tests/rl_03.test.mjs'] });
    const failed = document.files.find((file: { file: string }) => file.file === 'tests/rl_03.test.mjs');
    expect(failed.reason).toMatch(/^rate-limited: 429 on GET \/items\/1\?file=rl_03 \(Retry-After 1\.0s\); .*beyond rate-limit-wait 2\.0s$/);
    expect(failed.rateLimited).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(dir, 'fixtures', 'rl_03.yml'))).toBe(false);
    expect(document.pace.absorbed).toBeLessThan(document.pace.rateLimitedAnswers);
  });

  it('a bad rate-limit is refused with the input named, exit 2, and no file touched', async () => {
    await writeRateLimitedSuite(dir, { files: 2, requests: 1 });
    const result = await runCli(['run', ...rateLimitedSuiteFlags(NODE), '--rate-limit', 'fast'], { cwd: dir, env: cleanEnv({ RATE_LIMITED_API_URL: api.url }) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--rate-limit: expected a request rate such as 10/s, 600/m or 36000/h');
    expect(api.state.served + api.state.throttled).toBe(0);
    expect(await readdir(path.join(dir, 'fixtures'))).toEqual([]);
  });
});
