// The disk that holds the vault fills up while the run takes its baseline (a copy of every file in
// the cassette folders): a baseline with holes would later count a cassette it failed to copy as
// "absent" and delete it. A real 1 MB tmpfs mounted where the vault goes (.git/rerecord/) makes the
// copies fail with ENOSPC: the run is exit 2 before any test runs, with everything the baseline
// wrote removed and nothing in the project touched.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects } from '../support/fault-project.js';

const { project } = useFaultProjects();

/** A cassette of about `kb` KB: one long body. */
const bigCassette = (body: string, kb: number) => cassetteYaml(`${body} ${'x'.repeat(kb * 1024)}`);

describe('a full disk while the baseline is taken', () => {
  it('is exit 2 before any test runs: the partial baseline is removed, and nothing in or beside the project changes', async () => {
    const p = await project(
      { 'a.sh': `# use_cassette("a")\ntouch "$PROBES/a-ran"\nprintf 'half' > "$FIX/a.yml"\nexit 1`, 'b.sh': `# use_cassette("b")\ntouch "$PROBES/b-ran"\nexit 1` },
      { 'a.yml': bigCassette('old a', 400), 'b.yml': bigCassette('old b', 400), 'c.yml': bigCassette('old c', 400), 'd.yml': bigCassette('old d', 400) },
    );
    const vault = path.join(p.dir, '.git', 'rerecord');
    await mkdir(vault);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', vault]);
    try {
      const before = await hashesInAndBeside(p);
      const result = await rerecord(p, ['run', ...customFlags(p.token)], p.env());

      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/could not take the run's baseline \(a copy of every file in the cassette folders, kept in .*\.git\/rerecord\/[0-9a-f]{16}\): .*fixtures\/[a-d]\.yml: ENOSPC: no space left on device/);
      expect(result.stderr).toMatch(/everything it had copied was removed, no test ran and nothing in the project was touched/);
      expect(existsSync(path.join(p.probes, 'a-ran')) || existsSync(path.join(p.probes, 'b-ran'))).toBe(false);
      expect(await hashesInAndBeside(p)).toEqual(before);
      // Nothing of the failed baseline is left on the full disk.
      expect(await readdir(vault)).toEqual([]);
      expect(existsSync(path.join(p.dir, '.rerecord/lock'))).toBe(false);
    } finally {
      execFileSync('umount', ['-l', vault]);
    }
    // With room again, the same run runs: both files fail and get every byte back.
    const before = await hashesInAndBeside(p);
    const again = await rerecord(p, ['run', ...customFlags(p.token)], p.env());
    expect(again.code, again.stderr).toBe(1);
    expect(await hashesInAndBeside(p)).toEqual(before);
  });
});
