import { describe, expect, it } from 'vitest';
import type { Cassette } from '../../../src/cassettes/model.js';
import {
  DEFAULT_POISON_STATUSES,
  describePoison,
  findPoison,
  parsePoisonStatuses,
  type PoisonFinding,
} from '../../../src/cassettes/poison.js';

// Cassettes built directly on the model: [method, uri, status, line?] per interaction.
type Row = [method: string, path: string, status: number, line?: number];
function cassette(...rows: Row[]): Cassette {
  return {
    format: 'vcr',
    recordedWith: undefined,
    unread: [],
    encoding: 'utf-8',
    interactions: rows.map(([method, path, status, line], index) => ({
      index,
      line,
      request: { method, uri: `https://api.example.com${path}`, headers: {}, body: { kind: 'empty' } },
      response: { status, statusText: undefined, headers: {}, body: { kind: 'empty' } },
      recordedAt: undefined,
      unread: [],
    })),
  };
}

const defaults = parsePoisonStatuses(DEFAULT_POISON_STATUSES);

describe('findPoison', () => {
  it.each<[string, Cassette | undefined, Cassette, PoisonFinding[]]>([
    ['503 new vs 200 old', cassette(['GET', '/x', 200]), cassette(['GET', '/x', 503, 4]), [{ status: 503, request: 'GET /x', line: 4 }]],
    ['401 in both old and new', cassette(['GET', '/x', 401]), cassette(['GET', '/x', 401]), []],
    ['new cassette with 429', undefined, cassette(['GET', '/a', 200], ['POST', '/b', 429]), [{ status: 429, request: 'POST /b', line: undefined }]],
    ['another status than the old one', cassette(['GET', '/x', 500]), cassette(['GET', '/x', 503]), [{ status: 503, request: 'GET /x', line: undefined }]],
    ['same status on another request', cassette(['GET', '/x', 401]), cassette(['GET', '/y', 401]), [{ status: 401, request: 'GET /y', line: undefined }]],
    ['query order does not change identity', cassette(['GET', '/x?a=1&b=2', 401]), cassette(['GET', '/x?b=2&a=1', 401]), []],
    ['statuses outside the list', undefined, cassette(['GET', '/x', 404], ['GET', '/y', 302]), []],
  ])('%s', (_, old, next, expected) => {
    expect(findPoison(old, next, defaults)).toEqual(expected);
  });
});

describe('parsePoisonStatuses', () => {
  it.each<[string[], number[], number[]]>([
    [[...DEFAULT_POISON_STATUSES], [401, 403, 407, 429, 500, 503, 599], [200, 400, 404, 408, 600]],
    [['404', ' 5XX '], [404, 500, 550], [401, 429]],
    [['500-502', '418'], [500, 501, 502, 418], [503, 499, 417]],
    [['4xx', ''], [400, 499], [500, 399]],
    [[], [], [500]],
  ])('%j', (entries, poisoned, fine) => {
    const isPoison = parsePoisonStatuses(entries);
    for (const status of poisoned) expect(isPoison(status), String(status)).toBe(true);
    for (const status of fine) expect(isPoison(status), String(status)).toBe(false);
  });

  it.each([['5x'], ['abc'], ['700'], ['503-500'], ['0xx'], ['099'], ['500-600'], ['50']])('rejects %s, naming it and the forms', (entry) => {
    expect(() => parsePoisonStatuses(['401', entry])).toThrow(`"${entry}"`);
    expect(() => parsePoisonStatuses([entry])).toThrow(/a status code \(429\), a class \(5xx\) or a range \(500-599\)/);
  });

  it('names every bad entry at once', () => {
    expect(() => parsePoisonStatuses(['5x', '401', 'abc'])).toThrow('bad poison statuses "5x", "abc"');
  });
});

describe('describePoison', () => {
  const finding = (status: number, path: string): PoisonFinding => ({ status, request: `GET ${path}`, line: undefined });

  it.each<[PoisonFinding[], string]>([
    [[], ''],
    [[finding(503, '/x')], 'poisoned recording: 503 on GET /x'],
    [[finding(503, '/x'), finding(429, '/y')], 'poisoned recording: 503 on GET /x, 429 on GET /y'],
    [
      [finding(503, '/a'), finding(503, '/b'), finding(503, '/c'), finding(503, '/d'), finding(401, '/e')],
      'poisoned recording: 503 on GET /a, 503 on GET /b, 503 on GET /c and 2 more',
    ],
  ])('%#', (findings, expected) => {
    expect(describePoison(findings)).toBe(expected);
  });
});
