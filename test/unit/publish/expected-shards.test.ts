import { describe, expect, it } from 'vitest';
import { missingShardsMessage, shardCount } from '../../../src/publish/expected-shards.js';

const names = (...indices: number[]) => indices.map((i) => `rerecord-shard-${i}-of-3`);

describe('shardCount', () => {
  it('takes the matrix size from the publish step, else from the artifact names', () => {
    expect(shardCount('rerecord-shard', names(1, 3), 3)).toEqual({ expected: 3, present: [1, 3], missing: [2] });
    expect(shardCount('rerecord-shard', names(1, 3), 1)).toEqual({ expected: 3, present: [1, 3], missing: [2] });
    expect(shardCount('rerecord-shard', names(1, 2, 3), 1).missing).toEqual([]);
  });
  it('a configured size larger than the uploads names every shard that is missing', () => {
    expect(shardCount('rerecord-shard', ['rerecord-shard-1-of-4'], 4).missing).toEqual([2, 3, 4]);
    expect(shardCount('rerecord-shard', names(1, 2, 3), 4).missing).toEqual([1, 2, 3, 4]);
  });
  it('names that disagree on n need the size set explicitly', () => {
    expect(() => shardCount('rerecord-shard', ['rerecord-shard-1-of-2', 'rerecord-shard-2-of-3'], 1)).toThrow(/disagree on the matrix size.*set shard: i\/n/);
  });
  it('says which shards and artifacts are missing', () => {
    expect(missingShardsMessage('rerecord-shard', shardCount('rerecord-shard', names(1, 3), 3))).toMatch(/^step publish: missing shard 2\/3 \(no rerecord-shard-2-of-3 artifact\)/);
  });
});
