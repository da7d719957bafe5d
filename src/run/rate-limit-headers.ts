// What an API says about its own limit, read from the headers of an answer it recorded (pure):
// - `X-RateLimit-Limit / -Remaining / -Reset` (GitHub and many REST APIs; Reset in epoch seconds,
//   epoch ms or seconds from now, told apart by size), `X-Rate-Limit-*`, `RateLimit-Limit /
//   -Remaining / -Reset` (IETF drafts up to 06: Reset in seconds from now);
// - `x-ratelimit-limit-requests / -remaining-requests / -reset-requests` (Reset as `1s`, `6m0s`, `20ms`);
// - the IETF `RateLimit` field, either `limit=100, remaining=50, reset=30` or
//   `"default";r=50;t=30`, and `RateLimit-Policy`: `100;w=60` or `"default";q=100;w=60`.
// From them, a rate: what is left spread over the time until the window resets (`remaining /
// reset`), else the policy's quota over its window (`limit / window`).
import type { Headers } from '../cassettes/model.js';

export interface RateLimitHint {
  /** Requests allowed per window. */
  limit?: number;
  /** Requests left in the current window. */
  remaining?: number;
  /** Ms until the current window resets (from when the answer was read). */
  resetMs?: number;
  /** The window's length in ms (a policy's `w`). */
  windowMs?: number;
}

const PREFIXES = ['x-ratelimit-', 'x-rate-limit-', 'ratelimit-'];
/** Epoch seconds are above this (2001); a window in seconds from now never is. */
const EPOCH_SECONDS = 1_000_000_000;
const EPOCH_MS = 1_000_000_000_000;

/** Undefined when the headers say nothing about a limit. */
export function rateLimitHint(headers: Headers, now: number = Date.now()): RateLimitHint | undefined {
  const hint: RateLimitHint = {};
  const first = (name: string) => headers[name]?.[0]?.trim();
  for (const prefix of PREFIXES) {
    for (const suffix of ['', '-requests']) {
      const limit = first(`${prefix}limit${suffix}`);
      const remaining = first(`${prefix}remaining${suffix}`);
      const reset = first(`${prefix}reset${suffix}`);
      if (limit !== undefined && hint.limit === undefined) {
        hint.limit = leadingNumber(limit);
        // `X-RateLimit-Limit: 100, 100;w=60` carries its window.
        const window = /;\s*w=(\d+(?:\.\d+)?)/.exec(limit)?.[1];
        if (window !== undefined && hint.windowMs === undefined) hint.windowMs = Number(window) * 1000;
      }
      if (remaining !== undefined && hint.remaining === undefined) hint.remaining = leadingNumber(remaining);
      if (reset !== undefined && hint.resetMs === undefined) hint.resetMs = resetOf(reset, now);
    }
  }
  const field = first('ratelimit');
  if (field !== undefined) {
    const params = parameters(field);
    hint.limit ??= params.get('limit');
    hint.remaining ??= params.get('remaining') ?? params.get('r');
    const reset = params.get('reset') ?? params.get('t');
    if (reset !== undefined) hint.resetMs ??= reset * 1000;
  }
  const policy = first('ratelimit-policy');
  if (policy !== undefined) {
    const params = parameters(policy);
    hint.limit ??= params.get('q') ?? leadingNumber(policy);
    const window = params.get('w');
    if (window !== undefined) hint.windowMs ??= window * 1000;
  }
  for (const key of Object.keys(hint) as Array<keyof RateLimitHint>) if (hint[key] === undefined || Number.isNaN(hint[key])) delete hint[key];
  return Object.keys(hint).length === 0 ? undefined : hint;
}

/**
 * Requests per second the hint allows: what is left over the time until the reset, else the quota
 * over its window. `exhausted`: nothing is left until `resetMs`. Undefined when it cannot tell.
 */
export function hintedRate(hint: RateLimitHint): { rate: number; exhausted: boolean } | undefined {
  if (hint.remaining !== undefined && hint.resetMs !== undefined) {
    if (hint.remaining <= 0) return { rate: hint.limit !== undefined && hint.windowMs ? hint.limit / (hint.windowMs / 1000) : 0, exhausted: true };
    return { rate: hint.remaining / Math.max(hint.resetMs / 1000, 1), exhausted: false };
  }
  if (hint.limit !== undefined && hint.windowMs) return { rate: hint.limit / (hint.windowMs / 1000), exhausted: hint.remaining === 0 };
  return undefined;
}

function leadingNumber(text: string): number | undefined {
  const match = /^"?(\d+(?:\.\d+)?)/.exec(text.trim());
  return match ? Number(match[1]) : undefined;
}

/** `1700000000` (epoch s), `1700000000000` (epoch ms), `30` (s from now), `1.5`, `6m0s`, `20ms`. */
function resetOf(text: string, now: number): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const value = Number(text);
    if (value >= EPOCH_MS) return Math.max(0, value - now);
    if (value >= EPOCH_SECONDS) return Math.max(0, value * 1000 - now);
    return value * 1000;
  }
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let matched = '';
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(match[1]) * units[match[2]!]!;
    matched += match[0];
  }
  return matched.length > 0 && matched === text.replace(/\s+/g, '') ? total : undefined;
}

/** `limit=100, remaining=50, reset=30` or `"default";r=50;t=30` (the first policy): key -> number. */
function parameters(text: string): Map<string, number> {
  const params = new Map<string, number>();
  const firstItem = text.includes(';') && !text.includes('=') ? text : text.split(/,(?=\s*"[^"]*"\s*;)/)[0]!;
  for (const part of firstItem.split(/[;,]/)) {
    const match = /^\s*([a-z-]+)\s*=\s*"?(\d+(?:\.\d+)?)"?\s*$/i.exec(part);
    if (match && !params.has(match[1]!.toLowerCase())) params.set(match[1]!.toLowerCase(), Number(match[2]));
  }
  return params;
}
