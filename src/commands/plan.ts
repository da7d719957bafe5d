// Planning, as run, plan and audit share it: discover the test files, the manifest and (by mode)
// the last failures or the recording dates, then select, map and confine.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { CONFIG_FILE } from '../config/config-file.js';
import { ConfigError } from '../config/errors.js';
import { recordingDates } from '../discover/cassette-files.js';
import { readFailureLog } from '../discover/failure-log.js';
import { findTestFiles, readSources } from '../discover/test-files.js';
import { collectCacheFolder, collectCassettes, type Collection } from '../discover/collect.js';
import { hookDirectory } from '../frameworks/hook-directory.js';
import type { FileCassettes } from '../frameworks/preset.js';
import type { TestSource } from '../plan/map.js';
import { childEnvironment } from '../run/child-environment.js';
import { confinePlan } from '../plan/confine.js';
import { buildPlan, type PlannedRun } from '../plan/plan.js';
import { fetchPreviousFailures } from '../publish/previous-failures.js';
import { confinement, OutOfBoundsError } from '../state/paths.js';
import { readManifest } from '../state/run-records.js';

/** Where planning's warnings go (a shallow clone that cannot date cassettes): the action's annotations, the CLI's stderr. */
export type Warn = (message: string) => void;

/** `mode` overrides the configured one: audit looks at every test file whatever the mode. */
export async function planRun(config: Config, warn: Warn, mode = config.mode): Promise<PlannedRun> {
  const at = (relative: string) => path.resolve(config.workingDirectory, relative);
  const sources = await readSources(config.workingDirectory, await findTestFiles(config.workingDirectory, config.testDir, config.testPattern));
  const collection = await askFramework(config, sources);
  const testFiles = collection?.byFile ? sources.map((test) => withCollected(test, collection.byFile!.get(test.file))) : sources;
  const manifest = await readManifest(config.workingDirectory);
  const failureLog = mode === 'failures' ? await previousFailures(config, warn) : undefined;
  const recordedAt = mode === 'stale' ? await recordingDates(config, warn) : undefined;
  const plan = buildPlan({
    mode,
    testDir: config.testDir,
    priorityPatterns: config.priorityPatterns,
    failureLog,
    failureLogPath: config.failureLog,
    testFiles,
    preset: config.framework,
    cassetteDir: config.cassetteDir,
    cassetteFunctions: config.cassetteFunctions,
    manifest,
    shard: config.shard,
    cassetteExists: (cassette) => existsSync(at(cassette)),
    recordedAt: recordedAt && ((cassette) => recordedAt.get(cassette)),
    maxAgeMs: config.maxAgeMs,
  });
  if (plan.problems.length > 0) throw new ConfigError(plan.problems);
  if (collection) plan.mappedBy = collection.note;
  const testFileNames = testFiles.map((test) => test.file);
  return { plan: confinePlan(plan, cassetteRefusal(config.workingDirectory, new Set(testFileNames))), manifest, testFiles: testFileNames };
}

/** The framework's own answer (collect: auto, a preset that can give one); undefined when not asked. */
async function askFramework(config: Config, sources: readonly TestSource[]): Promise<Collection | undefined> {
  const collector = config.framework.collector;
  if (config.collect === 'off' || !collector) return undefined;
  const environment = { ...childEnvironment(config.runner.inherited, { apiKey: undefined, apiKeyEnv: undefined }) };
  // Nothing is requested while collecting: the key stays out of that process.
  if (config.apiKeyEnv) delete environment[config.apiKeyEnv];
  return collectCassettes({
    workingDirectory: config.workingDirectory,
    collector,
    command: config.command,
    testFiles: sources,
    project: sources[0]?.project,
    testDir: config.testDir,
    cassetteDir: config.cassetteDir,
    hookDirectory: hookDirectory(config.framework.name),
    environment,
    cacheFolder: collectCacheFolder(config.runner.inherited),
  });
}

function withCollected(test: TestSource, collected: FileCassettes | undefined): TestSource {
  return collected ? { ...test, collected } : test;
}

/** The last run's failures: from the previous run's artifacts when asked, else the working tree. */
function previousFailures(config: Config, warn: Warn): Promise<string[] | undefined> {
  return config.failuresFrom === 'artifact' ? fetchPreviousFailures(config) : readFailureLog(config, warn);
}

/**
 * Why a cassette path must never be touched, or undefined when it may be: outside the project,
 * inside .git/ or .rerecord/, a test file itself, or the config file.
 */
export function cassetteRefusal(workingDirectory: string, testFiles: ReadonlySet<string>): (cassette: string) => string | undefined {
  const checkConfined = confinement(workingDirectory);
  return (cassette) => {
    if (testFiles.has(cassette)) return `cassette ${JSON.stringify(cassette)} is a test file; refused`;
    if (path.posix.normalize(cassette) === CONFIG_FILE) return `cassette ${JSON.stringify(cassette)} is rerecord's config file ${CONFIG_FILE}, never a cassette; refused (it is neither moved aside nor re-recorded)`;
    try {
      checkConfined(cassette, 'cassette');
      return undefined;
    } catch (error) {
      if (error instanceof OutOfBoundsError) return error.message;
      throw error;
    }
  };
}
