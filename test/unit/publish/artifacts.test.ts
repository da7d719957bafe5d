import { describe, expect, it } from 'vitest';
import { ArtifactError, artifactNameForShard } from '../../../src/github/artifacts.js';

describe('artifactNameForShard', () => {
  it('is unique per shard and plain without a matrix', () => {
    expect(artifactNameForShard('rerecord-failures', { index: 2, count: 4 })).toBe('rerecord-failures-2-of-4');
    expect(artifactNameForShard('rerecord-failures', { index: 1, count: 1 })).toBe('rerecord-failures');
    const names = [1, 2, 3].map((index) => artifactNameForShard('x', { index, count: 3 }));
    expect(new Set(names).size).toBe(3);
  });

  it('refuses characters the service rejects, and impossible shards', () => {
    for (const bad of ['a/b', 'a\\b', 'a:b', 'a*b', 'a?b', 'a"b', 'a<b', 'a|b', 'a\nb', ' ']) {
      expect(() => artifactNameForShard(bad, { index: 1, count: 2 })).toThrow(ArtifactError);
    }
    expect(() => artifactNameForShard('ok', { index: 3, count: 2 })).toThrow(/1 <= i <= n/);
    expect(() => artifactNameForShard('ok', { index: 0, count: 2 })).toThrow(/1 <= i <= n/);
  });
});
