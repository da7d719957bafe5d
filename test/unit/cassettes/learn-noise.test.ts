import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeDiff, diffCassettes, type DiffOptions } from '../../../src/cassettes/diff.js';
import { parseCassette } from '../../../src/cassettes/formats/index.js';
import { describeLearnedNoise, learnNoise } from '../../../src/cassettes/learn-noise.js';
import type { Cassette } from '../../../src/cassettes/model.js';
import { endpointOf } from '../../../src/cassettes/noise.js';
import { addLearnedNoise, EMPTY_MANIFEST, mergeManifest, parseManifest, serializeManifest } from '../../../src/state/manifest.js';

// The probe pair: vcrpy recorded the same test twice in a row (fixtures/decoding/README.md);
// POST /v1/files answers a random id, then GET /v1/files/{that id}.
const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'decoding');
const read = (name: string) => parseCassette(readFileSync(path.join(DIR, name)), name);
const NO_OPTIONS: DiffOptions = { volatileHeaders: [], volatileFields: [] };

/** A copy of a cassette with one response JSON body changed. */
function editBody(cassette: Cassette, index: number, edit: (value: Record<string, unknown>) => void): Cassette {
  const copy = structuredClone(cassette);
  const body = copy.interactions[index]!.response.body;
  if (body.kind !== 'json') throw new Error('expected a JSON body');
  edit(body.value as Record<string, unknown>);
  body.text = JSON.stringify(body.value);
  return copy;
}

describe('learning noise from two fresh recordings', () => {
  const first = read('vcrpy-path-id-old.yaml');
  const second = read('vcrpy-path-id-new.yaml');

  it('learns the random id field per endpoint, and the id path segment', () => {
    const learned = learnNoise(first, second);
    expect(learned).toEqual([
      { endpoint: 'GET /v1/files/{*}', fields: ['$.id'], headers: [], volatilePath: true },
      { endpoint: 'POST /v1/files', fields: ['$.id'], headers: [] },
    ]);
    expect(describeLearnedNoise(learned)).toEqual(['learned: $.id, its {*} path segments on GET /v1/files/{*}', 'learned: $.id on POST /v1/files']);
  });

  it('a later run calls a change of only that field noise, and any other change still a change', () => {
    const learned = learnNoise(first, second);
    // Without what was learned: the id shows as a change.
    expect(diffCassettes('c.yaml', first, second, NO_OPTIONS).status).toBe('changed');
    expect(diffCassettes('c.yaml', first, second, { ...NO_OPTIONS, learnedNoise: learned }).status).toBe('noise-only');
    const drift = editBody(second, 0, (value) => (value.bytes = 121));
    expect(describeDiff(diffCassettes('c.yaml', first, drift, { ...NO_OPTIONS, learnedNoise: learned }))).toEqual(['POST /v1/files: body ~$.bytes 120 -> 121']);
  });

  it('what was learned for one endpoint stays there: the same field elsewhere is still a change', () => {
    const learned = [{ endpoint: 'POST /v1/files', fields: ['$.id'], headers: [] }];
    const result = diffCassettes('c.yaml', first, second, { ...NO_OPTIONS, learnedNoise: learned });
    expect(result.changes.map((change) => change.request)).toEqual([expect.stringMatching(/^GET \/v1\/files\/file-/)]);
  });

  it('a status or text difference between the two fresh recordings teaches nothing', () => {
    const other = structuredClone(second);
    other.interactions[0]!.response.status = 500;
    other.interactions[1]!.response.body = { kind: 'text', text: 'not json' };
    expect(learnNoise(first, other)).toEqual([]);
    expect(learnNoise(first, first)).toEqual([]);
  });

  it('endpoints: generated-looking segments as {*}, a volatile-paths template as written', () => {
    expect(endpointOf({ method: 'get', uri: 'https://h/v1/files/file-3fdde658ac9f4d5b85e9dc16?x=1' })).toBe('GET /v1/files/{*}');
    expect(endpointOf({ method: 'post', uri: 'https://h/v1/files' })).toBe('POST /v1/files');
  });
});

describe('learned noise in the manifest', () => {
  it('is stored per endpoint, kept through merges, and read back', () => {
    const learned = learnNoise(read('vcrpy-path-id-old.yaml'), read('vcrpy-path-id-new.yaml'));
    const manifest = mergeManifest(addLearnedNoise(EMPTY_MANIFEST, learned), [{ file: 'tests/test_files.py', cassettes: ['c.yaml'], succeeded: true, durationMs: 10 }]);
    const text = serializeManifest(manifest);
    expect(JSON.parse(text).noise).toEqual({ 'GET /v1/files/{*}': { fields: ['$.id'], headers: [], volatilePath: true }, 'POST /v1/files': { fields: ['$.id'], headers: [] } });
    expect(parseManifest(text, 'm').noise).toEqual(learned);
    // A second probe adds; what varied once stays.
    const more = addLearnedNoise(parseManifest(text, 'm'), [{ endpoint: 'POST /v1/files', fields: ['$.created_at'], headers: ['x-trace'] }]);
    expect(more.noise?.find((entry) => entry.endpoint === 'POST /v1/files')).toEqual({ endpoint: 'POST /v1/files', fields: ['$.created_at', '$.id'], headers: ['x-trace'] });
  });

  it('drops what it cannot trust: bad paths, header names, volatilePath without {*}', () => {
    const text = JSON.stringify({
      version: 1,
      files: {},
      noise: {
        'POST /v1/files': { fields: ['$.id', '$.[bad', 7], headers: ['X-Trace', 'bad header'], volatilePath: true },
        'not an endpoint': { fields: ['$.id'] },
      },
    });
    expect(parseManifest(text, 'm').noise).toEqual([{ endpoint: 'POST /v1/files', fields: ['$.id'], headers: ['x-trace'] }]);
    expect(serializeManifest(parseManifest(JSON.stringify({ version: 1, files: {} }), 'm'))).not.toContain('noise');
  });
});
