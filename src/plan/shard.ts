// Split lanes across matrix shards. Every shard runs this same pure function on the same inputs,
// so they agree on the split without talking to each other.
import type { Shard } from '../config/parsers.js';
import { longestFirst, type Lane } from './lanes.js';

/** Longest lane first onto the least loaded shard (ties: the lowest shard number). */
export function assignShards(lanes: readonly Lane[], count: number): Lane[][] {
  const shards = Array.from({ length: count }, () => ({ lanes: [] as Lane[], load: 0 }));
  for (const lane of longestFirst(lanes)) {
    const target = shards.reduce((best, shard) => (shard.load < best.load ? shard : best));
    target.lanes.push(lane);
    target.load += lane.estimateMs;
  }
  return shards.map((shard) => shard.lanes);
}

export function lanesOfShard(lanes: readonly Lane[], shard: Shard): Lane[] {
  return assignShards(lanes, shard.count)[shard.index - 1] ?? [];
}
