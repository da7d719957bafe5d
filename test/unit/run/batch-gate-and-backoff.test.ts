import { describe, expect, it } from 'vitest';
import { BatchGate } from '../../../src/run/batch-gate.js';
import { backoffDelay } from '../../../src/run/sleep.js';

describe('BatchGate', () => {
  it('pauses before the first start of each new batch, never within a batch', async () => {
    const events: string[] = [];
    // Logs when the pause ends: that is when the next batch may start.
    const wait = (ms: number) => new Promise<void>((resolve) => setImmediate(() => (events.push(`pause ${ms}`), resolve())));
    const gate = new BatchGate(3, 40, new AbortController().signal, wait);
    await Promise.all(Array.from({ length: 7 }, (_, i) => gate.admit().then(() => events.push(`start ${i}`))));
    expect(events).toEqual(['start 0', 'start 1', 'start 2', 'pause 40', 'start 3', 'start 4', 'start 5', 'pause 40', 'start 6']);
  });

  it('never pauses with a zero delay', async () => {
    const events: string[] = [];
    const gate = new BatchGate(1, 0, new AbortController().signal, async () => {
      events.push('pause');
    });
    await Promise.all([gate.admit(), gate.admit(), gate.admit()]);
    expect(events).toEqual([]);
  });

  it('stops pausing once the run is aborted', async () => {
    const controller = new AbortController();
    const gate = new BatchGate(1, 60_000, controller.signal);
    await gate.admit();
    const second = gate.admit();
    controller.abort();
    await expect(second).resolves.toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0, 1000],
    [3, 0.5, 3000],
    [10, 1, 30_000],
  ])('attempt %i with random %f -> %i ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, 1000, () => random)).toBe(expected);
  });
});
