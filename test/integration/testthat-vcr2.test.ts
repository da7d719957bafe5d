// Today's R stack: an httr2 package whose tests record with vcr 2.1.0. Its cassettes are recorded by
// vcr itself against the stand-in API, `rerecord plan` is compared with what vcr wrote, and
// `rerecord run` re-records it end to end. The R record hook's journal protocol is checked on both
// vcr 2 and Debian's vcr 1.2.0.
//
// vcr 2 lives in a private library built from test/vendor/r-stack (`npm run test:all` builds it;
// test/support/vendor.ts finds it). Without it these tests fail, saying how to build it (never skipped).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { allText, readFailureReports, REPO_ROOT, snapshotTree, type TempProject } from '../support/projects.js';
import { cleanEnv, runCli } from '../support/run-bundle.js';
import { startStandinApi } from '../support/standin-api.mjs';
import { useTempProjects } from '../support/suite.js';
import { requireRStack } from '../support/vendor.js';
import { runWarm } from '../support/warm.js';
import { testthat } from '../../src/frameworks/testthat/index.js';

const KEY = 'r2-key-91d4e7-secret';
const PROJECT = 'test/projects/testthat-vcr2';
const HOOK = path.join(REPO_ROOT, 'dist', 'frameworks', 'testthat', 'hook', 'testthat.R');
const CASSETTE_FILE = /\.(yml|json|qs2)$/;

const projects = useTempProjects();
let project: TempProject;
let api: Awaited<ReturnType<typeof startStandinApi>> | undefined;

afterAll(() => api?.close());

let vcr2Checked: Promise<void> | undefined;

/** The environment that makes R load vcr 2; every test that needs it fails (never skips) without it. */
async function vcr2Env(extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const R_LIBS_VCR2 = requireRStack();
  const env = cleanEnv({ R_LIBS: R_LIBS_VCR2, ...extra });
  vcr2Checked ??= rscript(['-e', 'cat(as.character(packageVersion("vcr")))'], { cwd: REPO_ROOT, env }).then(({ output }) => {
    if (!/^2\./.test(output.trim())) throw new Error(`the R library ${R_LIBS_VCR2} does not give vcr 2.x: ${output.trim().slice(-300)}`);
  });
  await vcr2Checked;
  return env;
}

function rscript(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('Rscript', ['--vanilla', ...args], options);
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The whole suite, the way `devtools::test()` runs it: vcr records what it has no cassette for and replays the rest. */
async function testSuite(dir: string, env: NodeJS.ProcessEnv): Promise<{ passed: number; failed: number; output: string }> {
  const script = 'r <- as.data.frame(testthat::test_local(".", stop_on_failure = FALSE, reporter = "summary")); cat("\\nPASSED", sum(r$passed), "FAILED", sum(r$failed) + sum(r$error), "\\n")';
  const { output } = await rscript(['-e', script], { cwd: dir, env });
  const [, passed, failed] = /PASSED (\d+) FAILED (\d+)/.exec(output) ?? [];
  return { passed: Number(passed ?? NaN), failed: Number(failed ?? NaN), output };
}

async function cassettesIn(dir: string): Promise<Map<string, Buffer>> {
  const tree = await snapshotTree(dir, 'tests');
  return new Map([...tree].filter(([file]) => CASSETTE_FILE.test(file)));
}

const sha256 = (bytes: Buffer | undefined) => bytes && createHash('sha256').update(bytes).digest('hex');
const generations = (text: string) => [...text.matchAll(/\\?"generation\\?":\\?"(g\d+)/g)].map((match) => match[1]);
const uris = (text: string) => [...text.matchAll(/"?uri"?: ?"?(http[^"\s]+)/g)].map((match) => new URL(match[1]!).pathname);

async function startApi(generation: string) {
  await api?.close();
  api = await startStandinApi({ key: KEY, generation });
  return api;
}

describe('R testthat + vcr 2 + httr2', () => {
  it('vcr 2 writes exactly the cassettes `rerecord plan` predicts: default _vcr folder, dir =, a folder variable, local_vcr_configure(), vcr_test_path(), JSON', async () => {
    project = await projects.copy(PROJECT);
    const planned = await runCli(['plan', '--json'], { cwd: project.dir, env: cleanEnv() });
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { files: Array<{ file: string; cassettes: string[]; unresolved: string[] }> };
    const byFile = Object.fromEntries(plan.files.map((entry) => [entry.file, entry]));
    expect(byFile['tests/testthat/test-dynamic.R']).toEqual({ file: 'tests/testthat/test-dynamic.R', cassettes: [], unresolved: ['paste0("dyn_", "one") (line 3)'] });

    const standin = await startApi('g1');
    const recorded = await testSuite(project.dir, await vcr2Env({ STANDIN_API_URL: standin.url, STANDIN_API_KEY: KEY }));
    expect(recorded.failed, recorded.output).toBe(0);
    expect(recorded.passed).toBeGreaterThanOrEqual(10);

    const written = [...(await cassettesIn(project.dir)).keys()].sort();
    const predicted = plan.files.flatMap((entry) => entry.cassettes).sort();
    // Everything vcr wrote was predicted, except the one name only run time knows, and nothing else was.
    expect(written.filter((file) => file !== 'tests/testthat/_vcr/dyn_one.yml')).toEqual(predicted);
    expect(predicted).toEqual([
      'tests/fixtures/items/item_two.yml',
      'tests/fixtures/users.yml',
      'tests/testthat/_vcr/item_one.yml',
      'tests/testthat/_vcr/item_three.yml',
      'tests/testthat/_vcr/items.yml',
      'tests/testthat/_vcr/status_default.yml',
      'tests/testthat/_vcr/status_json.json',
      'tests/testthat/_vcr/twice.yml',
      'tests/testthat/fixtures/status.yml',
      'tests/testthat/fixtures/status_configured.yml',
    ]);
    expect(JSON.parse(await readFile(path.join(project.dir, 'tests/testthat/_vcr/status_json.json'), 'utf8')).recorded_with).toMatch(/^VCR-vcr\/2\./);
  });

  it('warm: files fork from a worker that loaded the package once; options, variables, globals and the working directory of one file never reach the next; a segfault and a worker killed under a file are restored', async () => {
    project = await projects.copy(PROJECT);
    const standin = await startApi('g1');
    const env = () => vcr2Env({ STANDIN_API_URL: standin.url, STANDIN_API_KEY: KEY });
    const tests = path.join(project.dir, 'tests/testthat');
    // Each file first checks that nothing of the other reached it, then leaves its own marks:
    // whichever runs second proves the isolation.
    const checksThenLeaks = (name: string, cassette: string, path_: string) =>
      `test_that("sees nothing of another file, then leaks", {\n  vcr::use_cassette("${cassette}", { res <- api_get("${path_}") })\n  expect_equal(httr2::resp_status(res), 200)\n  expect_null(getOption("rr.leak"))\n  expect_equal(Sys.getenv("RR_LEAK"), "")\n  expect_false(exists("rr_leak", envir = globalenv()))\n  expect_equal(ls(globalenv()), character())\n  expect_equal(normalizePath(getwd()), normalizePath(${JSON.stringify(path.join(project.dir, 'tests/testthat'))}))\n  options(rr.leak = "${name}")\n  Sys.setenv(RR_LEAK = "${name}")\n  assign("rr_leak", "${name}", envir = globalenv())\n  setwd(tempdir())\n})\n`;
    await writeFile(path.join(tests, 'test-a-leaks.R'), checksThenLeaks('a', 'items', '/items'));
    await writeFile(path.join(tests, 'test-b-leaks.R'), checksThenLeaks('b', 'item_one', '/items/1'));
    await writeFile(path.join(tests, 'test-c-segfaults.R'), 'test_that("crashes", {\n  vcr::use_cassette("item_two", { res <- api_get("/items/2") })\n  tools::pskill(Sys.getpid(), 11L)\n})\n');
    // The child learns its worker's pid from its parent: R has no getppid(), /proc has it.
    await writeFile(path.join(tests, 'test-d-kills-worker.R'), 'test_that("kills its worker", {\n  vcr::use_cassette("item_three", { res <- api_get("/items/3") })\n  parent <- strsplit(readLines(sprintf("/proc/%d/stat", Sys.getpid())), " ")[[1]][4]\n  system(paste("kill -9", parent))\n  Sys.sleep(30)\n})\n');
    await mkdir(path.join(tests, '_vcr'), { recursive: true });
    for (const name of ['item_two', 'item_three']) await writeFile(path.join(tests, '_vcr', `${name}.yml`), `http_interactions: []\nrecorded_with: old ${name}\n`);
    const before = await cassettesIn(project.dir);
    const select = ['--test-pattern', 'test-[a-d]-*.R'];
    const result = await runCli(['run', ...select, '--warm', 'on', '--workers', '1', '--timeout', '60s', '--retries', '0', '--api-key-env', 'STANDIN_API_KEY', '--json'], { cwd: project.dir, env: await env() });
    const report = JSON.parse(result.stdout) as { processes: string; files: Array<{ file: string; status: string; reason: string }> };
    const byFile = Object.fromEntries(report.files.map((file) => [path.basename(file.file), file]));
    expect(byFile['test-a-leaks.R']!.status, byFile['test-a-leaks.R']!.reason).toBe('succeeded');
    expect(byFile['test-b-leaks.R']!.status, byFile['test-b-leaks.R']!.reason).toBe('succeeded');
    expect(byFile['test-c-segfaults.R']!.reason).toMatch(/^crashed: /);
    expect(byFile['test-d-kills-worker.R']!.reason).toMatch(/^the warm worker \(pid \d+\) died \(killed by SIGKILL\) while the test ran/);
    // A second worker only when a file ran after the one that killed the first.
    expect(report.processes).toMatch(/^forked from [12] warm workers? \(each loaded testthat [\d.]+, vcr 2\.1\.0, standinclient \(load_all\)/);
    const after = await cassettesIn(project.dir);
    for (const name of ['item_two', 'item_three']) {
      const file = `tests/testthat/_vcr/${name}.yml`;
      expect(before.has(file)).toBe(true);
      expect(sha256(after.get(file)), file).toBe(sha256(before.get(file)));
    }
  });

  it('re-records end to end: fresh data kept, a failed file restored byte for byte, both blocks of a twice-inserted cassette kept, replays offline', async () => {
    project = await projects.copy(PROJECT);
    const standin = await startApi('g1');
    const env = (extra: Record<string, string> = {}) => vcr2Env({ STANDIN_API_URL: standin.url, STANDIN_API_KEY: KEY, ...extra });
    const recorded = await testSuite(project.dir, await env());
    expect(recorded.failed, recorded.output).toBe(0);
    const before = await cassettesIn(project.dir);
    expect(before.size).toBe(11);

    standin.setGeneration('g2');
    standin.setOutage('/items/3', 500);
    const result = await runCli(['run', '--timeout', '60s', '--retries', '0', '--workers', '2', '--api-key-env', 'STANDIN_API_KEY'], { cwd: project.dir, env: await env() });
    expect(result.code, result.stdout + result.stderr).toBe(1);

    const { failed, byFile } = await readFailureReports(project.dir);
    expect(failed).toEqual(['tests/testthat/test-boom.R']);
    expect(byFile['tests/testthat/test-boom.R']!.outputTail).toMatch(/500/);
    const after = await cassettesIn(project.dir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const boom = 'tests/testthat/_vcr/item_three.yml';
    expect(sha256(after.get(boom))).toBe(sha256(before.get(boom)));
    for (const [file, bytes] of after) {
      if (file === boom) continue;
      expect(generations(bytes.toString()), file).not.toContain('g1');
      expect(generations(bytes.toString()).length, file).toBeGreaterThan(0);
    }
    // vcr 2's "all" would have started the second insertion empty: both blocks' requests are kept.
    const twice = after.get('tests/testthat/_vcr/twice.yml')!.toString();
    expect(uris(twice)).toEqual(['/items', '/users']);
    expect(generations(twice)).toEqual(['g2', 'g2']);

    // The hook journaled the files vcr really used, wherever the call put them.
    const manifest = JSON.parse(await readFile(path.join(project.dir, '.rerecord/manifest.json'), 'utf8'));
    expect(manifest.files['tests/testthat/test-dir-argument.R'].cassettes).toEqual(['tests/fixtures/items/item_two.yml', 'tests/fixtures/users.yml']);
    expect(manifest.files['tests/testthat/test-folder-variable.R'].cassettes).toEqual([
      'tests/testthat/_vcr/status_default.yml',
      'tests/testthat/fixtures/status.yml',
      'tests/testthat/fixtures/status_configured.yml',
    ]);
    expect(manifest.files['tests/testthat/test-dynamic.R'].cassettes).toEqual(['tests/testthat/_vcr/dyn_one.yml']);
    expect(manifest.files['tests/testthat/test-json.R'].cassettes).toEqual(['tests/testthat/_vcr/status_json.json']);

    expect(await allText(project.dir)).not.toContain(KEY);
    expect(result.stdout + result.stderr).not.toContain(KEY);

    // Offline: the API is gone. vcr 2 keeps the port in the URIs, so the suite replays with the same URL.
    await standin.close();
    api = undefined;
    const offline = await testSuite(project.dir, await env({ STANDIN_API_KEY: '' }));
    expect(offline.failed, offline.output).toBe(0);
    expect(offline.passed).toBeGreaterThanOrEqual(10);
  });
});

// The journal protocol (src/frameworks/JOURNAL.md's rules, as every hook must keep them), run
// against the R hook on both vcr versions: one line per cassette, before anything is deleted; the
// backup holds the original bytes; a cassette whose backup fails is never touched; the first
// insertion records fresh and later ones in the same process append; a cassette the library
// ignores (vcr turned off) is left alone; bad environment is exit 2.
const STACKS = [
  { stack: 'vcr 2.1.0 (private library)', source: PROJECT, folder: 'tests/testthat/_vcr', rEnv: vcr2Env },
  { stack: 'vcr 1.2.0 (Debian)', source: 'test/projects/testthat', folder: 'tests/fixtures', rEnv: async (extra: Record<string, string>) => cleanEnv(extra) },
] as const;

describe.each(STACKS)('R record hook conformance on $stack', ({ source, folder, rEnv }) => {
  const TWICE = [
    'test_that("first", {',
    '  vcr::use_cassette("conformance", { res <- api_get("/items") })',
    '  expect_true(TRUE)',
    '})',
    'test_that("second", {',
    '  vcr::use_cassette("conformance", { res <- api_get("/users") })',
    '  expect_true(TRUE)',
    '})',
    'test_that("other", {',
    '  vcr::use_cassette("conformance_other", { res <- api_get("/status") })',
    '  expect_true(TRUE)',
    '})',
    'test_that("vcr turned off: the cassette is ignored", {',
    '  vcr::turned_off(vcr::use_cassette("conformance_off", { res <- api_get("/status") }), ignore_cassettes = TRUE)',
    '  expect_true(TRUE)',
    '})',
    '',
  ].join('\n');

  async function prepare(): Promise<{ work: string; journal: string; backups: string; test: string }> {
    project = await projects.copy(source);
    const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-hook-'));
    const backups = path.join(work, 'backups');
    await mkdir(backups);
    const test = path.join(project.dir, 'tests/testthat/test-conformance.R');
    await writeFile(test, TWICE);
    await mkdir(path.join(project.dir, folder), { recursive: true });
    return { work, journal: path.join(work, 'journal.jsonl'), backups, test };
  }

  async function runHook(test: string, hookEnv: Record<string, string>, standinUrl: string, processes: 'fresh' | 'warm' = 'fresh') {
    const env = await rEnv({ STANDIN_API_URL: standinUrl, STANDIN_API_KEY: KEY, ...hookEnv });
    if (processes === 'warm') return runWarm(testthat, [], path.dirname(HOOK), test, project.dir, env);
    return rscript([HOOK, test], { cwd: project.dir, env });
  }

  const readJournal = async (file: string) =>
    (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { cassette: string; existed: boolean; backup: string | null });

  it.each(['fresh', 'warm'] as const)('journals each cassette once with its backup, records fresh on the first insertion, appends on the second, leaves ignored cassettes alone (%s process)', async (processes) => {
    const { work, journal, backups, test } = await prepare();
    const cassette = path.join(project.dir, folder, 'conformance.yml');
    const original = 'http_interactions: []\nrecorded_with: an old recording\n';
    await writeFile(cassette, original);
    const ignored = path.join(project.dir, folder, 'conformance_off.yml');
    await writeFile(ignored, original);
    const standin = await startApi('g5');
    try {
      const result = await runHook(test, { RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: backups }, standin.url, processes);
      expect(result.code, result.output).toBe(0);
      const entries = await readJournal(journal);
      expect(entries.map((entry) => [path.relative(project.dir, entry.cassette), entry.existed])).toEqual([
        [`${folder}/conformance.yml`, true],
        [`${folder}/conformance_other.yml`, false],
      ]);
      expect(entries.every((entry) => path.isAbsolute(entry.cassette))).toBe(true);
      expect(entries[1]!.backup).toBeNull();
      expect(await readFile(entries[0]!.backup!, 'utf8')).toBe(original);
      const fresh = await readFile(cassette, 'utf8');
      expect(fresh).not.toContain('an old recording');
      expect(uris(fresh)).toEqual(['/items', '/users']);
      expect(generations(fresh)).toEqual(['g5', 'g5']);
      expect(await readFile(ignored, 'utf8')).toBe(original);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('never touches a cassette whose backup failed', async () => {
    const { work, journal, backups, test } = await prepare();
    const cassette = path.join(project.dir, folder, 'conformance.yml');
    const original = 'http_interactions: []\nrecorded_with: keep me\n';
    await writeFile(cassette, original);
    // The only free backup name is a dangling link into a folder that does not exist: the copy fails.
    await symlink(path.join(work, 'missing', 'folder'), path.join(backups, '2-conformance.yml'));
    const standin = await startApi('g6');
    try {
      const result = await runHook(test, { RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: backups }, standin.url);
      expect(result.code, result.output).toBe(1);
      expect(result.output).toMatch(/could not back up cassette/);
      expect(await readFile(cassette, 'utf8')).toBe(original);
      const entries = await readJournal(journal).catch(() => []);
      expect(entries.map((entry) => path.basename(entry.cassette))).not.toContain('conformance.yml');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it.each(['fresh', 'warm'] as const)('fails a file whose test errored before a warning (testthat keeps only the last result in its data frame) (%s process)', async (processes) => {
    const { work, journal, backups, test } = await prepare();
    await writeFile(test, 'test_that("errors, then warns", {\n  on.exit(warning("a warning after the error"))\n  stop("the request failed")\n})\n');
    try {
      const result = await runHook(test, { RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: backups }, 'http://127.0.0.1:9', processes);
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain('the request failed');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('refuses to start without RERECORD_JOURNAL or an existing RERECORD_BACKUP_DIR (exit 2), touching nothing', async () => {
    const { work, journal, test } = await prepare();
    const cassette = path.join(project.dir, folder, 'conformance.yml');
    await writeFile(cassette, 'http_interactions: []\n');
    try {
      const before = await snapshotTree(project.dir);
      const missingDir = await runHook(test, { RERECORD_JOURNAL: journal, RERECORD_BACKUP_DIR: path.join(work, 'nope') }, 'http://127.0.0.1:9');
      expect(missingDir.code, missingDir.output).toBe(2);
      const missingJournal = await runHook(test, { RERECORD_BACKUP_DIR: work }, 'http://127.0.0.1:9');
      expect(missingJournal.code, missingJournal.output).toBe(2);
      expect(await snapshotTree(project.dir)).toEqual(before);
      expect(await readdir(work)).toEqual(['backups']);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
