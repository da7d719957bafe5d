import { describe, expect, it } from 'vitest';
import { leftoverNote } from '../../../src/run/child.js';
import { OutputTail } from '../../../src/run/output-tail.js';

describe('leftoverNote', () => {
  it('names what was killed, what survived and an abandoned output; nothing when the test left nothing', () => {
    expect(leftoverNote({ strays: [], survivors: [], pipesAbandoned: false })).toBeUndefined();
    expect(leftoverNote({ strays: [{ pid: 7, command: 'sleep' }], survivors: [], pipesAbandoned: false })).toBe('killed 1 process the test left running: sleep (pid 7)');
    expect(leftoverNote({ strays: [{ pid: 7, command: 'sleep' }, { pid: 9, command: 'sh' }], survivors: [{ pid: 9, command: 'sh' }], pipesAbandoned: true })).toBe(
      'killed 2 processes the test left running: sleep (pid 7), sh (pid 9); could not kill sh (pid 9); its output was still held open by a process outside its tree; stopped reading it',
    );
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
