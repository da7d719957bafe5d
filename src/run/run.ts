// One run of the plan: the vault and the tree watch around every attempt, the pace, the reports
// written as files finish, and what is settled once all have run.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { CONFIG_FILE } from '../config/config-file.js';
import { secretsOf } from '../config/secrets.js';
import { parsePoisonStatuses } from '../cassettes/poison.js';
import { hookDirectory } from '../frameworks/hook-directory.js';
import type { Plan, PlannedRun } from '../plan/plan.js';
import type { Logger } from '../report/logger.js';
import { Progress } from '../report/progress.js';
import type { Redactor } from '../report/redact.js';
import type { FileResult, RunOutcome } from '../results/run-outcome.js';
import type { Manifest } from '../state/manifest.js';
import { isConfined, MANIFEST_PATH } from '../state/paths.js';
import { earlierFailures, writeFailureReports, writeManifest } from '../state/run-records.js';
import { StateFolder } from '../state/state-folder.js';
import { childEnvironment } from './child-environment.js';
import { executePlan } from './execute.js';
import { Governor } from './governor.js';
import { keyScanNotice, type InspectSettings } from './inspect.js';
import { AttemptPeers } from './peers.js';
import { useReaperEnvironment } from './reaper.js';
import { recoverRunFolder } from './recover.js';
import { noteUnwritten, refuseLateWrites, settleForeignChanges } from './settle.js';
import { TreeWatch, WATCH_LIMIT } from './tree-watch.js';
import { Vault } from './vault.js';
import { vaultRoot } from '../state/vault-location.js';
import type { WarmPool } from './warm-pool.js';

export interface RunIo {
  logger: Logger;
  redactor: Redactor;
  signal: AbortSignal;
  /** Test hooks only: shortens retry backoff. */
  backoffBaseMs?: number;
}

export async function executeRun(config: Config, planned: PlannedRun, io: RunIo, warm?: WarmPool): Promise<RunOutcome> {
  const startedAt = new Date();
  const selected = planned.plan.files.map((mapping) => mapping.file);
  const progress = new Progress(selected.length, performance.now());
  const runWarnings: string[] = [];
  const warnOnce = (warning: string) => {
    io.logger.warning(warning);
    if (!runWarnings.includes(warning)) runWarnings.push(warning);
  };
  // A test may move .rerecord/ away and plant a link in its place: it is put back before rerecord writes there again.
  const stateFolder = await StateFolder.pin(config.workingDirectory);
  // Earlier failures this run does not select stay listed: a partial run must not make `mode: failures` forget them.
  const carried = await earlierFailures(config, new Set(selected), new Set(planned.testFiles), (message) => io.logger.warning(message));
  const keepStateFolder = () => stateFolder.check().then((moved) => moved && warnOnce(moved), (error: Error) => warnOnce(error.message));
  const writeReports = async (results: readonly FileResult[], finishedAt = new Date()) => {
    await keepStateFolder();
    await writeFailureReports(config, io.redactor, results, selected, { startedAt, finishedAt }, carried).catch((error: Error) => warnOnce(`could not write the failure log ${config.failureLog}: ${error.message}`));
  };
  const keyNotice = keyScanNotice(inspectSettings(config, planned.manifest));
  if (keyNotice) io.logger.warning(keyNotice);
  useReaperEnvironment(config.runner.inherited);
  const { watch, truncated } = await TreeWatch.start(watchedFolders(config, planned.plan), { watch: true });
  if (truncated) io.logger.warning(`the cassette folders hold over ${WATCH_LIMIT.files} files: files no journal names are not watched in this run`);
  const vault = await Vault.create(config.workingDirectory, watch.roots, watch.files(), { vault: await vaultRoot(config.workingDirectory, config.runner.inherited) });
  await watch.barrierIn(vault.folder);
  let results: FileResult[] = [];
  const governor = new Governor({
    workers: config.workers,
    // Shards run side by side against the same API: each takes its share of the budget.
    ratePerSecond: config.rateLimit === undefined ? undefined : config.rateLimit / config.shard.count,
    share: 1 / config.shard.count,
    knownRequests: knownRequests(planned.manifest),
    maxPauseMs: config.rateLimitWaitMs,
    backoffBaseMs: io.backoffBaseMs,
    signal: io.signal,
  });
  try {
    results = await executePlan({
      governor,
      rateLimitWaitMs: config.rateLimitWaitMs,
      lanes: planned.plan.lanes,
      workers: config.workers,
      batchSize: config.batchSize,
      batchDelayMs: config.batchDelayMs,
      retries: config.retries,
      backoffBaseMs: io.backoffBaseMs,
      attempt: {
        workingDirectory: config.workingDirectory,
        preset: config.framework,
        command: config.command,
        timeoutMs: config.timeoutMs,
        hookDirectory: hookDirectory(config.framework.name),
        childEnv: childEnvironment(config.runner.inherited, config),
        vault,
        signal: io.signal,
        inspect: inspectSettings(config, planned.manifest),
        learnNoise: config.learnNoise,
        redact: (text) => io.redactor.redact(text),
        replay: { verify: config.verify, replayCommand: config.replayCommand, hostMapped: config.recordHostMap.length > 0 },
        watch: truncated ? undefined : watch,
        peers: new AttemptPeers(),
        ...(warm ? { warm } : {}),
        neverCassettes: new Set([...planned.testFiles, CONFIG_FILE].map((file) => path.resolve(config.workingDirectory, file))),
        stateFolder,
      },
      onFileDone: (result) => {
        io.logger.info(progress.line(result));
        for (const warning of result.warnings) io.logger.warning(`${result.file}: ${warning}`);
      },
      onFileRerun: (result) => {
        io.logger.info(`again: ${result.status === 'succeeded' ? 'ok  ' : 'FAIL'} ${result.file}${result.status === 'succeeded' ? '' : ` (${result.reason})`}`);
        for (const warning of result.warnings) io.logger.warning(`${result.file}: ${warning}`);
      },
      onCheckpoint: (soFar) => writeReports(soFar),
    });
    results = await refuseLateWrites(results, vault, config);
    const foreign = await settleForeignChanges(results, vault, config);
    runWarnings.push(...foreign.problems);
    results = await noteUnwritten(results, new Map(planned.plan.mappings.map((mapping) => [mapping.file, mapping.cassettes])), config.workingDirectory);
    for (const note of foreign.notes) io.logger.warning(note);
  } catch (error) {
    // Not one file's error (those stay with their file): put back everything still in flight.
    await keepStateFolder();
    await stateFolder.close();
    const recovery = await recoverRunFolder(config.workingDirectory, vault.folder);
    const left = recovery.failed.map((failure) => `${failure.cassette} (${failure.error})`);
    await writeReports(results);
    throw new Error(`${(error as Error).message}${left.length > 0 ? `; could not restore: ${left.join(', ')} (run rerecord recover)` : '; every cassette in flight was restored'}`);
  }
  await keepStateFolder();
  if (results.some((result) => (result.unrestored?.length ?? 0) > 0)) {
    runWarnings.push(`some cassettes could not be restored: their backups stay in ${vault.folder}; run \`rerecord recover\` once the cause is fixed`);
  } else {
    await vault.dispose();
  }
  const finishedAt = new Date();
  await writeReports(results, finishedAt);
  await writeManifest(config, planned.manifest, results).catch((error: Error) => runWarnings.push(`could not write ${MANIFEST_PATH}: ${error.message}`));
  await stateFolder.close();
  return { results, interrupted: io.signal.aborted, startedAt, finishedAt, runWarnings, pace: governor.report(), ...(warm ? { processes: warm.describe() } : {}) };
}

function knownRequests(manifest: Manifest): Map<string, number> {
  const known = new Map<string, number>();
  for (const [file, entry] of Object.entries(manifest.files)) if (entry.requests !== undefined) known.set(file, entry.requests);
  return known;
}

/** The cassette folder, and the folder of every cassette the plan names (all inside the project). */
function watchedFolders(config: Config, plan: Plan): string[] {
  const at = (relative: string) => path.resolve(config.workingDirectory, relative);
  const folders = [config.cassetteDir, ...plan.files.flatMap((mapping) => mapping.cassettes.map((cassette) => path.posix.dirname(cassette)))];
  return [...new Set(folders)].filter((folder) => isConfined(config.workingDirectory, path.posix.join(folder, 'x'))).map(at).filter((folder) => existsSync(folder));
}

/** The manifest's learned noise (per endpoint) applies on top of the volatile-* inputs. */
function inspectSettings(config: Config, manifest: Manifest): InspectSettings {
  return {
    diff: { volatileHeaders: config.volatileHeaders, volatileFields: config.volatileFields, volatilePaths: config.volatilePaths, learnedNoise: manifest.noise ?? [] },
    isPoison: parsePoisonStatuses(config.poisonStatuses),
    secrets: secretsOf(config),
    onLeak: config.onLeak,
    placeholder: config.placeholder,
    hostMap: config.recordHostMap,
  };
}
