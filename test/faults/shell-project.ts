// Small projects of shell "tests" (framework custom) for fault injection: each test file can
// report its process ids into a probe folder outside the project, so a fault test knows what to
// look for after killing rerecord.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { git, snapshotTree } from '../support/projects.js';
import { PROCESS_TAG } from '../../src/run/reaper.js';
import { processesCarrying } from '../support/process-scan.js';

export interface ShellProject {
  dir: string;
  /** Outside the project: where tests write `<name>` probes (see PROBE below). */
  probes: string;
  remove(): Promise<void>;
}

/**
 * Shell lines a test runs to report itself: `tag=<marker value>` and any `name=$pid` pairs, in
 * $PROBES/<name>, written whole (rename) so a reader never sees half of it.
 */
export const probe = (name: string, pairs: Record<string, string>) =>
  `printf '%s\\n' "tag=$${PROCESS_TAG}" ${Object.entries(pairs)
    .map(([key, value]) => `"${key}=${value}"`)
    .join(' ')} > "$PROBES/${name}.tmp" && mv "$PROBES/${name}.tmp" "$PROBES/${name}"`;

/** test/<name>.sh for each test, each using test/fixtures/<name>.yml (committed, old bytes). */
export async function shellProject(tests: Record<string, string>): Promise<ShellProject> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'rerecord-fault-'));
  const dir = path.join(parent, 'project');
  const probes = path.join(parent, 'probes');
  await mkdir(path.join(dir, 'test', 'fixtures'), { recursive: true });
  await mkdir(probes);
  for (const [name, body] of Object.entries(tests)) {
    await writeFile(path.join(dir, 'test', `${name}.sh`), `# use_cassette("${name}.yml")\n${body}\n`);
    await writeFile(path.join(dir, 'test', 'fixtures', `${name}.yml`), `http_interactions: []\nrecorded_with: old ${name}\n`);
  }
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '--allow-empty', '-m', 'initial');
  return { dir, probes, remove: () => rm(parent, { recursive: true, force: true }) };
}

/** The CLI arguments that run a shell project's tests. */
export const shellRun = (...extra: string[]) => [
  'run',
  '--framework', 'custom',
  '--command', 'sh {file}',
  '--test-pattern', '*.sh',
  '--cassette-functions', 'use_cassette',
  '--retries', '0',
  '--batch-delay', '0',
  '--json',
  ...extra,
];

/** sha256 of every cassette, by path. */
export async function cassetteHashes(project: ShellProject): Promise<Record<string, string>> {
  const files = await snapshotTree(project.dir, 'test/fixtures');
  return Object.fromEntries([...files].map(([file, bytes]) => [file, createHash('sha256').update(bytes).digest('hex')]));
}

/** Reads probe `<name>` once it exists (waiting, bounded by the test's own timeout). */
export async function readProbe(project: Pick<ShellProject, 'probes'>, name: string): Promise<Record<string, string>> {
  const file = path.join(project.probes, name);
  await waitUntil(() => existsSync(file), `probe ${name}`);
  const text = await readFile(file, 'utf8');
  return Object.fromEntries(text.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/**
 * Polls until `condition` holds. Not a timing assertion: the limit only turns a hang into a
 * failure that names what never happened.
 */
export async function waitUntil(condition: () => boolean, what: string, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * One shell project per test: `create` makes it, `watchRun` names the run (from a probe's tag)
 * whose processes are killed should the test fail; after each test both are cleaned up.
 */
export function useShellProjects(): { create(tests: Record<string, string>): Promise<ShellProject>; watchRun(tag: string): string } {
  let current: ShellProject | undefined;
  let marker: string | undefined;
  afterEach(async () => {
    killSurvivors(marker);
    marker = undefined;
    await current?.remove();
    current = undefined;
  });
  return {
    create: async (tests) => (current = await shellProject(tests)),
    watchRun: (tag) => (marker = runMarker(tag)),
  };
}

/** `<run>/<child>` -> the marker prefix every process of that run carries. */
export const runMarker = (tag: string) => `${PROCESS_TAG}=${tag.slice(0, tag.lastIndexOf('/') + 1)}`;

/** After a failed fault test: kill whatever of the run survived, so one failure does not leak into the next test. */
export function killSurvivors(marker: string | undefined): void {
  if (!marker) return;
  for (const { pid } of processesCarrying(marker, { prefix: true })) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
