import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeDiff, diffCassettes, type DiffOptions } from '../../../src/cassettes/diff.js';
import { parseCassette } from '../../../src/cassettes/formats/index.js';
import type { Cassette } from '../../../src/cassettes/model.js';
import { looksGenerated, parsePathTemplate } from '../../../src/cassettes/noise.js';
import { volatilePaths } from '../../../src/config/parsers.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'decoding');
const read = (name: string) => parseCassette(readFileSync(path.join(DIR, name)), name);

function cassette(...requests: [method: string, path: string, body?: unknown][]): Cassette {
  return {
    format: 'vcr',
    recordedWith: undefined,
    unread: [],
    encoding: 'utf-8',
    interactions: requests.map(([method, pathname, body], index) => ({
      index,
      line: undefined,
      request: { method, uri: `https://api.github.com${pathname}`, headers: {}, body: { kind: 'empty' } },
      response: { status: 200, statusText: 'OK', headers: {}, body: { kind: 'json', value: body ?? { ok: true }, text: JSON.stringify(body ?? { ok: true }) } },
      recordedAt: undefined,
      unread: [],
    })),
  };
}
const diff = (old: Cassette, next: Cassette, options: Partial<DiffOptions> = {}) =>
  diffCassettes('c.yml', old, next, { volatileHeaders: [], volatileFields: [], ...options });

describe('volatile-paths', () => {
  it('a recorded pair (vcrpy): a random file id in the path and body is one changed interaction, noise with the template and field configured', () => {
    const unconfigured = diff(read('vcrpy-path-id-old.yaml'), read('vcrpy-path-id-new.yaml'));
    expect(unconfigured.status).toBe('changed');
    const get = unconfigured.changes.find((change) => change.request.startsWith('GET'));
    expect(get).toMatchObject({ kind: 'changed', requestChange: { parts: ['path'] } });
    expect(get?.requestChange?.from).toMatch(/\/v1\/files\/file-94e2f75db4aa4d6bbc99b654$/);
    expect(get?.requestChange?.to).toMatch(/\/v1\/files\/file-3fdde658ac9f4d5b85e9dc16$/);
    expect(unconfigured.changes.map((change) => change.kind)).toEqual(['changed', 'changed']);
    const configured = diff(read('vcrpy-path-id-old.yaml'), read('vcrpy-path-id-new.yaml'), { volatilePaths: ['/v1/files/{*}'], volatileFields: ['id'] });
    expect(configured).toEqual({ cassette: 'c.yml', status: 'noise-only', changes: [] });
  });

  it('a template pairs by its segments; a real change in the paired interaction is still shown', () => {
    const old = cassette(['GET', '/repos/ada/issues/101', { title: 'a', state: 'open' }]);
    const next = cassette(['GET', '/repos/ada/issues/202', { title: 'a', state: 'closed' }]);
    const result = diff(old, next, { volatilePaths: ['/repos/{*}/issues/{*}'] });
    expect(describeDiff(result)).toEqual(['GET /repos/ada/issues/202: body ~$.state "open" -> "closed"']);
  });

  it('several calls under one template pair in order; a method in the template limits it', () => {
    const old = cassette(['GET', '/repos/ada/issues/1'], ['GET', '/repos/ada/issues/2']);
    const next = cassette(['GET', '/repos/ada/issues/7'], ['GET', '/repos/ada/issues/8']);
    expect(diff(old, next, { volatilePaths: ['GET /repos/{*}/issues/{*}'] }).status).toBe('noise-only');
    // Two removed and two added with short ids: no template, no pairing.
    expect(diff(old, next).changes.map((change) => change.kind)).toEqual(['added', 'added', 'removed', 'removed']);
    expect(diff(old, next, { volatilePaths: ['POST /repos/{*}/issues/{*}'] }).changes.map((change) => change.kind)).toEqual(['added', 'added', 'removed', 'removed']);
  });

  it('a literal segment of the template must match: another resource is not paired by it', () => {
    const old = cassette(['GET', '/repos/ada/issues/1']);
    const next = cassette(['GET', '/repos/ada/pulls/1']);
    expect(diff(old, next, { volatilePaths: ['/repos/{*}/issues/{*}'] }).changes.map((change) => change.kind)).toEqual(['added', 'removed']);
  });

  it('without a template, one removed and one added differing in one generated-looking segment pair as a path change, never as noise', () => {
    const uuid = (n: number) => `3f2c1b9e-8d7a-4c6b-9e5f-00000000000${n}`;
    const result = diff(cassette(['DELETE', `/v1/sessions/${uuid(1)}`]), cassette(['DELETE', `/v1/sessions/${uuid(2)}`]));
    expect(result.status).toBe('changed');
    expect(result.changes).toHaveLength(1);
    expect(describeDiff(result)[0]).toMatch(/^DELETE https:\/\/api\.github\.com\/v1\/sessions\/3f2c.*1 -> DELETE .*2 \(path changed\): status 200 both$/);
    // Two segments differ: not one interaction.
    expect(diff(cassette(['GET', `/a/${uuid(1)}/b/${uuid(3)}`]), cassette(['GET', `/a/${uuid(2)}/b/${uuid(4)}`])).changes).toHaveLength(2);
    // A word is not an id.
    expect(diff(cassette(['GET', '/v1/users/ada']), cassette(['GET', '/v1/users/grace'])).changes).toHaveLength(2);
  });

  it('looksGenerated: uuids, long hex, long numbers, mixed tokens; not words or short numbers', () => {
    for (const id of ['3f2c1b9e-8d7a-4c6b-9e5f-000000000001', 'file-3fdde658ac9f4d5b85e9dc16', '1234567', 'cus_NffrFeUfNV2Hib9x', 'a1b2c3d4e5f6']) expect(looksGenerated(id), id).toBe(true);
    for (const word of ['issues', 'grace', '42', 'v1', 'deadbeefcafe', 'abcdefghijklmnopqrst']) expect(looksGenerated(word), word).toBe(false);
  });

  it('templates parse with or without a method, and bad ones are refused by the input parser', () => {
    expect(parsePathTemplate('post /v1/files/{id}')).toEqual({ method: 'POST', segments: ['v1', 'files', null], text: 'POST /v1/files/{*}' });
    expect(volatilePaths('/repos/{*}/issues/{*}, POST /v1/files/{*}')).toEqual(['/repos/{*}/issues/{*}', 'POST /v1/files/{*}']);
    expect(() => volatilePaths('/repos/ada/issues')).toThrow(/no \{\*\} segment/);
    expect(() => volatilePaths('repos/{*}')).toThrow(/not a path template/);
    expect(() => volatilePaths('/files/id-{*}')).toThrow(/whole segment/);
  });
});
