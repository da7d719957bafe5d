// mocha + Polly's setupMocha, imported under other names and called from helpers: Polly records
// against the stand-in API itself, rerecord's plan must name exactly those recordings (and report
// the one setup only run time can place, with its file and line), and a re-record journals them.
import { spawn } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, NODE, runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';

const KEY = 'polly-mocha-key-8c8c';
const RECORDINGS = 'test/recordings';
const TEST_FILES = ['test/aliased.test.js', 'test/conditional.test.js', 'test/esm.test.mjs', 'test/helper.test.js'];

const standin = useStandinApi(KEY, 'g1');
const projects = useTempProjects();

/** One mocha process per file, as rerecord runs them (root hooks of one file never reach another). */
async function mocha(dir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  let output = '';
  for (const file of TEST_FILES) {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(NODE, ['node_modules/mocha/bin/mocha.js', file], { cwd: dir, env });
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('close', resolve);
    });
    if (code !== 0) return { code, output };
  }
  return { code: 0, output };
}

async function recordings(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(dir, RECORDINGS), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')).sort();
}

describe('Polly setupMocha under other names and in helpers', () => {
  it('plans the recordings Polly writes, reports the run-time-only setup, and re-records them', async () => {
    const project = await projects.copy('test/projects/polly-mocha');
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { files: Array<{ file: string; cassettes: string[]; unresolved: string[] }> };
    const byFile = Object.fromEntries(plan.files.map((file) => [file.file, file]));

    const recorded = await mocha(project.dir, standin.env({ POLLY_MODE: 'record' }));
    expect(recorded.code, recorded.output).toBe(0);
    const written = await recordings(project.dir);
    expect(written).toHaveLength(5);

    const predicted = plan.files.flatMap((file) => file.cassettes).sort();
    expect(written.filter((file) => !predicted.includes(file))).toEqual([`${RECORDINGS}/conditional-setup_1711657866/reads-item-one_669633837/recording.har`]);
    expect(predicted.every((file) => written.includes(file))).toBe(true);
    expect(byFile['test/aliased.test.js']!.cassettes).toHaveLength(2);
    expect(byFile['test/esm.test.mjs']!.cassettes).toHaveLength(1);
    expect(byFile['test/helper.test.js']!.cassettes).toHaveLength(1);
    expect(byFile['test/conditional.test.js']).toMatchObject({
      cassettes: [],
      unresolved: [expect.stringMatching(/^setup\(\.\.\.\) inside a block: .* \(test\/support\/maybe-polly\.js line 9\)$/)],
    });

    // Asked through mocha's own dry run, every recording Polly wrote is named, the conditional one too.
    const asked = await runCli(['plan', '--json', '--command', 'node node_modules/mocha/bin/mocha.js {file}'], { cwd: project.dir, env: cleanEnv({ XDG_CACHE_HOME: path.join(project.dir, '.cache-home') }) });
    const collected = JSON.parse(asked.stdout) as { mappedBy: string; files: Array<{ file: string; cassettes: string[]; unresolved: string[] }> };
    expect(collected.mappedBy).toBe('cassettes named by mocha --dry-run');
    expect(collected.files.flatMap((file) => file.cassettes).sort()).toEqual(written);
    expect(collected.files.flatMap((file) => file.unresolved)).toEqual([]);
    await rm(path.join(project.dir, '.cache-home'), { recursive: true, force: true });

    // The conditional setup's recording is not an orphan: its test file may have made it.
    const audit = JSON.parse((await runCli(['audit', '--json'], { cwd: project.dir, env: cleanEnv() })).stdout);
    expect(audit).toMatchObject({ cassettes: 5, counts: { orphan: 0, missing: 0 } });

    standin.api.setGeneration('g2');
    try {
      const run = await runCli(['run', '--api-key-env', 'STANDIN_API_KEY', '--retries', '0', '--command', 'node node_modules/mocha/bin/mocha.js {file}'], {
        cwd: project.dir,
        env: standin.env(),
      });
      expect(run.code, run.stderr + run.stdout).toBe(0);
    } finally {
      standin.api.setGeneration('g1');
    }
    expect(await recordings(project.dir)).toEqual(written);
    for (const file of written) expect(await readFile(path.join(project.dir, file), 'utf8'), file).toMatch(/\\"generation\\":\\"g2\\"/);
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    for (const { file, cassettes, unresolved } of plan.files) {
      if (unresolved.length === 0) expect(manifest.files[file].cassettes, file).toEqual(cassettes);
    }
    expect(manifest.files['test/conditional.test.js'].cassettes).toEqual([`${RECORDINGS}/conditional-setup_1711657866/reads-item-one_669633837/recording.har`]);

    const offline = await mocha(project.dir, cleanEnv());
    expect(offline.code, offline.output).toBe(0);
  });
});
