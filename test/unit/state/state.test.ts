import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { confinedPath, confinement, isConfined, OutOfBoundsError } from '../../../src/state/paths.js';
import { recoverDeadRuns } from '../../../src/run/recover.js';
import { Vault, sha256File } from '../../../src/run/vault.js';
import { TreeWatch } from '../../../src/run/tree-watch.js';
import { useTempDirs } from '../../support/temp-dirs.js';
import type { Config } from '../../../src/config/config.js';
import type { FileResult } from '../../../src/results/run-outcome.js';
import { EMPTY_MANIFEST, parseManifest } from '../../../src/state/manifest.js';
import { writeManifest } from '../../../src/state/run-records.js';
import { noteUnwritten } from '../../../src/run/settle.js';

const tempDir = useTempDirs('rerecord-state-');

describe('confinedPath', () => {
  it.each([
    ['../x.yml', /resolves outside the working directory/],
    ['a/../../x.yml', /resolves outside the working directory/],
    ['/etc/passwd', /resolves outside the working directory/],
    ['.', /is the working directory itself/],
    ['.git/HEAD', /inside git's own folder/],
    ['.rerecord/txn/x', /inside rerecord's own folder/],
  ])('refuses %s', async (candidate, message) => {
    const root = await tempDir();
    expect(() => confinedPath(root, candidate, 'cassette')).toThrow(OutOfBoundsError);
    expect(() => confinedPath(root, candidate, 'cassette')).toThrow(message);
  });

  it('accepts paths inside, including ones not created yet, and refuses a symlinked folder that leads out', async () => {
    const root = await tempDir();
    const elsewhere = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    await symlink(elsewhere, path.join(root, 'linked'));
    expect(confinedPath(root, 'fixtures/new/deep.yml', 'cassette')).toBe(path.join(root, 'fixtures/new/deep.yml'));
    expect(isConfined(root, 'linked/x.yml')).toBe(false);
    expect(() => confinedPath(root, 'linked/x.yml', 'cassette')).toThrow(/symlinked folder that leads outside/);
  });

  it('checks many paths with each folder resolved once, with the same answers', async () => {
    const root = await tempDir();
    const elsewhere = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    await symlink(elsewhere, path.join(root, 'linked'));
    const check = confinement(root);
    for (const name of ['a.yml', 'b.yml', 'deep/c.yml']) {
      expect(check(`fixtures/${name}`, 'cassette')).toBe(path.join(root, 'fixtures', name));
      expect(() => check(`linked/${name}`, 'cassette')).toThrow(/symlinked folder that leads outside/);
      expect(() => check(`../${name}`, 'cassette')).toThrow(/resolves outside the working directory/);
    }
  });
});

describe('TreeWatch', () => {
  it('accepting a file outside the watched folders (a journaled cassette elsewhere) never reports it as changed afterwards', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    await mkdir(path.join(root, 'elsewhere'));
    await writeFile(path.join(root, 'fixtures/a.yml'), 'a');
    await writeFile(path.join(root, 'elsewhere/kept.yml'), 'kept by a passing file');
    const { watch } = await TreeWatch.start([path.join(root, 'fixtures')]);
    await watch.accept([path.join(root, 'elsewhere/kept.yml'), path.join(root, 'fixtures/a.yml')]);
    // Reported as changed, the next failing file would have restored it to how the run found it: absent.
    expect(await watch.changes()).toEqual([]);
    await writeFile(path.join(root, 'fixtures/a.yml'), 'changed');
    expect(await watch.changes()).toEqual([path.join(root, 'fixtures/a.yml')]);
  });
});

/** What a run folder looks like once its process died: another pid (one that does not run), no reaper. */
async function markDead(folder: string): Promise<void> {
  const record = JSON.parse(await readFile(path.join(folder, 'run.json'), 'utf8'));
  await writeFile(path.join(folder, 'run.json'), JSON.stringify({ ...record, pid: 2 ** 22 + 1, processStart: undefined, reaper: undefined }));
}

describe('recoverDeadRuns', () => {
  it('restores an unsettled attempt from its snapshot, keeps what settled attempts kept, and moves unkept new files aside', async () => {
    const root = await tempDir();
    const fixtures = path.join(root, 'fixtures');
    await mkdir(fixtures);
    const file = (name: string) => path.join(fixtures, name);
    await writeFile(file('inflight.yml'), 'old in flight');
    await writeFile(file('kept.yml'), 'old kept');
    await writeFile(file('unnamed.yml'), 'old unnamed');
    const { watch } = await TreeWatch.start([fixtures]);
    const vaultRoot = await tempDir();
    const vault = await Vault.create(root, watch.roots, watch.files(), { vault: vaultRoot });

    const settled = await vault.openAttempt('tests/kept');
    await settled.snapshot([file('kept.yml')]);
    await writeFile(file('kept.yml'), 'new kept');
    await settled.settle([file('kept.yml')]);

    const inflight = await vault.openAttempt('tests/inflight');
    await inflight.snapshot([file('inflight.yml')]);
    // What a run killed here leaves behind: half-written recordings, and files nobody named.
    await writeFile(file('inflight.yml'), 'half');
    await writeFile(file('unnamed.yml'), 'changed by the dead run');
    await writeFile(file('brand-new.yml'), 'created by the dead run');
    // Its own process runs: never touched.
    expect(await recoverDeadRuns(root, vaultRoot)).toMatchObject({ runs: [], files: [], live: [{ folder: vault.folder, why: 'this process' }] });
    expect(await readFile(file('inflight.yml'), 'utf8')).toBe('half');
    await markDead(vault.folder);

    const report = await recoverDeadRuns(root, vaultRoot);
    expect(report.failed).toEqual([]);
    expect(await readFile(file('inflight.yml'), 'utf8')).toBe('old in flight');
    expect(await readFile(file('kept.yml'), 'utf8')).toBe('new kept');
    expect(await readFile(file('unnamed.yml'), 'utf8')).toBe('old unnamed');
    await expect(readFile(file('brand-new.yml'))).rejects.toThrow(/ENOENT/);
    const moved = report.files.find((entry) => entry.cassette === 'fixtures/brand-new.yml');
    expect(moved).toMatchObject({ action: 'moved-aside' });
    expect(await readFile(path.join(root, moved!.movedTo!), 'utf8')).toBe('created by the dead run');
    await expect(readFile(path.join(root, '.rerecord/txn'))).rejects.toThrow(/ENOENT/);
    expect(await sha256File(file('kept.yml'))).toHaveLength(64);
  });

  it("recovers, once, a dead run an older release left in .rerecord/txn/ (no heartbeat, no reaper's word: all of it is the dead run's)", async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    await writeFile(path.join(root, 'fixtures/a.yml'), 'half');
    const folder = path.join(root, '.rerecord/txn/20260101-000000-1-abcdef');
    const attempt = path.join(folder, 'attempt-00001');
    await mkdir(path.join(attempt, 'snapshot'), { recursive: true });
    await writeFile(path.join(attempt, 'snapshot/0-a.yml'), 'old a');
    const saved = { path: path.join(root, 'fixtures/a.yml'), kind: 'file', copy: path.join(attempt, 'snapshot/0-a.yml') };
    await writeFile(path.join(folder, 'run.json'), JSON.stringify({ id: path.basename(folder), pid: 2 ** 22 + 1, host: os.hostname(), startedAt: '2026-01-01T00:00:00.000Z', roots: [path.join(root, 'fixtures')] }));
    await writeFile(path.join(attempt, 'intent.json'), JSON.stringify({ file: 'tests/a', startedAt: '2026-01-01T00:00:01.000Z', saved: [saved] }));

    const report = await recoverDeadRuns(root, await tempDir());
    expect(report).toMatchObject({ runs: [path.basename(folder)], failed: [], live: [] });
    expect(report.files).toEqual([{ cassette: 'fixtures/a.yml', action: 'restored', movedTo: expect.stringMatching(/^\.rerecord\/recovered\//) }]);
    expect(await readFile(path.join(root, 'fixtures/a.yml'), 'utf8')).toBe('old a');
    await expect(readFile(path.join(root, '.rerecord/txn'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a journal that points outside the project or at a backup outside its transaction', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(path.join(outside, 'victim.yml'), 'outside');
    await writeFile(path.join(outside, 'evil-backup'), 'evil');
    await mkdir(path.join(root, 'fixtures'));
    await writeFile(path.join(root, 'fixtures/a.yml'), 'a');
    const vaultRoot = await tempDir();
    const vault = await Vault.create(root, [], [], { vault: vaultRoot });
    const attempt = await vault.openAttempt('tests/a');
    await attempt.snapshot([]);
    await writeFile(
      attempt.journal,
      [
        JSON.stringify({ cassette: path.join(outside, 'victim.yml'), existed: false, backup: null }),
        JSON.stringify({ cassette: path.join(root, 'fixtures/a.yml'), existed: true, backup: path.join(outside, 'evil-backup') }),
      ].join('\n'),
    );
    await markDead(vault.folder);
    expect(await recoverDeadRuns(root, vaultRoot)).toMatchObject({ runs: [path.basename(vault.folder)], failed: [] });
    expect(await readFile(path.join(outside, 'victim.yml'), 'utf8')).toBe('outside');
    expect(await readFile(path.join(root, 'fixtures/a.yml'), 'utf8')).toBe('a');
  });
});

describe('what passing files left unwritten', () => {
  it('is each passing file\'s mapped or opened cassettes absent after the run, remembered by the manifest; a failed file teaches nothing', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'tests/cassettes'), { recursive: true });
    await writeFile(path.join(root, 'tests/cassettes/wrote.yaml'), 'interactions: []\n');
    const result = (file: string, status: FileResult['status']): FileResult => ({
      file,
      status,
      attempts: 1,
      durationMs: 10,
      exitCode: 0,
      reason: '',
      output: '',
      cassettes: [],
      journaled: ['tests/cassettes/opened.yaml'],
      drift: [],
      warnings: [],
    });
    const mapped = new Map([
      ['tests/test_a.py', ['tests/cassettes/wrote.yaml', 'tests/cassettes/quiet.yaml']],
      ['tests/test_b.py', ['tests/cassettes/never.yaml']],
    ]);
    const results = await noteUnwritten([result('tests/test_a.py', 'succeeded'), result('tests/test_b.py', 'failed')], mapped, root);
    expect(results.map((r) => r.unwritten)).toEqual([['tests/cassettes/opened.yaml', 'tests/cassettes/quiet.yaml'], undefined]);
    await writeManifest({ workingDirectory: root } as Config, EMPTY_MANIFEST, results);
    const written = parseManifest(await readFile(path.join(root, '.rerecord/manifest.json'), 'utf8'), 'm');
    expect(written.files['tests/test_a.py']?.unwritten).toEqual(['tests/cassettes/opened.yaml', 'tests/cassettes/quiet.yaml']);
    expect(written.files['tests/test_b.py']).not.toHaveProperty('unwritten');
  });
});
