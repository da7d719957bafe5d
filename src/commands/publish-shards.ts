// `step: publish`, the final job of a matrix: merge every shard's upload, then publish once.
import type { Config } from '../config/config.js';
import type { MergedShards } from '../publish/merge-shards.js';
import { publishCassettes, type PublishOutcome } from '../publish/publish.js';
import { collectShards } from '../publish/shards.js';
import type { Logger } from '../report/logger.js';
import { countOf } from '../text/format.js';

export interface PublishShardsResult {
  merged: MergedShards;
  publish: PublishOutcome;
}

export async function publishShards(config: Config, logger: Logger): Promise<PublishShardsResult> {
  const merged = await collectShards(config);
  logger.info(`merged ${countOf(merged.results.length, 'file')} from the shards: ${countOf(merged.cassettes.length, 'cassette')} re-recorded, ${countOf(merged.failed.length, 'file')} failed`);
  return { merged, publish: await publishCassettes(config, merged.results, merged.failed, logger) };
}
