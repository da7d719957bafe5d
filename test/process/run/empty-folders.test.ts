// Tier test/process: real file-system birth times, a few milliseconds apart.
// A refused or failed new cassette goes, and so do the empty folders its test made for it.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Vault } from '../../../src/run/vault.js';
import { useTempDirs } from '../../support/temp-dirs.js';

const tempDir = useTempDirs('rerecord-folders-');

describe('restoring a new cassette', () => {
  it('takes away the empty folders a removed new cassette leaves, but never a folder that was there before or holds anything', async () => {
    const project = await tempDir();
    await mkdir(path.join(project, 'fixtures', 'before'), { recursive: true });
    // File-system clocks are coarse (a tick of a few ms): what the test makes comes well after the attempt opens, as a real test's folders do.
    await sleep(30);
    const vault = await Vault.create(project, [], [], { vault: await tempDir() });
    const attempt = await vault.openAttempt('tests/a.test');
    await sleep(30);
    const inNew = path.join(project, 'fixtures', 'made', 'deeper', 'new.yml');
    const inOld = path.join(project, 'fixtures', 'before', 'new.yml');
    const besideOther = path.join(project, 'fixtures', 'shared', 'new.yml');
    await mkdir(path.dirname(inNew), { recursive: true });
    await mkdir(path.dirname(besideOther), { recursive: true });
    for (const file of [inNew, inOld, besideOther]) await writeFile(file, 'refused');
    await writeFile(path.join(project, 'fixtures', 'shared', 'other.yml'), 'someone else');
    const journal = [inNew, inOld, besideOther].map((cassette) => ({ cassette, existed: false, backup: null }));
    expect((await attempt.restore(journal)).failed).toEqual([]);
    await expect(readdir(path.join(project, 'fixtures', 'made'))).rejects.toThrow(/ENOENT/);
    expect(await readdir(path.join(project, 'fixtures', 'before'))).toEqual([]);
    expect(await readdir(path.join(project, 'fixtures', 'shared'))).toEqual(['other.yml']);
    expect((await readdir(path.join(project, 'fixtures'))).sort()).toEqual(['before', 'shared']);
    await vault.dispose();
  });

});
