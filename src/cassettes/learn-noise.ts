// Noise learned by probing (issue 20, after Twitter's Diffy): a file whose new recording differs
// from the old one is recorded a second time at once; what differs between those two fresh
// recordings of the same requests varies by itself, so it is volatile for that endpoint (method +
// path template). Pure: the run records, this compares and names what varies.
//
// Only what can be named precisely is learned: JSON paths (request or response body, decoded),
// header names, and a path segment that looked generated and differed. A status, a text or binary
// body, or a body whose differences exceed what is listed teaches nothing: those stay changes.
import { diffCassettes, type BodyChange, type HeaderChanges, type InteractionChange, type JsonBodyChange } from './diff.js';
import type { Cassette } from './model.js';
import { compilePathTemplates, endpointOf, looksGenerated, type LearnedNoise } from './noise.js';

export type { LearnedNoise } from './noise.js';

/** Enough to list every path group of two bodies that vary a lot; more than this teaches nothing. */
const MAX_LEARNED_PATHS = 200;

/**
 * What varies between two fresh recordings of the same test file (`first`, `second`), per endpoint.
 * Interactions pair as the diff pairs them (templates from `volatile-paths` apply); an interaction
 * only one recording holds teaches nothing.
 */
export function learnNoise(first: Cassette, second: Cassette, volatilePaths: readonly string[] = []): LearnedNoise[] {
  const diff = diffCassettes('(probe)', first, second, { volatileHeaders: [], volatileFields: [], volatilePaths, maxPaths: MAX_LEARNED_PATHS });
  if (diff.status !== 'changed') return [];
  const templates = compilePathTemplates(volatilePaths);
  const learned = new Map<string, LearnedNoise>();
  for (const change of diff.changes) {
    if (change.kind !== 'changed' || change.status.from !== change.status.to) continue;
    const request = second.interactions[change.index]?.request;
    if (!request) continue;
    const found = learnedFrom(change);
    if (found === undefined) continue;
    const endpoint = endpointOf(request, templates);
    const entry = learned.get(endpoint) ?? { endpoint, fields: [], headers: [] };
    entry.fields.push(...found.fields);
    entry.headers.push(...found.headers);
    if (found.path) entry.volatilePath = true;
    learned.set(endpoint, entry);
  }
  return [...learned.values()]
    .map((entry) => ({ ...entry, fields: [...new Set(entry.fields)].sort(), headers: [...new Set(entry.headers)].sort() }))
    .filter((entry) => entry.fields.length + entry.headers.length > 0 || entry.volatilePath)
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

/** What one changed interaction teaches, or undefined when any part of the change cannot be named. */
function learnedFrom(change: InteractionChange): { fields: string[]; headers: string[]; path: boolean } | undefined {
  const fields: string[] = [];
  const headers: string[] = [];
  let path = false;
  if (change.contentType || change.unread) return undefined;
  if (change.headers) headers.push(...headerNames(change.headers));
  if (change.body && !collectPaths(change.body, fields)) return undefined;
  const request = change.requestChange;
  if (request) {
    for (const part of request.parts) {
      if (part === 'headers' && request.headers) headers.push(...headerNames(request.headers));
      else if (part === 'body' && request.body && collectPaths(request.body, fields)) continue;
      else if (part === 'path' && generatedSegmentsDiffer(request.from, request.to)) path = true;
      else if (part !== 'headers') return undefined;
    }
  }
  return { fields, headers, path };
}

function headerNames(changes: HeaderChanges): string[] {
  return [...changes.added, ...changes.removed, ...changes.changed];
}

/** Adds the JSON paths of a JSON body change; false for any other change or one with unlisted paths. */
function collectPaths(body: BodyChange, into: string[]): boolean {
  if (!('counts' in body)) return false;
  const json = body as JsonBodyChange;
  const listed = [...json.added, ...json.removed, ...json.changed];
  const places = listed.reduce((sum, change) => sum + change.count, 0);
  if (places !== json.counts.added + json.counts.removed + json.counts.changed) return false;
  into.push(...listed.map((change) => change.path));
  return true;
}

/** Two request names (`GET https://h/v1/files/a`) whose paths differ only in generated-looking segments. */
function generatedSegmentsDiffer(from: string, to: string): boolean {
  const path = (name: string) => {
    const target = name.slice(name.indexOf(' ') + 1);
    try {
      return new URL(target).pathname.split('/');
    } catch {
      return target.replace(/[?#].*$/s, '').split('/');
    }
  };
  const a = path(from);
  const b = path(to);
  return a.length === b.length && a.every((segment, i) => segment === b[i] || (looksGenerated(segment) && looksGenerated(b[i]!)));
}

/** `learned: $.created, $.id, x-trace on POST /v1/files`, one line per endpoint. */
export function describeLearnedNoise(learned: readonly LearnedNoise[]): string[] {
  return learned.map((entry) => {
    const names = [...entry.fields, ...entry.headers, ...(entry.volatilePath ? ['its {*} path segments'] : [])];
    return `learned: ${names.join(', ')} on ${entry.endpoint}`;
  });
}

/** Learned entries of one endpoint merged: what varied in any probe stays volatile. */
export function mergeLearnedNoise(...lists: ReadonlyArray<readonly LearnedNoise[]>): LearnedNoise[] {
  const merged = new Map<string, LearnedNoise>();
  for (const entry of lists.flat()) {
    const known = merged.get(entry.endpoint);
    const next: LearnedNoise = {
      endpoint: entry.endpoint,
      fields: [...new Set([...(known?.fields ?? []), ...entry.fields])].sort(),
      headers: [...new Set([...(known?.headers ?? []), ...entry.headers])].sort(),
    };
    if (known?.volatilePath || entry.volatilePath) next.volatilePath = true;
    merged.set(entry.endpoint, next);
  }
  return [...merged.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}
