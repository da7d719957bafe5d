// Files that share a cassette must never run at the same time (they would race on one file),
// so they form one lane that runs its files one after another.
import type { FileMapping } from './map.js';

export interface Lane {
  files: FileMapping[];
  /** Estimated run time: recorded durations, or the typical one for files never timed. */
  estimateMs: number;
}

export function buildLanes(mappings: readonly FileMapping[], durations: ReadonlyMap<string, number>): Lane[] {
  const parent = mappings.map((_, index) => index);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const owner = new Map<string, number>();
  mappings.forEach(({ cassettes }, index) => {
    for (const cassette of cassettes) {
      const first = owner.get(cassette);
      if (first === undefined) owner.set(cassette, index);
      else parent[root(index)] = root(first);
    }
  });
  const typical = typicalDuration(durations);
  const lanes = new Map<number, Lane>();
  mappings.forEach((mapping, index) => {
    const lane = lanes.get(root(index)) ?? { files: [], estimateMs: 0 };
    lane.files.push(mapping);
    lane.estimateMs += durations.get(mapping.file) ?? typical;
    lanes.set(root(index), lane);
  });
  return [...lanes.values()];
}

/** The median of known durations; 1 when none is known, so that unknown files balance by count. */
function typicalDuration(durations: ReadonlyMap<string, number>): number {
  const known = [...durations.values()].sort((a, b) => a - b);
  return known.length === 0 ? 1 : known[Math.floor(known.length / 2)]!;
}

/** Longest first, ties by first file name: a deterministic order every shard agrees on. */
export function longestFirst(lanes: readonly Lane[]): Lane[] {
  return [...lanes].sort((a, b) => b.estimateMs - a.estimateMs || a.files[0]!.file.localeCompare(b.files[0]!.file));
}
