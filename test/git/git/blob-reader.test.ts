// Tier test/git: needs git (a real repository in a temp folder).
// GitBlobReader: one `git cat-file --batch` process answers every blob of `rerecord diff A B`, in
// order, whole (a blob far larger than a pipe's chunk included), and says which object it lacks.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GitBlobReader } from '../../../src/git/blob-reader.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function repoWith(files: Record<string, Buffer>): Promise<{ dir: string; ids: Record<string, string> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-blobs-'));
  dirs.push(dir);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  const ids: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    await writeFile(path.join(dir, name), bytes);
    ids[name] = execFileSync('git', ['hash-object', '-w', name], { cwd: dir, encoding: 'utf8' }).trim();
  }
  return { dir, ids };
}

describe('GitBlobReader', () => {
  it('reads many blobs in order, an empty one and a 3 MB one with every byte value, through one process', async () => {
    const big = Buffer.from(Array.from({ length: 3 * 1024 * 1024 }, (_, i) => (i * 7) % 256));
    const files: Record<string, Buffer> = { 'empty.yml': Buffer.alloc(0), 'big.bin': big };
    for (let i = 0; i < 50; i++) files[`c${i}.yml`] = Buffer.from(`interaction ${i}\n`);
    const { dir, ids } = await repoWith(files);
    const reader = new GitBlobReader({ cwd: dir, inherited: process.env });
    try {
      const names = Object.keys(files);
      const read = await Promise.all(names.map((name) => reader.read(ids[name]!)));
      names.forEach((name, i) => expect(read[i]!.equals(files[name]!), name).toBe(true));
      // Sequential reads after a large one still line up.
      expect((await reader.read(ids['c7.yml']!)).toString()).toBe('interaction 7\n');
    } finally {
      reader.close();
    }
  });

  it('rejects an object git does not have, naming it, and goes on answering', async () => {
    const { dir, ids } = await repoWith({ 'a.yml': Buffer.from('a') });
    const reader = new GitBlobReader({ cwd: dir, inherited: process.env });
    try {
      await expect(reader.read('0123456789abcdef0123456789abcdef01234567')).rejects.toThrow(/git has no object 0123456789abcdef0123456789abcdef01234567/);
      expect((await reader.read(ids['a.yml']!)).toString()).toBe('a');
    } finally {
      reader.close();
    }
  });
});
