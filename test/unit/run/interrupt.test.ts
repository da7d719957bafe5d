import { describe, expect, it } from 'vitest';
import { interruptExitCode, listenForInterrupt } from '../../../src/run/interrupt.js';

describe('interrupts', () => {
  it('exits as a shell would: 128 + the signal number', () => {
    expect([interruptExitCode('SIGHUP'), interruptExitCode('SIGINT'), interruptExitCode('SIGTERM')]).toEqual([129, 130, 143]);
  });

  it('treats a hangup like a termination: the run is aborted and the signal remembered', () => {
    const interrupt = listenForInterrupt();
    try {
      process.emit('SIGHUP', 'SIGHUP');
      expect(interrupt.signal.aborted).toBe(true);
      expect(interrupt.received()).toBe('SIGHUP');
    } finally {
      interrupt.dispose();
    }
  });
});
