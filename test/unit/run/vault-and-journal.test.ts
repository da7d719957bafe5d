import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../../src/run/journal.js';
import { Vault } from '../../../src/run/vault.js';
import { useTempDirs } from '../../support/temp-dirs.js';

const tempDir = useTempDirs('rerecord-unit-');

describe('readJournal', () => {
  it('reads entries, keeps the first per cassette, skips a torn last line and a missing file', async () => {
    const dir = await tempDir();
    const journal = path.join(dir, 'journal.jsonl');
    expect(await readJournal(journal)).toEqual([]);
    await writeFile(
      journal,
      [
        JSON.stringify({ cassette: '/a.yml', existed: true, backup: '/b/1-a.yml' }),
        JSON.stringify({ cassette: '/a.yml', existed: true, backup: '/b/2-a.yml' }),
        JSON.stringify({ cassette: '/new.yml', existed: false, backup: null }),
        '{"cassette": "/torn.y',
      ].join('\n'),
    );
    expect(await readJournal(journal)).toEqual([
      { cassette: '/a.yml', existed: true, backup: '/b/1-a.yml' },
      { cassette: '/new.yml', existed: false, backup: null },
    ]);
  });
});

describe('AttemptVault', () => {
  it('restores snapshotted and journaled cassettes byte for byte and removes new ones', async () => {
    const project = await tempDir();
    const vaultRoot = await tempDir();
    const vault = await Vault.create(project, [], [], { vault: vaultRoot });
    const attempt = await vault.openAttempt('tests/a.test');
    const known = path.join(project, 'fixtures', 'known.yml');
    const hooked = path.join(project, 'fixtures', 'hooked.yml');
    const created = path.join(project, 'fixtures', 'created.yml');
    const knownBytes = Buffer.from([0, 1, 2, 255, 10, 13]);
    await mkdir(path.dirname(known), { recursive: true });
    await writeFile(known, knownBytes);
    await writeFile(hooked, 'old hooked');
    await attempt.snapshot([known, path.join(project, 'fixtures', 'never.yml')]);

    // What a record hook does: back up, journal, delete; then the test writes new recordings.
    const backup = path.join(attempt.backupDirectory, '1-hooked.yml');
    await writeFile(backup, await readFile(hooked));
    await appendFile(attempt.journal, `${JSON.stringify({ cassette: hooked, existed: true, backup })}\n`);
    await appendFile(attempt.journal, `${JSON.stringify({ cassette: created, existed: false, backup: null })}\n`);
    await writeFile(known, 'half-written');
    await writeFile(hooked, 'new hooked');
    await writeFile(created, 'brand new');

    const restored = await attempt.restore(await readJournal(attempt.journal));
    expect(restored.failed).toEqual([]);
    expect(restored.restored.map((r) => [path.basename(r.cassette), r.existed])).toEqual([
      ['known.yml', true],
      ['never.yml', false],
      ['hooked.yml', true],
      ['created.yml', false],
    ]);
    expect(await readFile(known)).toEqual(knownBytes);
    expect(await readFile(hooked, 'utf8')).toBe('old hooked');
    await expect(readFile(created)).rejects.toThrow(/ENOENT/);
    await vault.dispose();
  });

  it('moves snapshotted cassettes aside for frameworks without a hook', async () => {
    const project = await tempDir();
    const vaultRoot = await tempDir();
    const vault = await Vault.create(project, [], [], { vault: vaultRoot });
    const attempt = await vault.openAttempt('tests/a.test');
    const cassette = path.join(project, 'c.json');
    await writeFile(cassette, '{"old": true}');
    await attempt.snapshot([cassette]);
    await attempt.moveAside();
    await expect(readFile(cassette)).rejects.toThrow(/ENOENT/);
    await attempt.restore([]);
    expect(await readFile(cassette, 'utf8')).toBe('{"old": true}');
  });
});
