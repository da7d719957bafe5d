// The collection process is bounded: past its time limit its whole process group is killed (what it
// started in the background too), the plan falls back to the source saying why, and nothing is cached.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectCassettes } from '../../../src/discover/collect.js';
import type { Collector } from '../../../src/frameworks/preset.js';
import { processesCarrying } from '../../support/process-scan.js';

let scratch: string | undefined;
afterEach(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** A collector whose process runs `script` in sh, marked so the test can find what survives. */
function shellCollector(script: string): Collector {
  return {
    what: 'the test collector',
    launch: (_files, _command, output) => ({ command: 'sh', args: ['-c', script], env: { RERECORD_COLLECT_OUTPUT: output } }),
    read: (text) => new Map(text.split('\n').filter(Boolean).map((file) => [file, { cassettes: [`${file}.yml`], unresolved: [] }])),
    supportFiles: () => [],
  };
}

async function collect(collector: Collector, marker: string, timeoutMs: number) {
  scratch ??= await mkdtemp(path.join(os.tmpdir(), 'rerecord-collect-'));
  return collectCassettes({
    workingDirectory: scratch,
    collector,
    command: ['runner', '{file}'],
    testFiles: [
      { file: 'a.test', source: 'a' },
      { file: 'b.test', source: 'b' },
    ],
    project: undefined,
    testDir: '.',
    cassetteDir: 'fixtures',
    hookDirectory: scratch,
    environment: { PATH: process.env.PATH, RERECORD_TEST_COLLECT: marker },
    cacheFolder: path.join(scratch, 'cache'),
    timeoutMs,
  });
}

describe('collectCassettes', () => {
  it('kills a collection that hangs, with what it left in the background, and maps statically saying why', async () => {
    const marker = `hang-${process.pid}-${Date.now()}`;
    const collection = await collect(shellCollector('sleep 60 & sleep 60'), marker, 500);
    expect(collection).toEqual({ byFile: undefined, note: 'mapped statically: the test collector took longer than 1 s and was stopped' });
    for (let tries = 0; tries < 50 && processesCarrying(`RERECORD_TEST_COLLECT=${marker}`).length > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(processesCarrying(`RERECORD_TEST_COLLECT=${marker}`)).toEqual([]);
    expect(await readdir(path.join(scratch!, 'cache')).catch(() => [])).toEqual([]);
  });

  it('caches an answer until a test file changes; a file asked about that the answer leaves out names nothing', async () => {
    const marker = `ok-${process.pid}`;
    // Each time the process really runs it leaves a line in asked.log beside the cache.
    const script = 'echo asked >> "$RERECORD_TEST_LOG"; printf "a.test\\n" > "$RERECORD_COLLECT_OUTPUT"';
    const collector = shellCollector(script);
    scratch = await mkdtemp(path.join(os.tmpdir(), 'rerecord-collect-'));
    const log = path.join(scratch, 'asked.log');
    const withLog: Collector = { ...collector, launch: (...args) => {
      const launch = collector.launch(...args);
      return 'unavailable' in launch ? launch : { ...launch, env: { ...launch.env, RERECORD_TEST_LOG: log } };
    } };
    const first = await collect(withLog, marker, 10_000);
    expect(first.note).toBe('cassettes named by the test collector');
    expect(first.byFile).toEqual(new Map([['a.test', { cassettes: ['a.test.yml'], unresolved: [] }], ['b.test', { cassettes: [], unresolved: [] }]]));
    const second = await collect(withLog, marker, 10_000);
    expect(second.note).toMatch(/^cassettes named by the test collector \(cached/);
    expect(second.byFile).toEqual(first.byFile);
    expect((await readFile(log, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});
