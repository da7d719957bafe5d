import { describe, expect, it } from 'vitest';
import { buildLanes, longestFirst } from '../../../src/plan/lanes.js';
import type { FileMapping } from '../../../src/plan/map.js';
import { assignShards, lanesOfShard } from '../../../src/plan/shard.js';

const mapping = (file: string, ...cassettes: string[]): FileMapping => ({ file, cassettes, unresolved: [] });
const files = (lanes: ReturnType<typeof buildLanes>) => lanes.map((lane) => lane.files.map((m) => m.file));

describe('buildLanes', () => {
  it('puts files sharing a cassette, even transitively, in one lane', () => {
    const lanes = buildLanes([mapping('a', 'x'), mapping('b', 'y'), mapping('c', 'y', 'z'), mapping('d', 'z'), mapping('e')], new Map());
    expect(files(lanes)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
  });

  it('estimates unknown files at the median of known durations', () => {
    const lanes = buildLanes([mapping('a'), mapping('b'), mapping('c'), mapping('d')], new Map([['a', 10], ['b', 30], ['c', 20]]));
    expect(lanes.map((lane) => lane.estimateMs)).toEqual([10, 30, 20, 20]);
  });

  it('orders longest first, ties by file name', () => {
    const lanes = buildLanes([mapping('b'), mapping('a'), mapping('c')], new Map([['a', 5], ['b', 5], ['c', 9]]));
    expect(files(longestFirst(lanes))).toEqual([['c'], ['a'], ['b']]);
  });
});

describe('assignShards', () => {
  const lanes = buildLanes(
    ['a', 'b', 'c', 'd', 'e', 'f'].map((f) => mapping(f)),
    new Map([['a', 100], ['b', 60], ['c', 50], ['d', 40], ['e', 10], ['f', 5]]),
  );

  it('balances by duration, longest onto the least loaded', () => {
    const shards = assignShards(lanes, 2).map((shard) => shard.flatMap((lane) => lane.files.map((m) => m.file)));
    // a(100) | b(60) c(50) -> d(40) onto a's shard (100 < 110) -> e, f onto b's (110 < 140)
    expect(shards).toEqual([['a', 'd'], ['b', 'c', 'e', 'f']]);
  });

  it('every file lands in exactly one shard, and every shard computes the same split', () => {
    for (const count of [1, 2, 3, 4, 7]) {
      const all = Array.from({ length: count }, (_, i) => lanesOfShard(lanes, { index: i + 1, count }).flatMap((l) => l.files.map((m) => m.file)));
      expect(all.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(lanesOfShard([...lanes].reverse(), { index: 1, count })).toEqual(lanesOfShard(lanes, { index: 1, count }));
    }
  });

  it('balances by count when nothing was timed', () => {
    const untimed = buildLanes(['a', 'b', 'c', 'd', 'e'].map((f) => mapping(f)), new Map());
    expect(assignShards(untimed, 2).map((shard) => shard.length)).toEqual([3, 2]);
  });
});
