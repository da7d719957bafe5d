// Artifacts between jobs: every shard uploads what it re-recorded and its failure report; the
// final `step: publish` job downloads them all, merges, and publishes once.
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { MANIFEST_PATH } from '../state/paths.js';
import { failureLogText, jsonTwinPath, parseFailureReport, type FailureReport } from '../state/failure-log.js';
import { EMPTY_MANIFEST, parseManifest, serializeManifest } from '../state/manifest.js';
import { readOwnFile, writeOwnFile } from '../state/own-files.js';
import type { FileResult } from '../results/run-outcome.js';
import { artifactNameForShard, artifactStore, FAILURES_ARTIFACT, SHARD_ARTIFACT } from '../github/artifacts.js';
import { missingShardsMessage, shardCount } from './expected-shards.js';
import { mergeShards, type MergedShards } from './merge-shards.js';
import { changedCassettes, refuseOwnFilesNotOurs } from './publish.js';

/** In Actions the failure log and its JSON twin are always uploaded, named per shard. */
export async function uploadFailureLog(config: Config): Promise<void> {
  await refuseOwnFilesNotOurs(config.workingDirectory, [config.failureLog, jsonTwinPath(config.failureLog)], 'upload the failure log');
  const log = path.resolve(config.workingDirectory, config.failureLog);
  await artifactStore(config.runner).upload(artifactNameForShard(FAILURES_ARTIFACT, config.shard), [log, jsonTwinPath(log)], path.dirname(log), { retentionDays: config.retentionDays });
}

/** What the publish job needs from this shard: its changed cassettes, manifest and failure report. */
export async function uploadShard(config: Config, results: readonly FileResult[]): Promise<void> {
  const at = (relative: string) => path.resolve(config.workingDirectory, relative);
  const own = [MANIFEST_PATH, config.failureLog, jsonTwinPath(config.failureLog)];
  await refuseOwnFilesNotOurs(config.workingDirectory, own, `upload shard ${config.shard.index}/${config.shard.count}`);
  const files = [...changedCassettes(results), ...own].map(at);
  await artifactStore(config.runner).upload(artifactNameForShard(SHARD_ARTIFACT, config.shard), files, config.workingDirectory, { retentionDays: config.retentionDays });
}

/** Download every shard's upload, refuse cassettes written by two shards, copy the rest in place. */
export async function collectShards(config: Config): Promise<MergedShards> {
  const downloads = await mkdtemp(path.join(config.runner.tempDir, 'rerecord-shards-'));
  try {
    const shards = await artifactStore(config.runner).downloadByPrefix(`${SHARD_ARTIFACT}-`, downloads);
    if (shards.length === 0) throw new Error(`step publish: no ${SHARD_ARTIFACT}-* artifacts in this run; run the shards (step: run with shard: i/n) in jobs this one needs:`);
    const count = shardCount(SHARD_ARTIFACT, shards.map((shard) => shard.name), config.shard.count);
    if (count.missing.length > 0) throw new Error(missingShardsMessage(SHARD_ARTIFACT, count));
    const twin = jsonTwinPath(config.failureLog);
    const uploads = await Promise.all(
      shards.map(async ({ name, directory }) => ({
        name,
        directory,
        report: parseFailureReport(await readFile(path.join(directory, twin), 'utf8'), `${twin} in artifact ${name}`),
      })),
    );
    const manifest = await readOwnFile(config.workingDirectory, MANIFEST_PATH);
    const base = manifest === undefined ? EMPTY_MANIFEST : parseManifest(manifest.toString('utf8'), MANIFEST_PATH);
    const merged = mergeShards(base, uploads);
    if (merged.conflicts.length > 0) {
      const list = merged.conflicts.map(({ cassette, shards: from }) => `${cassette} (${from.join(', ')})`).join('; ');
      throw new Error(`step publish: refusing cassettes that came from two shards: ${list}`);
    }
    const directoryOf = new Map(uploads.map((upload) => [upload.name, upload.directory]));
    for (const { cassette, shard } of merged.cassettes) {
      const target = path.resolve(config.workingDirectory, cassette);
      await mkdir(path.dirname(target), { recursive: true });
      await cp(path.join(directoryOf.get(shard)!, cassette), target);
    }
    await writeMergedReports(config, merged, uploads.map((upload) => upload.report));
    return merged;
  } finally {
    await rm(downloads, { recursive: true, force: true });
  }
}

async function writeMergedReports(config: Config, merged: MergedShards, reports: readonly FailureReport[]): Promise<void> {
  const count = (status: string) => merged.results.filter((file) => file.status === status).length;
  const report: FailureReport = {
    version: 1,
    startedAt: reports.map((r) => r.startedAt).sort()[0] ?? new Date().toISOString(),
    finishedAt: reports.map((r) => r.finishedAt).sort().at(-1) ?? new Date().toISOString(),
    shard: `merged from ${reports.length} shards`,
    summary: { selected: merged.results.length, succeeded: count('succeeded'), failed: count('failed'), notRun: count('not-run') },
    toRerun: merged.failed,
    files: merged.results,
  };
  await writeOwnFile(config.workingDirectory, MANIFEST_PATH, serializeManifest(merged.manifest));
  await writeOwnFile(config.workingDirectory, jsonTwinPath(config.failureLog), `${JSON.stringify(report, null, 2)}\n`);
  await writeOwnFile(config.workingDirectory, config.failureLog, failureLogText(merged.failed));
}
