// Tier test/process: needs node, sh, setsid, env and sleep (real process trees, strays and daemons).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runChild, type ChildOutcome } from '../../../src/run/child.js';
import { PROCESS_TAG } from '../../../src/run/reaper.js';
import { isAlive, processesCarrying } from '../../support/process-scan.js';

const node = (script: string, timeoutMs = 10_000, signal = new AbortController().signal) =>
  runChild({ command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: process.env, timeoutMs, signal, killGraceMs: 500 });

let dir: string;
const leftovers: number[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-child-'));
});
afterEach(async () => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** A shell "test" that prints its marker first (`tag=...`), then runs `script`. */
const sh = (script: string, options: { timeoutMs?: number; pipeGraceMs?: number } = {}) =>
  runChild({
    command: 'sh',
    args: ['-c', `echo "tag=$${PROCESS_TAG}"; ${script}`],
    cwd: dir,
    env: process.env,
    timeoutMs: options.timeoutMs ?? 20_000,
    signal: new AbortController().signal,
    killGraceMs: 500,
    pipeGraceMs: options.pipeGraceMs,
  });

const number = (outcome: ChildOutcome, name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(outcome.output)?.[1]);

/** Nothing that carries this test's marker is left alive. */
function expectTreeGone(outcome: ChildOutcome): void {
  const tag = /tag=(\S+)/.exec(outcome.output)?.[1];
  expect(tag, outcome.output).toMatch(/^\d+-[0-9a-f]+\/\d+$/);
  expect(processesCarrying(`${PROCESS_TAG}=${tag}`)).toEqual([]);
  expect(outcome.survivors).toEqual([]);
}
describe('runChild', () => {
  it('reports the exit code and output', async () => {
    const outcome = await node('console.log("out"); console.error("err"); process.exit(3)');
    expect(outcome).toMatchObject({ exitCode: 3, timedOut: false, cancelled: false, spawnError: undefined });
    expect(outcome.output).toContain('out');
    expect(outcome.output).toContain('err');
  });

  it('kills the whole process tree on timeout, grandchildren included', async () => {
    const script = `
      const { spawn } = require('node:child_process');
      const grandchild = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      console.log('grandchild ' + grandchild.pid);
      process.on('SIGTERM', () => {}); // ignores the polite signal: SIGKILL must follow
      setInterval(() => {}, 1000);`;
    const outcome = await node(script, 700);
    expect(outcome.timedOut).toBe(true);
    const pid = Number(/grandchild (\d+)/.exec(outcome.output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // runChild resolves only once the tree is gone: no waiting here.
    expect(isAlive(pid)).toBe(false);
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await node('setInterval(() => {}, 1000)', 60_000, controller.signal);
    expect(outcome).toMatchObject({ cancelled: true, timedOut: false });
  });

  it('says when the command cannot start', async () => {
    const outcome = await runChild({ command: 'no-such-program-xyz', args: [], cwd: process.cwd(), env: process.env, timeoutMs: 5000, signal: new AbortController().signal });
    expect(outcome.spawnError).toMatch(/could not start no-such-program-xyz: spawn no-such-program-xyz ENOENT/);
  });
});

describe('runChild leaves nothing behind', () => {
  it('kills what a passing test left running in its process group, and names it', async () => {
    const outcome = await sh('sleep 600 & echo "stray=$!"; until [ "$(cat /proc/$!/comm)" = sleep ]; do sleep 0.01; done; exit 0');
    expect(outcome).toMatchObject({ exitCode: 0, timedOut: false, pipesAbandoned: false });
    expect(outcome.strays).toContainEqual({ pid: number(outcome, 'stray'), command: 'sleep' });
    expect(isAlive(number(outcome, 'stray'))).toBe(false);
    expectTreeGone(outcome);
  });

  it('reports no strays for a test that leaves nothing behind', async () => {
    const outcome = await sh('exit 4');
    expect(outcome).toMatchObject({ exitCode: 4, strays: [], survivors: [], pipesAbandoned: false });
    expectTreeGone(outcome);
  });

  it('finds daemons that left the session, and double-forked ones whose parent is gone, by their marker', async () => {
    const outcome = await sh(`
      setsid sh -c 'sleep 600' >/dev/null 2>&1 &
      echo "daemon=$!"
      setsid sh -c '(sleep 600 & echo $! > grandchild.pid) ; exit 0' >/dev/null 2>&1 &
      while [ ! -s grandchild.pid ]; do sleep 0.02; done
      echo "orphan=$(cat grandchild.pid)"`);
    expect(outcome.exitCode).toBe(0);
    const killed = outcome.strays.map((stray) => stray.pid);
    expect(killed).toContain(number(outcome, 'daemon'));
    expect(killed).toContain(number(outcome, 'orphan'));
    expect(isAlive(number(outcome, 'orphan'))).toBe(false);
    expectTreeGone(outcome);
  });

  it('finds a child that cleared its environment through its marked parent', async () => {
    const outcome = await sh(`
      setsid sh -c 'env -i sleep 600 & echo $! > hidden.pid; wait' >/dev/null 2>&1 &
      while [ ! -s hidden.pid ]; do sleep 0.02; done
      echo "hidden=$(cat hidden.pid)"`);
    const hidden = number(outcome, 'hidden');
    expect(outcome.strays.map((stray) => stray.pid)).toContain(hidden);
    expect(isAlive(hidden)).toBe(false);
    expectTreeGone(outcome);
  });

  it('does not wait for the output pipe a killed daemon held', async () => {
    // Before: 'close' waited for the daemon's end of stdout, so this never returned.
    const outcome = await sh('setsid sh -c "sleep 600" & echo "daemon=$!"; exit 0');
    expect(outcome).toMatchObject({ exitCode: 0, pipesAbandoned: false });
    expect(outcome.strays.map((stray) => stray.pid)).toContain(number(outcome, 'daemon'));
    expectTreeGone(outcome);
  });

  it('times out a test whose daemon holds the output pipe, killing both', async () => {
    const outcome = await sh('setsid sh -c "sleep 600" & echo "daemon=$!"; sleep 600', { timeoutMs: 500 });
    expect(outcome).toMatchObject({ timedOut: true, signal: 'SIGTERM' });
    expect(isAlive(number(outcome, 'daemon'))).toBe(false);
    expectTreeGone(outcome);
  });

  it('finds a process that hid every trace but still holds the output, by the descriptor it holds', async () => {
    // Cleared environment, own session, parent gone: nothing ties it to the test but the output.
    const outcome = await sh(`env -i setsid sh -c 'echo $$ > escaped.pid; exec sleep 600' &
      while [ ! -s escaped.pid ]; do sleep 0.02; done
      echo "escaped=$(cat escaped.pid)"`);
    const escaped = number(outcome, 'escaped');
    leftovers.push(escaped);
    expect(outcome).toMatchObject({ exitCode: 0, pipesAbandoned: false });
    expect(outcome.strays).toContainEqual({ pid: escaped, command: 'sleep' });
    expect(isAlive(escaped)).toBe(false);
    expectTreeGone(outcome);
  });
});
