// What an API's rate-limit headers say, in every spelling rerecord reads, and the rate it allows.
import { describe, expect, it } from 'vitest';
import { hintedRate, rateLimitHint } from '../../../src/run/rate-limit-headers.js';

const NOW = Date.parse('2026-11-30T00:00:00Z');

describe('rateLimitHint', () => {
  it.each([
    ['GitHub: X-RateLimit-* with an epoch-seconds reset', { 'x-ratelimit-limit': ['5000'], 'x-ratelimit-remaining': ['4990'], 'x-ratelimit-reset': [String(NOW / 1000 + 3000)] }, { limit: 5000, remaining: 4990, resetMs: 3_000_000 }],
    ['X-RateLimit-Reset in seconds from now', { 'x-ratelimit-limit': ['100'], 'x-ratelimit-remaining': ['7'], 'x-ratelimit-reset': ['30'] }, { limit: 100, remaining: 7, resetMs: 30_000 }],
    ['X-Rate-Limit-* with an epoch-ms reset', { 'x-rate-limit-limit': ['15'], 'x-rate-limit-remaining': ['3'], 'x-rate-limit-reset': [String(NOW + 900_000)] }, { limit: 15, remaining: 3, resetMs: 900_000 }],
    ['X-RateLimit-Limit carrying its window', { 'x-ratelimit-limit': ['100, 100;w=60'] }, { limit: 100, windowMs: 60_000 }],
    ['IETF drafts: RateLimit-Limit / -Remaining / -Reset', { 'ratelimit-limit': ['10'], 'ratelimit-remaining': ['2'], 'ratelimit-reset': ['5'] }, { limit: 10, remaining: 2, resetMs: 5000 }],
    ['x-ratelimit-*-requests with a duration reset', { 'x-ratelimit-limit-requests': ['60'], 'x-ratelimit-remaining-requests': ['59'], 'x-ratelimit-reset-requests': ['1m0.5s'] }, { limit: 60, remaining: 59, resetMs: 60_500 }],
    ['RateLimit: limit=, remaining=, reset=', { ratelimit: ['limit=100, remaining=50, reset=30'] }, { limit: 100, remaining: 50, resetMs: 30_000 }],
    ['RateLimit and RateLimit-Policy, structured fields', { ratelimit: ['"default";r=50;t=30'], 'ratelimit-policy': ['"default";q=100;w=60'] }, { limit: 100, remaining: 50, resetMs: 30_000, windowMs: 60_000 }],
    ['RateLimit-Policy, older draft: the first policy', { 'ratelimit-policy': ['10;w=1, 1000;w=3600'] }, { limit: 10, windowMs: 1000 }],
  ])('%s', (_name, headers, expected) => {
    expect(rateLimitHint(headers, NOW)).toEqual(expected);
  });

  it('says nothing for an answer without rate-limit headers or with unreadable ones', () => {
    expect(rateLimitHint({ 'content-type': ['application/json'], 'retry-after': ['1'] }, NOW)).toBeUndefined();
    expect(rateLimitHint({ 'x-ratelimit-remaining': ['lots'], 'x-ratelimit-reset': ['soon'] }, NOW)).toBeUndefined();
  });
});

describe('hintedRate', () => {
  it('spreads what is left over the time to the reset; else the quota over its window', () => {
    expect(hintedRate({ limit: 5000, remaining: 4990, resetMs: 3_000_000 })).toEqual({ rate: 4990 / 3000, exhausted: false });
    expect(hintedRate({ limit: 100, windowMs: 60_000 })).toEqual({ rate: 100 / 60, exhausted: false });
  });

  it('nothing left: exhausted until the reset, then the quota', () => {
    expect(hintedRate({ limit: 60, windowMs: 60_000, remaining: 0, resetMs: 3000 })).toEqual({ rate: 1, exhausted: true });
  });

  it('a limit alone, with no window or reset, gives no rate', () => {
    expect(hintedRate({ limit: 100 })).toBeUndefined();
    expect(hintedRate({ remaining: 5 })).toBeUndefined();
  });
});
