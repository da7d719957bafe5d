// The final job of a matrix: every shard uploaded its re-recorded cassettes, manifest and failure
// report; merge them into one change. Pure: the caller downloads and copies.
import type { FailureReport } from '../state/failure-log.js';
import { mergeManifest, type Manifest } from '../state/manifest.js';

export interface ShardUpload {
  /** The artifact it came from, for messages. */
  name: string;
  report: FailureReport;
}

export interface MergedShards {
  /** Cassettes to take, each from the one shard that re-recorded it. */
  cassettes: Array<{ cassette: string; shard: string }>;
  /** Cassettes that two shards both wrote: refused, since one would silently win. */
  conflicts: Array<{ cassette: string; shards: string[] }>;
  /** Every file that did not re-record, from every shard, sorted. */
  failed: string[];
  manifest: Manifest;
  results: FailureReport['files'];
}

export function mergeShards(base: Manifest, uploads: readonly ShardUpload[]): MergedShards {
  const writers = new Map<string, string[]>();
  for (const upload of uploads) {
    for (const file of upload.report.files) {
      for (const { cassette, outcome } of file.cassettes) {
        if (outcome === 're-recorded' || outcome === 'recorded') writers.set(cassette, [...(writers.get(cassette) ?? []), upload.name]);
      }
    }
  }
  const results = uploads.flatMap((upload) => upload.report.files);
  const learned = results
    .filter((file) => file.status !== 'not-run')
    .map((file) => ({
      file: file.file,
      cassettes: file.status === 'succeeded' ? file.cassettes.filter((c) => c.outcome !== 'removed').map((c) => c.cassette) : undefined,
      succeeded: file.status === 'succeeded',
      durationMs: file.durationMs / Math.max(1, file.attempts),
      requests: file.requests,
      // Read back from a shard's report: strings only.
      unwritten: Array.isArray(file.unwritten) ? file.unwritten.filter((cassette): cassette is string => typeof cassette === 'string') : [],
    }));
  return {
    cassettes: [...writers].filter(([, shards]) => shards.length === 1).map(([cassette, [shard]]) => ({ cassette, shard: shard! })).sort((a, b) => a.cassette.localeCompare(b.cassette)),
    conflicts: [...writers].filter(([, shards]) => shards.length > 1).map(([cassette, shards]) => ({ cassette, shards })),
    failed: results.filter((file) => file.status !== 'succeeded').map((file) => file.file).sort(),
    manifest: mergeManifest(base, learned),
    results,
  };
}
