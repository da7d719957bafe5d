import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../../../src/config/suggest.js';

describe('closest', () => {
  it.each([
    ['pytests', 'pytest'],
    ['testhat', 'testthat'],
    ['rpsec', 'rspec'],
    ['worker', 'workers'],
    ['Pytest', 'pytest'],
  ])('%s -> %s', (typed, meant) => {
    expect(closest(typed, ['testthat', 'polly', 'node', 'pytest', 'rspec', 'custom', 'workers'])).toBe(meant);
  });

  it('suggests nothing for a far word, an exact match, or no candidates', () => {
    expect(closest('rerun', ['run', 'plan'])).toBeUndefined();
    expect(closest('jest', ['testthat', 'pytest', 'rspec'])).toBeUndefined();
    expect(closest('plan', ['plan'])).toBeUndefined();
    expect(closest('plan', [])).toBeUndefined();
  });

  it('words it as a question', () => {
    expect(didYouMean('pytests', ['pytest'])).toBe('; did you mean pytest?');
    expect(didYouMean('zzz', ['pytest'])).toBe('');
  });
});
