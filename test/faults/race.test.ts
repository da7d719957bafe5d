// Many files at once: 200 shell test files (framework custom, no hook: the tree watch and the
// planned mapping are all rerecord has) at 16 workers, each writing its own cassette at its own
// moment, then passing, failing, crashing or hanging past the timeout. Attempts that start while
// another attempt scans the tree must never have their recordings taken for nobody's (which put
// passing files' new recordings back). Run twice: the interleaving differs every time.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cassetteYaml, customFlags, makeFaultProject, rerecord, treeHashes, waitForNoSurvivors, type FaultProject } from '../support/fault-project.js';

const FILES = 200;
type Outcome = 'pass' | 'fail' | 'crash' | 'hang';

/** A fixed mix: most pass; every seventh fails, every eleventh crashes, every twenty-third hangs. */
function outcomeOf(index: number): Outcome {
  if (index % 23 === 5) return 'hang';
  if (index % 11 === 3) return 'crash';
  if (index % 7 === 1) return 'fail';
  return 'pass';
}

const name = (index: number) => `f${String(index).padStart(3, '0')}`;

function script(index: number): string {
  const own = name(index);
  // Different moments for the write: before, around and after other files start and scan.
  const pause = ((index * 37) % 10) / 20;
  const ending = { pass: 'exit 0', fail: 'echo "assertion failed" >&2; exit 1', crash: 'kill -9 $$', hang: 'sleep 60' }[outcomeOf(index)];
  return `# use_cassette("${own}")\nsleep ${pause}\nprintf '%s' '${cassetteYaml(`new ${own}`).replaceAll("'", "'\\''")}' > "$FIX/${own}.yml"\nsleep ${pause}\n${ending}\n`;
}

const made: FaultProject[] = [];
afterEach(async () => {
  for (const project of made.splice(0)) {
    await waitForNoSurvivors(project.token, 1000);
    await project.remove();
  }
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('200 files at 16 workers, mixed outcomes', () => {
  it.each([1, 2])('round %i: every passing file keeps its own new recording, every other file is back byte for byte', async () => {
    const tests: Record<string, string> = {};
    const cassettes: Record<string, string> = {};
    for (let index = 0; index < FILES; index++) {
      tests[`${name(index)}.sh`] = script(index);
      cassettes[`${name(index)}.yml`] = cassetteYaml(`old ${name(index)}`);
    }
    const project = await makeFaultProject(tests, cassettes);
    made.push(project);
    const outside = await treeHashes(project.outside);

    const result = await rerecord(project, ['run', ...customFlags(project.token, ['--workers', '16', '--timeout', '3s', '--verify', 'none']), '--json']);
    const report = JSON.parse(result.stdout) as { files: Array<{ file: string; status: string; reason: string }> };

    expect(await waitForNoSurvivors(project.token)).toEqual([]);
    const after = await treeHashes(project.dir);
    const wrong: string[] = [];
    for (let index = 0; index < FILES; index++) {
      const own = name(index);
      const passes = outcomeOf(index) === 'pass';
      const status = report.files.find((file) => file.file === `tests/${own}.sh`)?.status;
      if (status !== (passes ? 'succeeded' : 'failed')) wrong.push(`${own}: ${status} (expected ${passes ? 'succeeded' : 'failed'})`);
      const expected = sha256(cassetteYaml(`${passes ? 'new' : 'old'} ${own}`));
      if (after[`fixtures/${own}.yml`] !== expected) wrong.push(`${own}.yml: ${passes ? 'its new recording was put back' : 'not restored'}`);
    }
    expect(wrong).toEqual([]);
    expect(Object.keys(after).filter((file) => file.startsWith('fixtures/')).length).toBe(FILES);
    expect(await treeHashes(project.outside)).toEqual(outside);
    expect(await readFile(path.join(project.outside, 'victim.yml'), 'utf8')).toBe(cassetteYaml('victim'));
    expect(result.code).toBe(1);
  });
});
