// The stages both entry points share: config -> plan -> execute -> reports on disk.
// Effects live here and in run/; planning stays pure in plan/.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { readCassettes } from './discover/cassette-files.js';
import { listCassetteFiles } from './discover/recording-dates.js';
import { findTestFiles, readSources } from './discover/test-files.js';
import { hookDirectory } from './frameworks/hook-directory.js';
import { buildPlan, type Plan } from './plan/plan.js';
import { failureLogText, failureReport, filesToRerun, jsonTwinPath, parseFailureLog, parseFailureReport } from './state/failure-log.js';
import type { Logger } from './report/logger.js';
import { EMPTY_MANIFEST, mergeManifest, parseManifest, serializeManifest, type Manifest } from './state/manifest.js';
import { entryNumbers } from './report/format.js';
import { Progress } from './report/progress.js';
import type { Redactor } from './report/redact.js';
import { parsePoisonStatuses } from './cassettes/poison.js';
import { findLeaks, type Secret } from './cassettes/leaks.js';
import { executePlan, type FileResult } from './run/execute.js';
import { Governor, type PaceReport } from './run/governor.js';
import { keyScanNotice, type InspectSettings } from './run/inspect.js';
import { AttemptPeers } from './run/peers.js';
import { recoverRunFolder } from './run/recover.js';
import { TreeWatch, WATCH_LIMIT } from './run/tree-watch.js';
import { CONFIG_FILE } from './config/config-file.js';
import type { WarmPool } from './run/warm-pool.js';
import { Vault } from './run/vault.js';
import { readOwnFile, writeOwnFile } from './state/own-files.js';
import { StateFolder } from './state/state-folder.js';
import { confinement, isConfined, MANIFEST_PATH, OutOfBoundsError, projectRelative } from './state/paths.js';
import type { FileMapping } from './plan/map.js';

export { MANIFEST_PATH };

export interface PlannedRun {
  plan: Plan;
  manifest: Manifest;
  /** Every test file found (relative), selected or not: none is ever a cassette. */
  testFiles: string[];
}

/** Where planning's warnings go (a shallow clone that cannot date cassettes): the action's annotations, the CLI's stderr. */
export type Warn = (message: string) => void;

/** `mode` overrides the configured one: audit looks at every test file whatever the mode. */
export async function planRun(config: Config, warn: Warn, mode = config.mode): Promise<PlannedRun> {
  const at = (relative: string) => path.resolve(config.workingDirectory, relative);
  const testFiles = await readSources(config.workingDirectory, await findTestFiles(config.workingDirectory, config.testDir, config.testPattern));
  const manifest = await readManifest(config.workingDirectory);
  const failureLog = mode === 'failures' ? await readFailureLog(config, warn) : undefined;
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
  const testFileNames = testFiles.map((test) => test.file);
  return { plan: confinePlan(plan, config.workingDirectory, new Set(testFileNames)), manifest, testFiles: testFileNames };
}

/**
 * Drop every cassette path that must never be touched (outside the project, inside .git/ or
 * .rerecord/, a test file itself, or the config file), wherever it came from (source, manifest),
 * with a note each.
 */
export function confinePlan(plan: Plan, workingDirectory: string, testFiles: ReadonlySet<string>): Plan {
  const notes: string[] = [];
  const checkConfined = confinement(workingDirectory);
  const refusal = (cassette: string): string | undefined => {
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
  const confined = new Map<FileMapping, FileMapping>();
  const confine = (mapping: FileMapping): FileMapping => {
    let kept = confined.get(mapping);
    if (kept) return kept;
    const cassettes = mapping.cassettes.filter((cassette) => {
      const why = refusal(cassette);
      if (why && !notes.includes(`${mapping.file}: ${why}`)) notes.push(`${mapping.file}: ${why}`);
      return why === undefined;
    });
    kept = cassettes.length === mapping.cassettes.length ? mapping : { ...mapping, cassettes };
    confined.set(mapping, kept);
    return kept;
  };
  const mappings = plan.mappings.map(confine);
  return {
    ...plan,
    mappings,
    files: plan.files.map(confine),
    lanes: plan.lanes.map((lane) => ({ ...lane, files: lane.files.map(confine) })),
    notes: [...plan.notes, ...notes],
  };
}

/**
 * The last run's failure log: from the working tree, or from the previous run's artifacts. The JSON
 * twin is the source of truth; the text form is read only when there is no twin.
 */
async function readFailureLog(config: Config, warn: Warn): Promise<string[] | undefined> {
  if (config.failuresFrom === 'artifact') {
    const { fetchPreviousFailures } = await import('./publish/previous-failures.js');
    return fetchPreviousFailures(config);
  }
  const twin = jsonTwinPath(config.failureLog);
  try {
    const report = await readOwnFile(config.workingDirectory, twin);
    const text = await readOwnFile(config.workingDirectory, config.failureLog).catch(() => undefined);
    if (report !== undefined) {
      const files = parseFailureReport(report.toString('utf8'), twin).toRerun;
      if (text !== undefined && !sameFiles(files, text.toString('utf8'), config.failureLog)) {
        warn(`${config.failureLog} does not list what ${twin} lists (edited, or cut short); ${twin} is the source of truth and is what runs: edit its "toRerun" list, or delete it to run what ${config.failureLog} lists`);
      }
      return projectRelativeLines(config, files, twin);
    }
    return text === undefined ? undefined : projectRelativeLines(config, parseFailureLog(text.toString('utf8'), config.failureLog), config.failureLog);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError([(error as Error).message]);
  }
}

function sameFiles(files: readonly string[], text: string, where: string): boolean {
  try {
    const listed = parseFailureLog(text, where);
    return listed.length === files.length && listed.every((file, index) => file === files[index]);
  } catch {
    return false;
  }
}

/** Failure logs may hold absolute paths (the old scripts wrote them); inside the project they are read as relative ones. */
function projectRelativeLines(config: Config, lines: readonly string[], where: string): string[] {
  const outside: number[] = [];
  const relative = lines.map((line, index) => {
    if (!path.isAbsolute(line)) return line;
    const inside = projectRelative(config.workingDirectory, line);
    if (inside.startsWith('../') || inside === '..') outside.push(index + 1);
    return inside;
  });
  if (outside.length > 0) {
    throw new ConfigError([`${where}: ${outside.length} of the ${lines.length} files it lists are outside the working directory ${config.workingDirectory} (${entryNumbers(outside)}, not shown); remove them`]);
  }
  return relative;
}

async function recordingDates(config: Config, warn: Warn): Promise<Map<string, Date | undefined>> {
  const cassettes = await listCassetteFiles(config.workingDirectory, config.cassetteDir);
  const read = await readCassettes(config.workingDirectory, cassettes, config.cassetteDir, warn);
  return new Map(read.map((cassette) => [cassette.path, cassette.recordedAt]));
}

export interface RunIo {
  logger: Logger;
  redactor: Redactor;
  signal: AbortSignal;
  /** Test hooks only: shortens retry backoff. */
  backoffBaseMs?: number;
}

export interface RunOutcome {
  results: FileResult[];
  interrupted: boolean;
  startedAt: Date;
  finishedAt: Date;
  /** Problems of the run as a whole (a report that could not be written, a transaction left for `rerecord recover`). */
  runWarnings: string[];
  /** How the run kept to the API's pace: requests, throttling absorbed, waits, concurrency. */
  pace?: PaceReport;
  /** How the test processes were started: forked from warm workers, or fresh (and why). */
  processes?: string;
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
  const keepStateFolder = () => stateFolder.check().then((moved) => moved && warnOnce(moved), (error: Error) => warnOnce(error.message));
  const writeReports = async (results: readonly FileResult[], finishedAt = new Date()) => {
    await keepStateFolder();
    await writeFailureReports(config, io.redactor, results, selected, { startedAt, finishedAt }).catch((error: Error) => warnOnce(`could not write the failure log ${config.failureLog}: ${error.message}`));
  };
  const keyNotice = keyScanNotice(inspectSettings(config));
  if (keyNotice) io.logger.warning(keyNotice);
  const { watch, truncated } = await TreeWatch.start(watchedFolders(config, planned.plan), { watch: true });
  if (truncated) io.logger.warning(`the cassette folders hold over ${WATCH_LIMIT.files} files: files no journal names are not watched in this run`);
  const vault = await Vault.create(config.workingDirectory, watch.roots, watch.files());
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
        childEnv: childEnvironment(process.env, config),
        vault,
        signal: io.signal,
        inspect: inspectSettings(config),
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

/**
 * A file nobody named that changed while several files ran cannot be pinned on one of them. When
 * in doubt it is not kept: back to how the run found it if any file that ran alongside failed, or
 * if it holds a secret; otherwise kept, and said.
 */
async function settleForeignChanges(results: readonly FileResult[], vault: Vault, config: Config): Promise<{ problems: string[]; notes: string[] }> {
  const failed = new Set(results.filter((result) => result.status !== 'succeeded').map((result) => result.file));
  const secrets = secretsOf(config);
  const problems: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const result of results) {
    for (const { file, alongside } of result.foreign ?? []) {
      if (seen.has(file)) continue;
      seen.add(file);
      const writers = [result.file, ...alongside];
      const name = projectRelative(config.workingDirectory, file);
      const failedWriter = writers.find((writer) => failed.has(writer));
      const leaked = failedWriter ? false : await holdsSecret(file, secrets);
      if (failedWriter || leaked) {
        const restored = await vault.putBack(vault.baselineOf(file) ?? { path: file, kind: 'absent' }).then(
          () => undefined,
          (error: Error) => error.message,
        );
        if (restored !== undefined) {
          problems.push(`${name} changed while ${writers.join(', ')} ran and could not be put back: ${restored}`);
          continue;
        }
        (leaked ? problems : notes).push(`${name} changed while ${writers.join(', ')} ran, and no journal or mapping names it; ${failedWriter ? `${failedWriter} failed` : 'it holds a secret'}, so it was put back as the run found it`);
      } else {
        notes.push(`${name} changed while ${writers.join(', ')} ran, and no journal or mapping names it; all of them passed, so it was kept: name it in cassette-functions or run with --workers 1 to pin it on one file`);
      }
    }
  }
  return { problems, notes };
}

async function holdsSecret(file: string, secrets: readonly Secret[]): Promise<boolean> {
  if (secrets.length === 0) return false;
  const text = await readFile(file, 'utf8').catch(() => '');
  return findLeaks(text, secrets).length > 0;
}

/** The cassette folder, and the folder of every cassette the plan names (all inside the project). */
function watchedFolders(config: Config, plan: Plan): string[] {
  const at = (relative: string) => path.resolve(config.workingDirectory, relative);
  const folders = [config.cassetteDir, ...plan.files.flatMap((mapping) => mapping.cassettes.map((cassette) => path.posix.dirname(cassette)))];
  return [...new Set(folders)].filter((folder) => isConfined(config.workingDirectory, path.posix.join(folder, 'x'))).map(at).filter((folder) => existsSync(folder));
}

/**
 * A kept cassette whose bytes changed after it was kept had a writer that outlived its test: the
 * file fails and the cassette goes back to how the run found it.
 */
async function refuseLateWrites(results: FileResult[], vault: Vault, config: Config): Promise<FileResult[]> {
  const checked: FileResult[] = [];
  for (const result of results) {
    const late: string[] = [];
    for (const [cassette, hash] of result.keptHashes ?? []) {
      const now = (await vault.hashOf(cassette).catch(() => undefined)) ?? 'gone';
      if (now !== hash) late.push(cassette);
    }
    if (late.length === 0) {
      checked.push(result);
      continue;
    }
    for (const cassette of late) await vault.putBack(vault.baselineOf(cassette) ?? { path: cassette, kind: 'absent' });
    const names = late.map((cassette) => projectRelative(config.workingDirectory, cassette));
    checked.push({
      ...result,
      status: 'failed',
      reason: `written to after it was kept: ${names.join(', ')} (a process outlived its test?); restored to how the run found it`,
      cassettes: result.cassettes.map((entry) => (names.includes(entry.cassette) ? { ...entry, outcome: 'restored' } : entry)),
      drift: [],
    });
  }
  return checked;
}

/** The key and every extra secret, named for findings (never shown). */
export function secretsOf(config: Pick<Config, 'apiKey' | 'extraSecrets'>): Secret[] {
  const extra = config.extraSecrets.map((value, index) => ({ name: `extra-secrets[${index + 1}]`, value }));
  return [...(config.apiKey ? [{ name: 'api-key', value: config.apiKey }] : []), ...extra];
}

function inspectSettings(config: Config): InspectSettings {
  return {
    diff: { volatileHeaders: config.volatileHeaders, volatileFields: config.volatileFields },
    isPoison: parsePoisonStatuses(config.poisonStatuses),
    secrets: secretsOf(config),
    onLeak: config.onLeak,
    placeholder: config.placeholder,
    hostMap: config.recordHostMap,
  };
}

/**
 * Test processes get our environment without the action's INPUT_* variables (one of them is the
 * key under another name), and the key only under the name the tests read.
 */
export function childEnvironment(env: NodeJS.ProcessEnv, config: Pick<Config, 'apiKey' | 'apiKeyEnv'>): NodeJS.ProcessEnv {
  const child = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('INPUT_')));
  if (config.apiKeyEnv && config.apiKey) child[config.apiKeyEnv] = config.apiKey;
  return child;
}

/**
 * Checkpoints list every selected file not yet re-recorded, so a crash still leaves a usable
 * `--failures` list. The JSON twin first: it is what `mode: failures` reads, and a failure writing
 * the text form after it leaves the two consistent in what runs next.
 */
async function writeFailureReports(
  config: Config,
  redactor: Redactor,
  results: readonly FileResult[],
  selected: readonly string[],
  timing: { startedAt: Date; finishedAt: Date },
): Promise<void> {
  const finished = new Set(results.map((result) => result.file));
  const pending = selected.filter((file) => !finished.has(file));
  const report = failureReport(results, timing, `${config.shard.index}/${config.shard.count}`, pending);
  await writeOwnFile(config.workingDirectory, jsonTwinPath(config.failureLog), `${JSON.stringify(redactor.redactDeep(report), null, 2)}\n`);
  await writeOwnFile(config.workingDirectory, config.failureLog, failureLogText(filesToRerun(results, pending)));
}

async function writeManifest(config: Config, manifest: Manifest, results: readonly FileResult[]): Promise<void> {
  const ran = results.filter((result) => result.status !== 'not-run');
  if (ran.length === 0) return;
  const learned = ran.map((result) => ({
    file: result.file,
    cassettes: result.journaled,
    succeeded: result.status === 'succeeded',
    durationMs: result.durationMs / Math.max(1, result.attempts),
    requests: result.requests,
  }));
  await writeOwnFile(config.workingDirectory, MANIFEST_PATH, serializeManifest(mergeManifest(manifest, learned)));
}

/** The committed manifest; a problem with it (a symlink, not rerecord's JSON) is exit 2 naming it. */
async function readManifest(workingDirectory: string): Promise<Manifest> {
  try {
    const bytes = await readOwnFile(workingDirectory, MANIFEST_PATH);
    return bytes === undefined ? EMPTY_MANIFEST : parseManifest(bytes.toString('utf8'), MANIFEST_PATH);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}
