import { describe, expect, it } from 'vitest';
import { runChild } from '../../../src/run/child.js';
import { OutputTail } from '../../../src/run/output-tail.js';

const node = (script: string, timeoutMs = 10_000, signal = new AbortController().signal) =>
  runChild({ command: process.execPath, args: ['-e', script], cwd: process.cwd(), env: process.env, timeoutMs, signal, killGraceMs: 500 });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
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
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(pid)).toBe(false);
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

describe('OutputTail', () => {
  it('keeps the last bytes and says how many it dropped', () => {
    const tail = new OutputTail(10);
    for (const chunk of ['aaaaaaaa', 'bbbbbbbb', 'cccc']) tail.push(Buffer.from(chunk));
    expect(tail.text()).toBe('[... 10 earlier bytes not kept ...]\nbbbbbbcccc');
  });
  it('keeps short output whole', () => {
    const tail = new OutputTail(100);
    tail.push(Buffer.from('short'));
    expect(tail.text()).toBe('short');
  });
});
