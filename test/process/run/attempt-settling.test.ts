// Tier test/process: needs node child processes (real test commands through framework custom).
// A file the API throttled fails and puts its cassette back; the put-back lands after its test
// ended. A file started in between must not take that cassette for a change nobody named (issue
// 22: `fx/f027.json changed while ... ran, and no journal or mapping names it`, though f027 maps to
// it). Here the restore is held until the later file has run through, so the window is certain.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { custom } from '../../../src/frameworks/custom/index.js';
import { runAttempt, type AttemptResult, type AttemptSettings } from '../../../src/run/attempt.js';
import { AttemptPeers } from '../../../src/run/peers.js';
import { TreeWatch } from '../../../src/run/tree-watch.js';
import { Vault } from '../../../src/run/vault.js';
import { vaultRoot } from '../../../src/state/vault-location.js';

let root: string;
afterEach(() => rm(root, { recursive: true, force: true }));

const cassette = (status: number, extra = '') => `---
http_interactions:
- request:
    method: get
    uri: http://api.test/items/1
    body:
      encoding: UTF-8
      string: ''
    headers: {}
  response:
    status:
      code: ${status}
      message: ''
    headers:
${extra}      content-type:
      - application/json
    body:
      encoding: UTF-8
      string: '{}'
  recorded_at: Mon, 30 Nov 2026 00:00:00 GMT
recorded_with: VCR 6.0.0
`;

/** A test file that writes `cassette` with the given status and fails unless it is 200. */
const testFile = (target: string, status: number) =>
  `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(target)}, ${JSON.stringify(cassette(status, status === 429 ? "      retry-after:\n      - '1'\n" : ''))});\nprocess.exitCode = ${status === 200 ? 0 : 1};\n`;

describe('a throttled file putting its cassette back while a later file runs', () => {
  it('the later file neither reports it as a change nobody named nor keeps it; it ends as it was', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-settling-'));
    const fixtures = path.join(root, 'fx');
    await mkdir(path.join(root, 't'), { recursive: true });
    await mkdir(fixtures, { recursive: true });
    const throttledCassette = path.join(fixtures, 'f027.yml');
    await writeFile(throttledCassette, cassette(200));
    await writeFile(path.join(root, 't', 'f027.mjs'), testFile(throttledCassette, 429));
    await writeFile(path.join(root, 't', 'f020.mjs'), testFile(path.join(fixtures, 'f020.yml'), 200));
    const { watch } = await TreeWatch.start([fixtures]);
    const vault = await Vault.create(root, watch.roots, watch.files(), { vault: await vaultRoot(root, process.env) });
    const peers = new AttemptPeers();
    const settings: AttemptSettings = {
      workingDirectory: root,
      preset: custom,
      command: [process.execPath, '{file}'],
      timeoutMs: 20_000,
      hookDirectory: root,
      childEnv: process.env,
      vault,
      signal: new AbortController().signal,
      watch,
      peers,
    };
    // Another file runs through both: f020 does not run alone (its unnamed changes are then "foreign").
    const alongside = peers.begin('t/other.mjs', []);
    // f027's put-back waits until f020 has run from start to end.
    let later: Promise<AttemptResult> | undefined;
    const putBack = vault.putBack.bind(vault);
    vault.putBack = async (state) => {
      if (state.path === throttledCassette && !later) {
        later = runAttempt('t/f020.mjs', ['fx/f020.yml'], settings);
        await later;
      }
      return putBack(state);
    };
    try {
      const throttled = await runAttempt('t/f027.mjs', ['fx/f027.yml'], settings);
      const f020 = await later!;
      peers.end(alongside);
      expect(throttled).toMatchObject({ succeeded: false, rateLimited: { answers: 1, retryAfterMs: 1000 } });
      expect(throttled.reason).toMatch(/^rate-limited: 429/);
      expect(f020).toMatchObject({ succeeded: true, foreign: [] });
      expect(f020.cassettes.map((outcome) => outcome.cassette)).toEqual(['fx/f020.yml']);
      expect(await readFile(throttledCassette, 'utf8')).toBe(cassette(200));
      expect(await watch.changes()).toEqual([]);
    } finally {
      await vault.dispose();
    }
  });
});
