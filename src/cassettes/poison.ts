// A "poisoned" recording caught an error response (outage, expired token, rate limit) that the old
// cassette did not have for the same request: committing it would make the tests replay the outage.
import { requestKey } from './diff.js';
import { describeRequest, type Cassette } from './model.js';

export type StatusMatcher = (status: number) => boolean;

export const DEFAULT_POISON_STATUSES = ['401', '403', '407', '429', '5xx'] as const;

const LOWEST = 100;
const HIGHEST = 599;
const EXPECTED = `expected a status code (429), a class (5xx) or a range (500-599), between ${LOWEST} and ${HIGHEST}`;

/**
 * Parses `poison-statuses` entries: codes (`401`), classes (`5xx`) or inclusive ranges (`500-599`).
 * Throws an Error naming every bad entry and the forms expected.
 */
export function parsePoisonStatuses(entries: readonly string[]): StatusMatcher {
  const poison = new Uint8Array(HIGHEST + 1);
  const bad: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim();
    if (entry === '') continue;
    const range = statusRange(entry);
    if (range === undefined) {
      bad.push(entry);
      continue;
    }
    poison.fill(1, range[0], range[1] + 1);
  }
  if (bad.length > 0) {
    const names = bad.map((entry) => `"${entry}"`).join(', ');
    throw new Error(`bad poison ${bad.length === 1 ? 'status' : 'statuses'} ${names}: ${EXPECTED}`);
  }
  return (status) => Number.isInteger(status) && status >= 0 && status <= HIGHEST && poison[status] === 1;
}

/** [from, to] inclusive, or undefined when the entry is none of the accepted forms. */
function statusRange(entry: string): [number, number] | undefined {
  const inRange = (n: number) => n >= LOWEST && n <= HIGHEST;
  const klass = /^([1-5])xx$/i.exec(entry);
  if (klass) {
    const first = Number(klass[1]) * 100;
    return [first, first + 99];
  }
  const code = /^\d{3}$/.exec(entry);
  if (code) {
    const n = Number(entry);
    return inRange(n) ? [n, n] : undefined;
  }
  const span = /^(\d{3})\s*-\s*(\d{3})$/.exec(entry);
  if (span) {
    const from = Number(span[1]);
    const to = Number(span[2]);
    return inRange(from) && inRange(to) && from <= to ? [from, to] : undefined;
  }
  return undefined;
}

export interface PoisonFinding {
  status: number;
  /** `GET /x`, as describeRequest names it. */
  request: string;
  /** 1-based line of the interaction in the new cassette, when the format tells us. */
  line: number | undefined;
}

/**
 * New interactions whose status is poison and which the old cassette did not already hold with that
 * same status for the same request (same identity as diff.ts): an error the old cassette recorded on
 * purpose (a test of the 404/401 path) is not poison. No old cassette: every matching status is.
 */
export function findPoison(old: Cassette | undefined, next: Cassette, isPoison: StatusMatcher): PoisonFinding[] {
  const suspects = next.interactions.filter((interaction) => isPoison(interaction.response.status));
  if (suspects.length === 0) return [];
  // Only old interactions with a poison status can excuse a new one: key just those.
  const known = new Set<string>();
  for (const interaction of old?.interactions ?? []) {
    const { status } = interaction.response;
    if (isPoison(status)) known.add(`${status} ${requestKey(interaction.request)}`);
  }
  return suspects
    .filter((interaction) => !known.has(`${interaction.response.status} ${requestKey(interaction.request)}`))
    .map((interaction) => ({
      status: interaction.response.status,
      request: describeRequest(interaction.request),
      line: interaction.line,
    }));
}

const FINDINGS_NAMED = 3;

/** `poisoned recording: 503 on GET /x, 429 on GET /y and 4 more`; empty when there is none. */
export function describePoison(findings: readonly PoisonFinding[]): string {
  if (findings.length === 0) return '';
  const named = findings.slice(0, FINDINGS_NAMED).map((finding) => `${finding.status} on ${finding.request}`);
  const more = findings.length - named.length;
  return `poisoned recording: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}
