import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { asideName, confinedPutBack, confinedUnlink, EscapedPathError, pinFolder } from '../../../src/run/confined-files.js';
import { Vault } from '../../../src/run/vault.js';
import { useTempDirs } from '../../support/temp-dirs.js';

const tempDir = useTempDirs('rerecord-confined-');

describe('confined file operations', () => {
  it('refuse a folder that leads outside the project, or into .git/, and touch nothing there', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await writeFile(path.join(outside, 'a.yml'), 'outside');
    await symlink(outside, path.join(root, 'fixtures'));
    await mkdir(path.join(root, '.git'));
    await symlink(path.join(root, '.git'), path.join(root, 'into-git'));
    const copy = path.join(await tempDir(), 'copy');
    await writeFile(copy, 'old');
    await expect(confinedPutBack(root, copy, path.join(root, 'fixtures/a.yml'), undefined)).rejects.toThrow(EscapedPathError);
    await expect(confinedUnlink(root, path.join(root, 'fixtures/a.yml'))).rejects.toThrow(/fixtures\/ now leads outside the project \(to .*\); left alone/);
    await expect(pinFolder(root, path.join(root, 'into-git'))).rejects.toThrow(/into git's own folder/);
    expect(await readFile(path.join(outside, 'a.yml'), 'utf8')).toBe('outside');
  });

  it('act in the folder that was checked, even when it is swapped for a symlink in between', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    const folder = (await pinFolder(root, path.join(root, 'fixtures')))!;
    try {
      await rename(path.join(root, 'fixtures'), path.join(root, 'moved'));
      await symlink(outside, path.join(root, 'fixtures'));
      await writeFile(folder.at('a.yml'), 'written');
    } finally {
      await folder.close();
    }
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(path.join(root, 'moved/a.yml'), 'utf8')).toBe('written');
  });

  it('make missing folders inside the project, and put bytes back under a short temporary name', async () => {
    const root = await tempDir();
    const copy = path.join(await tempDir(), 'copy');
    await writeFile(copy, 'old bytes');
    const long = `${'é'.repeat(100)}${'x'.repeat(51)}.yml`;
    expect(Buffer.byteLength(long)).toBe(255);
    await confinedPutBack(root, copy, path.join(root, 'deep/er', long), undefined);
    expect(await readFile(path.join(root, 'deep/er', long), 'utf8')).toBe('old bytes');
    expect(await readdir(path.join(root, 'deep/er'))).toEqual([long]);
  });

  it('name what is moved aside within 255 bytes, cutting at a character', () => {
    const name = asideName(`${'é'.repeat(127)}.yml`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name).toMatch(/^[0-9a-f]{6}-é+$/);
  });
});

describe('AttemptVault.confine', () => {
  it('keeps a journal entry whose watched folder was swapped (to restore later), refuses one outside or with a backup elsewhere', async () => {
    const root = await tempDir();
    const outside = await tempDir();
    await mkdir(path.join(root, 'fixtures'));
    const vaultRoot = await tempDir();
    const vault = await Vault.create(root, [path.join(root, 'fixtures')], [], { vault: vaultRoot });
    const attempt = await vault.openAttempt('tests/a');
    await attempt.snapshot([]);
    await rm(path.join(root, 'fixtures'), { recursive: true });
    await symlink(outside, path.join(root, 'fixtures'));
    const entries = [
      { cassette: path.join(root, 'fixtures/swapped.yml'), existed: true, backup: path.join(attempt.backupDirectory, '1-swapped.yml') },
      { cassette: path.join(outside, 'victim.yml'), existed: false, backup: null },
      { cassette: path.join(root, 'other/x.yml'), existed: true, backup: path.join(outside, 'evil') },
    ];
    const { entries: kept, refused } = attempt.confine(entries);
    expect(kept.map((entry) => entry.cassette)).toEqual([path.join(root, 'fixtures/swapped.yml')]);
    expect(refused).toEqual([path.join(outside, 'victim.yml'), path.join(root, 'other/x.yml')]);
    expect(attempt.escaped(kept)).toEqual([path.join(root, 'fixtures/swapped.yml')]);
    await vault.dispose();
  });
});
