// A fault test's own small program (a fixture in this folder) bundled to a temp folder, so that
// real child processes can run it: node cannot load the TypeScript sources directly.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

export interface Harness {
  /** The bundled program. */
  file: string;
  /** Its folder, for files that must sit beside it. */
  dir: string;
}

/** Bundles `test/faults/fixtures/<fixture>.ts` before the file's tests, removes it after. */
export function useHarness(fixture: string): Harness {
  const harness: Harness = { file: '', dir: '' };
  beforeAll(async () => {
    harness.dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-harness-'));
    harness.file = path.join(harness.dir, `${fixture}.mjs`);
    await build({ entryPoints: [path.resolve(`test/faults/fixtures/${fixture}.ts`)], bundle: true, platform: 'node', format: 'esm', outfile: harness.file, logLevel: 'warning' });
  });
  afterAll(() => rm(harness.dir, { recursive: true, force: true }));
  return harness;
}
