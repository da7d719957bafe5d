// One interaction model for every cassette format we read: R vcr 1.x/2.x, Ruby VCR, vcrpy,
// nock back and Polly (HAR). Diff, poison and leak checks work on this, never on a format.

export const CASSETTE_FORMATS = ['vcr', 'vcrpy', 'nock', 'har'] as const;
/** `vcr` covers R vcr 1.x and 2.x and Ruby VCR: they share one YAML/JSON shape with small quirks. */
export type CassetteFormat = (typeof CASSETTE_FORMATS)[number];

/** Header names lower-cased; every value a list (formats differ: maps, lists, raw arrays). */
export type Headers = Record<string, string[]>;

export type Body =
  | { kind: 'empty' }
  | { kind: 'json'; value: unknown; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; base64: string };

export interface RecordedRequest {
  /** Upper case: GET, POST, ... */
  method: string;
  uri: string;
  headers: Headers;
  /** false when the format left the request's headers out (vcr 2 by default): unknown, never compared. */
  headersRecorded?: false;
  body: Body;
}

export interface RecordedResponse {
  status: number;
  statusText: string | undefined;
  headers: Headers;
  body: Body;
}

/**
 * A field the reader does not interpret (an unknown key, a custom serialiser's addition, a format
 * quirk). It is never silently dropped: diff compares it as raw data, so a change in it is a change.
 */
export interface UnreadField {
  /** Where it sits, e.g. `response.http_version`, `request.body.encoding`, `(cassette).meta`. */
  path: string;
  value: unknown;
}

export interface Interaction {
  /** Position in the cassette, from 0. */
  index: number;
  /** 1-based line where the interaction starts in the file, when the format lets us know. */
  line: number | undefined;
  request: RecordedRequest;
  response: RecordedResponse;
  /** ISO 8601, when the format records one (vcr's recorded_at, HAR's startedDateTime). */
  recordedAt: string | undefined;
  /** Fields of this interaction the reader did not interpret; compared raw by diff. */
  unread: UnreadField[];
}

export interface Cassette {
  format: CassetteFormat;
  interactions: Interaction[];
  /** e.g. "vcr/1.2.0, webmockr/0.8.2" or "VCR 5.0.0", when recorded. */
  recordedWith: string | undefined;
  /** Top-level fields the reader did not interpret; compared raw by diff. */
  unread: UnreadField[];
  /**
   * `utf-8` when the file is valid UTF-8; `bytes` when it is not, and was read byte for byte (each
   * byte one character, U+0000-U+00FF), so that a change in one byte of a Latin-1 body is a change.
   */
  encoding: TextEncoding;
}

export const TEXT_ENCODINGS = ['utf-8', 'bytes'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

/** A cassette we could not read: names the file and, where known, the line. */
export class CassetteParseError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'CassetteParseError';
  }
}

/** `GET /items?page=2`: how a request is named in findings and reports (no scheme or host). */
export function describeRequest(request: Pick<RecordedRequest, 'method' | 'uri'>): string {
  try {
    const url = new URL(request.uri);
    return `${request.method} ${url.pathname}${url.search}`;
  } catch {
    return `${request.method} ${request.uri}`;
  }
}
