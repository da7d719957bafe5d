// recorded_at forms -> ISO 8601. R vcr writes "2026-11-23 20:58:14 GMT", Ruby VCR RFC 2822
// ("Mon, 23 Nov 2026 20:58:14 GMT"), HAR ISO 8601. Unreadable dates become undefined, not errors:
// a date is never worth refusing a cassette over.

// Date-time with a space or T, zone optional (vcr's is always GMT, so a missing zone reads as UTC
// rather than as this machine's local time).
const NUMERIC = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|GMT|UTC|[+-]\d{2}:?\d{2})?$/i;

export function toIsoDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const numeric = NUMERIC.exec(text);
  const millis = numeric ? numericMillis(numeric) : Date.parse(text);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

function numericMillis(match: RegExpExecArray): number {
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), Math.round(Number(fraction ?? 0) * 1000));
  return utc - zoneOffsetMinutes(zone) * 60_000;
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || !/^[+-]/.test(zone)) return 0;
  const digits = zone.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}
