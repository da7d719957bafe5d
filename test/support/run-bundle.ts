// Runs the built CLI and the bundled action as real child processes, as a user or a runner would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './projects.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
/** The Node that runs the bundle and the tests' children: RERECORD_TEST_NODE checks another version (CI runs Node 24 too). */
export const NODE = process.env.RERECORD_TEST_NODE ?? process.execPath;
export const ACTION = path.join(REPO_ROOT, 'dist', 'index.js');

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function start(script: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): ChildProcess & { finished: Promise<Finished> } {
  const child = spawn(NODE, [script, ...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(child, { finished });
}

/** The environment a test child would see on a laptop: ours minus anything GitHub-ish or NODE_OPTIONS. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(GITHUB_|INPUT_|RUNNER_|NODE_OPTIONS$|VITEST|NOCK_BACK_MODE$)/.test(name)));
  return { ...env, PATH: `${path.dirname(NODE)}${path.delimiter}${env.PATH ?? ''}`, ...extra };
}

export function runCli(args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Finished> {
  return start(CLI, args, options).finished;
}

export interface ActionRun extends Finished {
  outputs: Record<string, string>;
  summary: string;
}

/** Runs dist/index.js the way the runner does: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. */
export async function runAction(inputs: Record<string, string>, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<ActionRun> {
  return (await startAction(inputs, options)).result;
}

/** The action as a child process that a test may signal; `result` resolves when it has ended. */
export async function startAction(inputs: Record<string, string>, options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const files = await mkdtemp(path.join(os.tmpdir(), 'rerecord-runner-'));
  const outputFile = path.join(files, 'output');
  const summaryFile = path.join(files, 'summary');
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const inputEnv = Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value]));
  const child = start(ACTION, [], {
    cwd: options.cwd,
    env: { ...options.env, ...inputEnv, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_WORKSPACE: options.cwd },
  });
  const result = child.finished.then(async (finished) => {
    const run = { ...finished, outputs: parseOutputs(await readFile(outputFile, 'utf8')), summary: await readFile(summaryFile, 'utf8') };
    await rm(files, { recursive: true, force: true });
    return run;
  });
  return { child, result };
}

/** GITHUB_OUTPUT holds `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const pattern = /^([^\n<]+)<<(\S+)\n([^]*?)\n\2$/gm;
  for (const match of text.matchAll(pattern)) outputs[match[1]!] = match[3]!;
  return outputs;
}
