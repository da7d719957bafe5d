// Small projects of shell "tests" (framework custom) for fault injection: each test file is a
// shell script, its cassettes are named in `use_cassette("name")` comments, and what it does to
// them (write, leave a folder, hang, fork a daemon) is written out in the script itself.
import { createHash } from 'node:crypto';
import { existsSync, readlinkSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { processesCarrying } from './process-scan.js';
import { git } from './projects.js';
import { cleanEnv, runCli, start, CLI, type Finished } from './run-bundle.js';

/** A cassette in Ruby VCR's format whose one answer says `body`. */
export function cassetteYaml(body: string, status = 200): string {
  return [
    '---',
    'http_interactions:',
    '- request:',
    '    method: get',
    '    uri: http://127.0.0.1:4567/items',
    '    body:',
    '      encoding: UTF-8',
    "      string: ''",
    '    headers: {}',
    '  response:',
    '    status:',
    `      code: ${status}`,
    '      message: OK',
    '    headers:',
    '      Content-Type:',
    '      - application/json',
    '    body:',
    '      encoding: UTF-8',
    `      string: '{"value":"${body}"}'`,
    '    http_version:',
    '  recorded_at: Mon, 23 Nov 2026 20:58:14 GMT',
    'recorded_with: VCR 6.0.0',
    '',
  ].join('\n');
}

export interface FaultProject {
  /** The project (a git repository); `outside` sits beside it and must never change. */
  dir: string;
  outside: string;
  /** A token in every test process's command line, to find survivors. */
  token: string;
  remove(): Promise<void>;
}

/**
 * `tests`: file name -> shell script body. `cassettes`: name -> bytes, under fixtures/.
 * Every script gets `$FIX` (the fixtures folder) and the token in its command line.
 */
export async function makeFaultProject(tests: Record<string, string>, cassettes: Record<string, string | Buffer>): Promise<FaultProject> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-fault-'));
  const dir = path.join(parent, 'project');
  const outside = path.join(parent, 'outside');
  const token = `rrtok${Math.random().toString(36).slice(2, 10)}`;
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  await mkdir(path.join(dir, 'fixtures'), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'victim.yml'), cassetteYaml('victim'));
  for (const [name, bytes] of Object.entries(cassettes)) await writeFile(path.join(dir, 'fixtures', name), bytes);
  for (const [name, body] of Object.entries(tests)) await writeFile(path.join(dir, 'tests', name), `# ${token}\nexport RR_TOKEN=${token}\nFIX="$PWD/fixtures"\n${body}\n`);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'initial');
  return { dir, outside, token, remove: () => rm(parent, { recursive: true, force: true }) };
}

/** A test script line that writes a fresh, valid recording of `name` into the fixtures folder. */
export function writesRecording(name: string, body = 'fresh'): string {
  return `printf '%s' '${cassetteYaml(body).replaceAll("'", "'\\''")}' > "$FIX/${name}.yml"`;
}

/** The flags every fault run shares: custom framework, shell tests, cassettes by use_cassette comments. */
export function customFlags(token: string, extra: readonly string[] = []): string[] {
  return [
    '--framework',
    'custom',
    '--test-dir',
    'tests',
    '--test-pattern',
    '*.sh',
    '--cassette-dir',
    'fixtures',
    '--cassette-functions',
    'use_cassette',
    '--cassette-path',
    '{name}.yml',
    '--command',
    `sh {file} ${token}`,
    '--retries',
    '0',
    '--workers',
    '2',
    ...extra,
  ];
}

export function rerecord(project: FaultProject, args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<Finished> {
  return runCli(args, { cwd: project.dir, env });
}

export function startRerecord(project: FaultProject, args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  return start(CLI, args, { cwd: project.dir, env });
}

/** sha256 of every file (and the target of every symlink) below `dir`, .git and rerecord's own folder left out. */
export async function treeHashes(dir: string, skip: readonly string[] = ['.git', '.rerecord']): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  const walk = async (folder: string) => {
    for (const entry of await readdir(path.join(dir, folder), { withFileTypes: true })) {
      const relative = path.posix.join(folder, entry.name);
      if (skip.includes(entry.name)) continue;
      const full = path.join(dir, relative);
      const info = await lstat(full);
      if (info.isSymbolicLink()) hashes[relative] = `symlink:${readlinkSync(full)}`;
      else if (info.isDirectory()) await walk(relative);
      else hashes[relative] = createHash('sha256').update(await readFile(full)).digest('hex');
    }
  };
  if (existsSync(dir)) await walk('.');
  return hashes;
}

/** Live processes whose environment carries the token (every test process, and anything it started). */
export function survivors(token: string): number[] {
  return processesCarrying(`RR_TOKEN=${token}`).map((entry) => entry.pid);
}

/** Waits (bounded) until no process carries the token; returns the ones left. */
export async function waitForNoSurvivors(token: string, withinMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = survivors(token);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    left = survivors(token);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  return left;
}

/** Resolves once `file` exists (bounded), for killing rerecord while a test is surely running. */
export async function waitForFile(file: string, withinMs = 30_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`${file} did not appear within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * One helper for a fault test file: `project()` makes a fault project (with a `probes` folder
 * beside it, outside both the project and `outside`, passed to tests as $PROBES); after each test,
 * no process of it may be left (the reaper's promise), then it is removed.
 */
export type ProbedProject = FaultProject & { probes: string; env(extra?: Record<string, string>): NodeJS.ProcessEnv };

/**
 * `rerecord run` (the fault flags) killed with SIGKILL once its tests have touched each of `probes`
 * in $PROBES; no process of the run may be left after it.
 */
export async function killRunOnceProbed(project: ProbedProject, probes: readonly string[] = ['started']): Promise<void> {
  const run = startRerecord(project, ['run', ...customFlags(project.token)], project.env());
  for (const probe of probes) await waitForFile(path.join(project.probes, probe));
  run.kill('SIGKILL');
  await run.finished;
  expect(await waitForNoSurvivors(project.token)).toEqual([]);
}

export function useFaultProjects(): { project(tests: Record<string, string>, cassettes: Record<string, string | Buffer>): Promise<ProbedProject> } {
  const made: FaultProject[] = [];
  afterEach(async () => {
    for (const project of made.splice(0)) {
      const left = await waitForNoSurvivors(project.token, 10_000);
      await project.remove();
      expect(left, 'processes that outlived rerecord').toEqual([]);
    }
  });
  return {
    project: async (tests, cassettes) => {
      const made_ = await makeFaultProject(tests, cassettes);
      made.push(made_);
      const probes = path.join(path.dirname(made_.dir), 'probes');
      await mkdir(probes);
      return { ...made_, probes, env: (extra = {}) => cleanEnv({ PROBES: probes, ...extra }) };
    },
  };
}

/** sha256 of every file in the project (bar .git/ and .rerecord/) and in `outside` beside it. */
export async function hashesInAndBeside(project: FaultProject): Promise<{ project: Record<string, string>; outside: Record<string, string> }> {
  return { project: await treeHashes(project.dir), outside: await treeHashes(project.outside) };
}

/** The run folders of the project's vault (under its git directory), and what each holds. */
export async function vaultRunFolders(project: Pick<FaultProject, 'dir'>): Promise<string[]> {
  const root = path.join(project.dir, '.git', 'rerecord');
  const folders: string[] = [];
  for (const key of await readdir(root).catch(() => [] as string[])) {
    for (const run of await readdir(path.join(root, key)).catch(() => [] as string[])) folders.push(path.join(root, key, run));
  }
  return folders;
}
