// Tier test/hooks: needs node running the Polly record hook (preloaded through NODE_OPTIONS).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hookDirectory } from '../../../src/frameworks/hook-directory.js';
import { guidForRecording } from '../../../src/frameworks/polly/index.js';
describe('polly record hook', () => {
  const resolve = createRequire(import.meta.url).resolve;
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // A test that asks for replay (twice) against an existing recording, with no network at all.
  const script = (recordings: string) => `
    const { Polly } = require(${JSON.stringify(resolve('@pollyjs/core'))});
    Polly.register(require(${JSON.stringify(resolve('@pollyjs/persister-fs'))}));
    const options = { mode: 'replay', persister: 'fs', persisterOptions: { fs: { recordingsDir: ${JSON.stringify(recordings)} } } };
    const a = new Polly('old/one', options);
    a.replay();
    a.configure({ mode: 'replay' });
    const b = new Polly('old/one', options);
    const c = new Polly('new', options);
    console.log(JSON.stringify([a.mode, b.mode, c.mode]));
  `;

  async function run(env: Record<string, string>): Promise<string> {
    await writeFile(path.join(dir, 't.cjs'), script(path.join(dir, 'recordings')));
    return execFileSync(process.execPath, [path.join(dir, 't.cjs')], {
      cwd: process.cwd(),
      env: { ...process.env, ...env, NODE_OPTIONS: `--require ${JSON.stringify(path.join(hookDirectory('polly'), 'polly.cjs'))}` },
      encoding: 'utf8',
    });
  }

  it('forces record mode, and backs up, journals and deletes each recording once', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'polly-hook-'));
    const old = path.join(dir, 'recordings', guidForRecording('old/one'), 'recording.har');
    await mkdir(path.dirname(old), { recursive: true });
    await writeFile(old, '{"log": {"entries": []}}');
    await mkdir(path.join(dir, 'backup'));
    const journal = path.join(dir, 'journal.jsonl');

    const output = await run({ RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: path.join(dir, 'backup') });

    expect(JSON.parse(output)).toEqual(['record', 'record', 'record']);
    const lines = (await readFile(journal, 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([
      { cassette: old, existed: true, backup: path.join(dir, 'backup', '1-recording.har') },
      { cassette: path.join(dir, 'recordings', guidForRecording('new'), 'recording.har'), existed: false, backup: null },
    ]);
    expect(await readFile(path.join(dir, 'backup', '1-recording.har'), 'utf8')).toBe('{"log": {"entries": []}}');
    expect(await readdir(path.dirname(old))).toEqual([]);
  });

  it('does nothing without the journal variables', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'polly-hook-'));
    const old = path.join(dir, 'recordings', guidForRecording('old/one'), 'recording.har');
    await mkdir(path.dirname(old), { recursive: true });
    await writeFile(old, '{}');
    expect(JSON.parse(await run({ RERECORD_JOURNAL: '', RERECORD_BACKUP_DIR: '' }))).toEqual(['replay', 'replay', 'replay']);
    expect(await readFile(old, 'utf8')).toBe('{}');
  });
});
