// Cassettes whose file names are as long as a folder entry allows (240 and 255 bytes): putting one
// back goes through a temporary sibling, and `<name>.rerecord-XXXXXXXX` did not fit in 255 bytes,
// so the cassette stayed half-written and every later command failed to recover it. The
// temporary sibling is now `.rr-<8 hex>` and backups are named by number.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects, vaultRunFolders, killRunOnceProbed } from '../support/fault-project.js';

const { project } = useFaultProjects();

/** A cassette name (without `.yml`) that makes a file name of exactly `bytes` bytes; multi-byte characters included. */
const nameOf = (bytes: number, letter: string) => {
  const stem = `é${letter}`; // 3 bytes
  return stem + letter.repeat(bytes - 4 - Buffer.byteLength(stem));
};

const N240 = nameOf(240, 'a');
const N255 = nameOf(255, 'b');
const NOISE = nameOf(255, 'c');

const writes = (name: string, text: string) => `printf '%s' '${text.replaceAll("'", "'\\''")}' > "$FIX/${name}.yml"`;

describe('cassettes with 240- and 255-byte file names', () => {
  it('a failing file gets both back byte for byte, a noise-only recording gets its old bytes, and later commands find nothing to recover', async () => {
    expect(Buffer.byteLength(`${N240}.yml`)).toBe(240);
    expect(Buffer.byteLength(`${N255}.yml`)).toBe(255);
    const p = await project(
      {
        'long.sh': `# use_cassette("${N240}")\n# use_cassette("${N255}")\nprintf 'half a recor' > "$FIX/${N240}.yml"\nprintf 'half' > "$FIX/${N255}.yml"\nexit 1`,
        // Passes with a recording that differs only by noise (recorded_with): its old bytes are put back.
        'noise.sh': `# use_cassette("${NOISE}")\n${writes(NOISE, cassetteYaml('same').replace('VCR 6.0.0', 'VCR 6.1.0'))}`,
      },
      { [`${N240}.yml`]: cassetteYaml('old 240'), [`${N255}.yml`]: cassetteYaml('old 255'), [`${NOISE}.yml`]: cassetteYaml('same') },
    );
    const before = await hashesInAndBeside(p);

    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--json'])], p.env());

    expect(result.code, result.stderr).toBe(1);
    const files = JSON.parse(result.stdout).files as Array<{ file: string; status: string; reason: string; cassettes: Array<{ cassette: string; outcome: string }> }>;
    const long = files.find((file) => file.file === 'tests/long.sh')!;
    expect(long.reason).toBe('tests failed (exit code 1)');
    expect(long.cassettes.map((c) => c.outcome)).toEqual(['restored', 'restored']);
    expect(files.find((file) => file.file === 'tests/noise.sh')).toMatchObject({ status: 'succeeded', cassettes: [{ outcome: 'unchanged' }] });
    expect(await hashesInAndBeside(p)).toEqual(before);
    // No temporary sibling left behind, nothing left in flight.
    expect((await readdir(path.join(p.dir, 'fixtures'))).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(await vaultRunFolders(p)).toEqual([]);

    const plan = await rerecord(p, ['plan', ...customFlags(p.token)], p.env());
    expect(plan.code, plan.stderr).toBe(0);
    const recover = await rerecord(p, ['recover'], p.env());
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stdout).toMatch(/nothing to recover/);
  });

  it('rerecord killed with SIGKILL mid-test: rerecord recover puts both back', async () => {
    const p = await project(
      { 'long.sh': `# use_cassette("${N240}")\n# use_cassette("${N255}")\nprintf 'half' > "$FIX/${N240}.yml"\nprintf 'half' > "$FIX/${N255}.yml"\ntouch "$PROBES/started"\nsleep 30` },
      { [`${N240}.yml`]: cassetteYaml('old 240'), [`${N255}.yml`]: cassetteYaml('old 255') },
    );
    const before = await hashesInAndBeside(p);
    await killRunOnceProbed(p);

    const recover = await rerecord(p, ['recover'], p.env());
    expect(recover.code, recover.stderr).toBe(0);
    expect(recover.stdout).toContain(`restored fixtures/${N240}.yml (its unkept version moved to .rerecord/recovered/`);
    expect(recover.stdout).toContain(`restored fixtures/${N255}.yml (its unkept version moved to .rerecord/recovered/`);
    expect(await hashesInAndBeside(p)).toEqual(before);
    // The dead run's half-written versions are kept, under names that fit.
    const recovered = path.join(p.dir, '.rerecord/recovered');
    const [runFolder] = await readdir(recovered);
    const kept = await readdir(path.join(recovered, runFolder!));
    expect(kept).toHaveLength(2);
    for (const name of kept) expect(await readFile(path.join(recovered, runFolder!, name), 'utf8')).toBe('half');
  });
});
