// Keeps only the last bytes of a child's output: enough to explain a failure, never unbounded.
// With a redact function, secrets are replaced before the cut, never after: a cut that falls inside
// a key would otherwise keep its end, which no redactor recognises any more.

/** Bytes kept beyond the limit so that a key straddling where the kept part begins is whole when redacted. */
export const REDACTION_MARGIN_BYTES = 64 * 1024;
/** Longer than any spelling of any real key (a 1,000-character key fully \u-escaped is 6,000). */
const PARTIAL_KEY_BYTES = 8 * 1024;

export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private dropped = 0;
  private readonly keep: number;

  /**
   * @param limit   bytes of output kept (of the redacted text, when `redact` is given)
   * @param redact  replaces every spelling of every secret (Redactor.redact); applied to what is kept
   *                plus a margin, and only then cut to `limit`
   */
  constructor(
    private readonly limit: number,
    private readonly redact?: (text: string) => string,
  ) {
    this.keep = redact ? limit + REDACTION_MARGIN_BYTES : limit;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.keep && this.chunks.length > 1) {
      const first = this.chunks.shift()!;
      this.size -= first.length;
      this.dropped += first.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    if (!this.redact) {
      const cut = Math.max(0, all.length - this.limit);
      const body = all.subarray(cut).toString('utf8');
      return withNote(this.dropped + cut, body);
    }
    // Redact everything still held (the margin covers a key cut by dropping earlier chunks), then
    // cut the redacted text: the cut can only fall inside the placeholder, never inside a key.
    const redacted = Buffer.from(this.redact(all.toString('utf8')), 'utf8');
    let cut = Math.max(0, redacted.length - this.limit);
    // Output was dropped: the top may begin inside a key, which redaction cannot recognise. Placeholders
    // may have shrunk the text below limit + margin, so cut at least past any spelling's length.
    if (this.dropped > 0) cut = Math.max(cut, Math.min(redacted.length, PARTIAL_KEY_BYTES));
    // Start on a character boundary: no half UTF-8 sequence at the top.
    while (cut < redacted.length && (redacted[cut]! & 0xc0) === 0x80) cut++;
    return withNote(this.dropped + cut, redacted.subarray(cut).toString('utf8'));
  }
}

function withNote(dropped: number, body: string): string {
  return dropped > 0 ? `[... ${dropped} earlier bytes not kept ...]\n${body}` : body;
}
