// Secrets never leave in anything we print or write: every known spelling of each one is replaced.
// How a secret can be spelled, and how short is too short, is decided once, in cassettes/leaks.ts:
// what we scrub from logs and reports is exactly what we refuse to keep in a cassette. A secret under
// six characters is no real API key; in Actions logs `core.setSecret` still masks it verbatim.
import { SecretScanner } from '../cassettes/leaks.js';

export const REDACTED = '***';

export class Redactor {
  private readonly scanner: SecretScanner;

  constructor(secrets: ReadonlyArray<string | undefined>) {
    const named = secrets.filter((value): value is string => Boolean(value)).map((value, index) => ({ name: `secret[${index}]`, value }));
    this.scanner = new SecretScanner(named);
  }

  /** Every spelling (raw, URL-encoded in either case, JSON and \u escapes, base64 wrapped or not, hex) replaced. */
  redact = (text: string): string => this.scanner.redact(text, REDACTED).text;

  /**
   * The last `maxChars` characters of `text`, redacted first: cutting first could keep the end of a
   * key, which no longer matches any spelling.
   */
  tail(text: string, maxChars: number): string {
    const redacted = this.redact(text);
    return redacted.length <= maxChars ? redacted : redacted.slice(-maxChars);
  }

  /**
   * Redact every string (and key) inside a JSON-able value. Strings are redacted one by one, not the
   * serialised JSON: a match starting inside an escape (`\n` + a secret starting with `n`) would
   * otherwise leave a broken escape behind and the result would not parse.
   */
  redactDeep<T>(value: T): T {
    const json = JSON.stringify(value) as string | undefined;
    return json === undefined ? value : (this.redactJson(JSON.parse(json)) as T);
  }

  private redactJson(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((item) => this.redactJson(item));
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [this.redact(key), this.redactJson(item)]));
  }
}
