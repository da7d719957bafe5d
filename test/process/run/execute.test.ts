// Tier test/process: needs node child processes (the runner runs real test commands).
// The runner end to end on real child processes, through the custom framework (no hook: the runner
// moves known cassettes aside itself).
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { custom } from '../../../src/frameworks/custom/index.js';
import { buildLanes, longestFirst } from '../../../src/plan/lanes.js';
import type { FileMapping } from '../../../src/plan/map.js';
import { executePlan } from '../../../src/run/execute.js';
import type { FileResult } from '../../../src/results/run-outcome.js';
import { AttemptPeers } from '../../../src/run/peers.js';
import { Vault } from '../../../src/run/vault.js';
import { vaultRoot } from '../../../src/state/vault-location.js';

const SCRIPT = path.resolve('test/support/scripted-test.mjs');
let root: string;

afterEach(() => rm(root, { recursive: true, force: true }));

interface Spec {
  writes?: string[];
  failUntilAttempt?: number;
  sleepMs?: number;
}

async function setup(files: Record<string, Spec & { cassettes?: string[] }>) {
  root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-execute-'));
  const events = path.join(root, 'events.log');
  await writeFile(events, '');
  const mappings: FileMapping[] = [];
  await mkdir(path.join(root, 'fixtures'), { recursive: true });
  for (const [name, spec] of Object.entries(files)) {
    await mkdir(path.join(root, 'tests'), { recursive: true });
    const writes = (spec.writes ?? []).map((cassette) => path.join(root, cassette));
    await writeFile(path.join(root, 'tests', name), JSON.stringify({ ...spec, writes, events }));
    mappings.push({ file: `tests/${name}`, cassettes: spec.cassettes ?? spec.writes ?? [], unresolved: [] });
  }
  return { events, mappings };
}

async function execute(mappings: FileMapping[], options: { retries?: number; workers?: number; signal?: AbortSignal; onFileDone?: (r: FileResult) => void } = {}) {
  const vault = await Vault.create(root, [path.join(root, 'fixtures')], [], { vault: await vaultRoot(root, process.env) });
  try {
    return await executePlan({
      lanes: longestFirst(buildLanes(mappings, new Map())),
      workers: options.workers ?? 4,
      batchSize: 20,
      batchDelayMs: 0,
      retries: options.retries ?? 0,
      backoffBaseMs: 10,
      onFileDone: options.onFileDone,
      attempt: {
        workingDirectory: root,
        preset: custom,
        command: [process.execPath, SCRIPT, '{file}'],
        timeoutMs: 20_000,
        hookDirectory: root,
        childEnv: process.env,
        vault,
        signal: options.signal ?? new AbortController().signal,
        peers: new AttemptPeers(),
      },
    });
  } finally {
    await vault.dispose();
  }
}

const read = (relative: string) => readFile(path.join(root, relative), 'utf8');

describe('executePlan', () => {
  it('retries a failed file and keeps the recording of the attempt that passed', async () => {
    const { mappings } = await setup({ 'flaky.json': { writes: ['fixtures/flaky.yml'], failUntilAttempt: 2 } });
    await writeFile(path.join(root, 'fixtures', 'flaky.yml'), 'old\n');
    const [result] = await execute(mappings, { retries: 2 });
    expect(result).toMatchObject({ file: 'tests/flaky.json', status: 'succeeded', attempts: 2 });
    expect(await read('fixtures/flaky.yml')).toBe('fresh from flaky.json, attempt 2\n');
  });

  it('restores the original bytes when every attempt fails', async () => {
    const { mappings } = await setup({ 'broken.json': { writes: ['fixtures/broken.yml', 'fixtures/new.yml'], cassettes: ['fixtures/broken.yml'], failUntilAttempt: 99 } });
    await writeFile(path.join(root, 'fixtures', 'broken.yml'), 'original\n');
    const [result] = await execute(mappings, { retries: 1 });
    expect(result).toMatchObject({ status: 'failed', attempts: 2, exitCode: 1, reason: 'tests failed (exit code 1)' });
    expect(await read('fixtures/broken.yml')).toBe('original\n');
    // Without a hook the runner cannot know of new.yml: only journaled or known cassettes are restored.
    expect(result!.cassettes).toEqual([{ cassette: 'fixtures/broken.yml', outcome: 'restored' }]);
  });

  it('never runs two files that share a cassette at the same time', async () => {
    const { events, mappings } = await setup({
      'a.json': { writes: ['fixtures/shared.yml'], sleepMs: 800 },
      'b.json': { writes: ['fixtures/shared.yml'], sleepMs: 800 },
      'c.json': { writes: ['fixtures/own.yml'], sleepMs: 800 },
    });
    const results = await execute(mappings, { workers: 3 });
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    const log = (await readFile(events, 'utf8')).trim().split('\n');
    const running = new Set<string>();
    for (const line of log) {
      const [event, name] = line.split(' ') as [string, string];
      if (event === 'start') {
        if (name !== 'c.json') expect([...running].filter((n) => n !== 'c.json'), `${name} started while ${[...running]} ran`).toEqual([]);
        running.add(name);
      } else running.delete(name);
    }
    // ...while the unrelated file did overlap with them: the pool really ran in parallel.
    expect(log.indexOf('start c.json')).toBeLessThan(log.lastIndexOf('end a.json'));
  });

  it('on abort, finishes nothing new and reports the rest as not run', async () => {
    const { mappings } = await setup(Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.json`, { sleepMs: 300 }])));
    const controller = new AbortController();
    const results = await execute(mappings, { workers: 2, signal: controller.signal, onFileDone: () => controller.abort() });
    expect(results).toHaveLength(6);
    const statuses = results.map((r) => r.status);
    // A passing file hands its slot on when its test ends, so while the first file is still being
    // kept the next two may have started: with 2 workers at most 4 ran, and the other 2 never start.
    expect(statuses.filter((s) => s === 'not-run').length).toBeGreaterThanOrEqual(2);
    expect(results.filter((r) => r.status === 'not-run').every((r) => r.attempts === 0)).toBe(true);
    expect(results.filter((r) => r.status === 'failed').every((r) => r.reason === 'cancelled: the run was interrupted')).toBe(true);
  });
});
