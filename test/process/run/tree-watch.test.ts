// Tier test/process: a real file system and the kernel's folder watch (inotify on Linux).
// The tree watch finds exactly what changed under the cassette folders, watching when it can and
// walking when it cannot, or no longer trusts the watch; both ways give the same answer.
import { chmod, mkdir, mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TreeWatch } from '../../../src/run/tree-watch.js';

let root: string;
const watches: TreeWatch[] = [];
afterEach(async () => {
  for (const watch of watches.splice(0)) watch.close();
  await rm(root, { recursive: true, force: true });
});

/** A project with 200 cassettes in nested folders, and rerecord's own folder for the barrier. */
async function project() {
  root = await mkdtemp(path.join(os.tmpdir(), 'rerecord-tree-watch-'));
  const fixtures = path.join(root, 'fixtures');
  for (let folder = 0; folder < 4; folder++) {
    await mkdir(path.join(fixtures, `group${folder}`, 'deep'), { recursive: true });
    for (let file = 0; file < 50; file++) await writeFile(path.join(fixtures, `group${folder}`, file % 2 ? 'deep' : '', `c${file}.yml`), `cassette ${folder}/${file}\n`);
  }
  await mkdir(path.join(root, 'own'));
  const at = (name: string) => path.join(fixtures, name);
  return { fixtures, own: path.join(root, 'own'), at };
}

async function started(fixtures: string, own: string | undefined) {
  const { watch } = await TreeWatch.start([fixtures], { watch: own !== undefined });
  watches.push(watch);
  if (own) await watch.barrierIn(own);
  return watch;
}

/** What a few tests do between two checks: write, create, delete, chmod, rename over, new folders, noise rerecord ignores. */
async function touch(at: (name: string) => string) {
  await writeFile(at('group0/c0.yml'), 'changed in place\n');
  await writeFile(at('group1/new.yml'), 'new\n');
  await unlink(at('group2/deep/c1.yml'));
  await chmod(at('group3/c2.yml'), 0o600);
  await writeFile(at('group3/tmp-write'), 'written aside\n');
  await rename(at('group3/tmp-write'), at('group3/c4.yml'));
  await mkdir(at('brand/new/folder'), { recursive: true });
  await writeFile(at('brand/new/folder/made.yml'), 'in a folder made by the test\n');
  await mkdir(at('group0/node_modules'));
  await writeFile(at('group0/node_modules/dep.js'), 'never a cassette\n');
  await writeFile(at('group0/c0.yml.rerecord-0123abcd'), 'our own temporary name\n');
}

/** inotify is Linux's: elsewhere the watch says it walks, and every answer must be the same. */
const WATCHING = process.platform === 'linux' ? 'watch' : `walk (no folder watch on ${process.platform})`;

const touched = (at: (name: string) => string) =>
  ['group0/c0.yml', 'group1/new.yml', 'group2/deep/c1.yml', 'group3/c2.yml', 'group3/c4.yml', 'brand/new/folder/made.yml'].map(at).sort();

describe('TreeWatch, watching', () => {
  it('reports exactly the files touched, as the walk does, and nothing once they are accepted', async () => {
    const { fixtures, own, at } = await project();
    const watch = await started(fixtures, own);
    expect(watch.mode).toBe(WATCHING);
    await touch(at);
    expect(await watch.changes()).toEqual(touched(at));
    expect(watch.mode).toBe(WATCHING);
    await watch.accept(touched(at));
    expect(await watch.changes()).toEqual([]);
    // A cassette put back by a rename over it (as a restore does), then written in place: both seen.
    await writeFile(at('group0/aside'), 'restored\n');
    await rename(at('group0/aside'), at('group0/c0.yml'));
    expect(await watch.changes()).toEqual([at('group0/c0.yml')]);
    await watch.accept([at('group0/c0.yml')]);
    await writeFile(at('group0/c0.yml'), 'written in place after the rename\n');
    await writeFile(at('brand/new/folder/made.yml'), 'again, in the folder watched since\n');
    expect(await watch.changes()).toEqual([at('brand/new/folder/made.yml'), at('group0/c0.yml')]);
    expect(watch.mode).toBe(WATCHING);
  });

  it('walks, with the same answers, where it is not asked to watch or has no barrier folder', async () => {
    const { fixtures, at } = await project();
    const unwatched = await started(fixtures, undefined);
    const { watch: noBarrier } = await TreeWatch.start([fixtures], { watch: true });
    watches.push(noBarrier);
    expect(unwatched.mode).toBe('walk (not asked to watch)');
    expect(noBarrier.mode).toMatch(/^walk \(/);
    await touch(at);
    expect(await unwatched.changes()).toEqual(touched(at));
    expect(await noBarrier.changes()).toEqual(touched(at));
  });

  it('falls back to the walk for the rest of the run once a watched folder is renamed, and misses nothing in it', async () => {
    const { fixtures, own, at } = await project();
    const watch = await started(fixtures, own);
    await rename(at('group1'), at('renamed'));
    // Written under the new name: a watch would report it under the old one.
    await writeFile(at('renamed/c0.yml'), 'changed after the rename\n');
    const changes = await watch.changes();
    expect(watch.mode).toMatch(/^walk \(.*(removed|moved|renamed)/);
    // Everything under the old name is gone, everything under the new one is new: 50 + 50.
    expect(changes).toHaveLength(100);
    expect(changes).toContain(at('renamed/c0.yml'));
    expect(changes).toContain(at('group1/deep/c1.yml'));
  });

  it('falls back to the walk when a folder is removed and made again under the same name', async () => {
    const { fixtures, own, at } = await project();
    const watch = await started(fixtures, own);
    await rm(at('group2/deep'), { recursive: true });
    await mkdir(at('group2/deep'));
    await writeFile(at('group2/deep/c1.yml'), 'in the folder made again\n');
    const changes = await watch.changes();
    expect(watch.mode).toMatch(/^walk \(/);
    // 25 files gone, one of them back with new bytes: all 25 changed.
    expect(changes).toHaveLength(25);
    await watch.accept(changes);
    await writeFile(at('group2/deep/c1.yml'), 'changed again\n');
    expect(await watch.changes()).toEqual([at('group2/deep/c1.yml')]);
  });

  it('falls back to the walk when its barrier folder goes away (the run is over or it was removed)', async () => {
    const { fixtures, own, at } = await project();
    const watch = await started(fixtures, own);
    await rm(own, { recursive: true });
    await writeFile(at('group0/c0.yml'), 'changed\n');
    expect(await watch.changes()).toEqual([at('group0/c0.yml')]);
    expect(watch.mode).toMatch(/^walk \(/);
  });
});
