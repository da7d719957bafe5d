import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CassetteDiff } from '../../../src/cassettes/diff.js';
import type { ChildOutcome } from '../../../src/run/child.js';
import { probeNoise, type ProbeInput } from '../../../src/run/probe-noise.js';

// The probe in-process: the "second recording" is written by a stand-in for the test process,
// from the vcrpy pair recorded twice in a row (a random file id in a body and in a path).
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cassettes', 'fixtures', 'decoding');
const FIRST = path.join(FIXTURES, 'vcrpy-path-id-old.yaml');
const SECOND = path.join(FIXTURES, 'vcrpy-path-id-new.yaml');
const OK: ChildOutcome = { exitCode: 0, signal: null, timedOut: false, cancelled: false, spawnError: undefined, output: '', durationMs: 1, strays: [], survivors: [], pipesAbandoned: false };
const CHANGED: CassetteDiff[] = [{ cassette: 'files.yaml', status: 'changed', changes: [] }];

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function setup(): Promise<{ dir: string; cassette: string; input: (over: Partial<ProbeInput>) => ProbeInput }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rr-probe-'));
  dirs.push(dir);
  const cassette = path.join(dir, 'files.yaml');
  await copyFile(FIRST, cassette);
  const input = (over: Partial<ProbeInput>): ProbeInput => ({
    kept: [{ cassette, original: null }],
    drift: CHANGED,
    relative: (file) => path.relative(dir, file),
    recordAgain: async () => {
      await copyFile(SECOND, cassette);
      return OK;
    },
    journaled: async () => [cassette],
    saveDirectory: path.join(dir, 'save'),
    volatilePaths: [],
    ...over,
  });
  return { dir, cassette, input };
}

describe('probeNoise', () => {
  it('learns what differs between the two fresh recordings, counts the second one\'s requests and puts the first back', async () => {
    const { cassette, input } = await setup();
    const result = await probeNoise(input({}));
    expect(result).toEqual({
      learned: [
        { endpoint: 'GET /v1/files/{*}', fields: ['$.id'], headers: [], volatilePath: true },
        { endpoint: 'POST /v1/files', fields: ['$.id'], headers: [] },
      ],
      requests: 2,
    });
    expect(await readFile(cassette)).toEqual(await readFile(FIRST));
  });

  it('a second recording that fails teaches nothing, says so, and the first is back', async () => {
    const { cassette, input } = await setup();
    const result = await probeNoise(input({ recordAgain: async () => (await copyFile(SECOND, cassette), { ...OK, exitCode: 1 }) }));
    expect(result).toEqual({ learned: [], requests: 2, note: 'learn-noise: the second recording did not pass (exit code 1): nothing learned' });
    expect(await readFile(cassette)).toEqual(await readFile(FIRST));
  });

  it('a second recording that writes a cassette the first did not fails the file (the attempt restores everything)', async () => {
    const { dir, input } = await setup();
    const extra = path.join(dir, 'other.yaml');
    let again = false;
    const result = await probeNoise(input({
      recordAgain: async () => (await writeFile(extra, 'interactions: []\n'), (again = true), OK),
      journaled: async () => [path.join(dir, 'files.yaml'), ...(again ? [extra] : [])],
    }));
    expect(result.failure).toBe('the learn-noise probe (a second recording) wrote other.yaml, which the first did not: its recordings cannot be compared');
    expect(result.learned).toEqual([]);
  });

  it('only changed cassettes are probed: added or noise-only ones never record again', async () => {
    const { input } = await setup();
    let recorded = 0;
    const result = await probeNoise(input({ drift: [{ cassette: 'files.yaml', status: 'added', changes: [] }], recordAgain: async () => (recorded++, OK) }));
    expect(result).toEqual({ learned: [], requests: 0 });
    expect(recorded).toBe(0);
  });
});
