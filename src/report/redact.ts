// Secrets never leave in anything we print or write: every known spelling of each one is replaced.
export const REDACTED = '***';

export class Redactor {
  private readonly spellings: string[];

  constructor(secrets: ReadonlyArray<string | undefined>) {
    const spellings = new Set<string>();
    for (const secret of secrets) {
      // A secret of a few characters would blank out ordinary words; nobody's API key is that short.
      if (!secret || secret.length < 4) continue;
      for (const spelling of spellingsOf(secret)) if (spelling.length >= 4) spellings.add(spelling);
    }
    // Longest first, so a spelling that contains another is replaced whole.
    this.spellings = [...spellings].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const spelling of this.spellings) out = out.split(spelling).join(REDACTED);
    return out;
  }

  /** Redact every string inside a JSON-able value. */
  redactDeep<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}

function spellingsOf(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64');
  return [
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    base64.replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
  ];
}
