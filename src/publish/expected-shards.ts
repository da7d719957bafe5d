// A matrix's publish job must see every shard: a shard that died before uploading would silently
// drop its files from the pull request and from the failure log. How many to expect comes from the
// publish step's own `shard: i/n` when given, else from the shard artifacts' names (`-i-of-n`).

export interface ShardCount {
  /** 0 when nothing tells: no `shard` input and no artifact name with `-i-of-n`. */
  expected: number;
  present: number[];
  missing: number[];
}

/** Which shards uploaded, and which of the expected ones did not. Throws when the names disagree on n. */
export function shardCount(prefix: string, names: readonly string[], configured: number): ShardCount {
  const seen = new Map<number, number[]>();
  for (const name of names) {
    const match = new RegExp(`^${escape(prefix)}-(\\d+)-of-(\\d+)$`).exec(name);
    if (!match) continue;
    const [index, count] = [Number(match[1]), Number(match[2])];
    seen.set(count, [...(seen.get(count) ?? []), index]);
  }
  const counts = [...seen.keys()].sort((a, b) => a - b);
  if (configured <= 1 && counts.length > 1) {
    throw new Error(`step publish: the shard artifacts disagree on the matrix size (${counts.map((n) => `of ${n}`).join(', ')}); set shard: i/n on the publish step to the matrix's n`);
  }
  const expected = configured > 1 ? configured : (counts[0] ?? 0);
  const present = [...new Set(seen.get(expected) ?? [])].sort((a, b) => a - b);
  const missing = Array.from({ length: expected }, (_, i) => i + 1).filter((index) => !present.includes(index));
  return { expected, present, missing };
}

/** `missing shard 2/3 (no rerecord-shard-2-of-3 artifact)`, for every missing shard. */
export function missingShardsMessage(prefix: string, count: ShardCount): string {
  const named = count.missing.map((index) => `${index}/${count.expected}`).join(', ');
  const artifacts = count.missing.map((index) => `${prefix}-${index}-of-${count.expected}`).join(', ');
  return (
    `step publish: missing shard${count.missing.length === 1 ? '' : 's'} ${named} (no ${artifacts} artifact): ` +
    `that job failed or was cancelled before uploading, so its files would silently drop out of the publish and the failure log. Nothing was published; re-run the failed shard jobs, then this one.`
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
