// One test writes another running file's cassette (issue 18, case 13). Without a record hook
// nothing says which process wrote a file, so a failing test that ran while another file's cassette
// changed may have written it: that file must not keep those bytes on trust. It runs again, from
// the cassette as the run found it, and what it keeps is its own.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, hashesInAndBeside, rerecord, useFaultProjects, vaultRunFolders, writesRecording as write } from '../support/fault-project.js';

const { project } = useFaultProjects();

interface Report {
  files: Array<{ file: string; status: string; reason: string; attempts: number; warnings: string[]; cassettes: Array<{ cassette: string; outcome: string }> }>;
}

describe('a failing test writes the cassette of a file running beside it (custom preset, no journal)', () => {
  it.each([
    ['after that file wrote its own', 'a-wrote', 'b-wrote'],
    ['before that file writes its own', 'b-wrote', 'a-wrote'],
  ])('%s: the file that passed runs again and keeps its own bytes; the failing one is restored; nothing else changes', async (_when) => {
    const aFirst = _when.startsWith('after');
    // a.sh passes. Its write and b.sh's stray write into fixtures/a.yml are ordered through probes.
    const a = aFirst
      ? `# use_cassette("a")\n${write('a', 'from a')}\ntouch "$PROBES/a-wrote"\nwhile [ ! -e "$PROBES/b-wrote" ]; do sleep 0.02; done\nexit 0`
      : `# use_cassette("a")\nwhile [ ! -e "$PROBES/b-wrote" ]; do sleep 0.02; done\n${write('a', 'from a')}\ntouch "$PROBES/a-wrote"\nexit 0`;
    const b = aFirst
      ? `# use_cassette("b")\nwhile [ ! -e "$PROBES/a-wrote" ]; do sleep 0.02; done\n${write('b', 'half b')}\n${write('a', 'stray from b')}\ntouch "$PROBES/b-wrote"\nexit 1`
      : `# use_cassette("b")\n${write('b', 'half b')}\n${write('a', 'stray from b')}\ntouch "$PROBES/b-wrote"\nwhile [ ! -e "$PROBES/a-wrote" ]; do sleep 0.02; done\nexit 1`;
    const p = await project({ 'a.sh': a, 'b.sh': b }, { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') });
    const before = await hashesInAndBeside(p);

    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--json'])], p.env());

    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as Report;
    const fileA = report.files.find((file) => file.file === 'tests/a.sh')!;
    const fileB = report.files.find((file) => file.file === 'tests/b.sh')!;
    expect(fileB).toMatchObject({ status: 'failed', cassettes: [{ cassette: 'fixtures/b.yml', outcome: 'restored' }] });
    const kept = await readFile(path.join(p.dir, 'fixtures/a.yml'), 'utf8');
    if (aFirst) {
      // The first run kept b.sh's bytes: a.sh ran again.
      expect(fileA).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(fileA.warnings[0]).toMatch(/^ran again: fixtures\/a\.yml changed while tests\/b\.sh \(no record hook\) ran alongside and failed/);
    } else {
      // a.sh wrote last, so the first run's bytes were its own; it still cannot know that, and runs again.
      expect(fileA.status).toBe('succeeded');
    }
    expect(kept).toContain('from a');
    expect(kept).not.toContain('stray');
    const after = await hashesInAndBeside(p);
    expect(after.outside).toEqual(before.outside);
    expect(after.project['fixtures/b.yml']).toBe(before.project['fixtures/b.yml']);
    expect({ ...after.project, 'fixtures/a.yml': 'recorded' }).toEqual({ ...before.project, 'fixtures/a.yml': 'recorded' });
    expect(await vaultRunFolders(p)).toEqual([]);
  });

  it('a passing file beside a passing file: nobody runs again', async () => {
    const p = await project(
      {
        'a.sh': `# use_cassette("a")\ntouch "$PROBES/a-started"\nwhile [ ! -e "$PROBES/b-started" ]; do sleep 0.02; done\n${write('a', 'from a')}\nsleep 0.2`,
        'b.sh': `# use_cassette("b")\ntouch "$PROBES/b-started"\nwhile [ ! -e "$PROBES/a-started" ]; do sleep 0.02; done\n${write('b', 'from b')}\nsleep 0.2`,
      },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--json'])], p.env());
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    for (const file of report.files) expect(file).toMatchObject({ status: 'succeeded', attempts: 1, warnings: [] });
    // What git sees of rerecord's own folder: its .gitignore and the manifest, the two meant for review;
    // never the failure log, its JSON twin, the lock or recovered files.
    const seen = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', '.rerecord'], { cwd: p.dir, encoding: 'utf8' });
    expect(seen.split('\n').filter(Boolean).sort()).toEqual(['?? .rerecord/.gitignore', '?? .rerecord/manifest.json']);
    expect(existsSync(path.join(p.dir, '.rerecord/failures.txt'))).toBe(true);
  });
});
