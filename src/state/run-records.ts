// What a run leaves for the next one: the failure log (text and JSON twin) and the manifest.
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import type { FileResult } from '../results/run-outcome.js';
import { failureLogText, failureReport, failuresToCarry, jsonTwinPath, parseFailureLog, parseFailureReport, type FailureEntry } from './failure-log.js';
import { addLearnedNoise, EMPTY_MANIFEST, mergeManifest, parseManifest, serializeManifest, type Manifest } from './manifest.js';
import { readOwnFile, writeOwnFile } from './own-files.js';
import { MANIFEST_PATH } from './paths.js';

/**
 * Checkpoints list every selected file not yet re-recorded, so a crash still leaves a usable
 * `--failures` list. The JSON twin first: it is what `mode: failures` reads, and a failure writing
 * the text form after it leaves the two consistent in what runs next.
 */
export async function writeFailureReports(
  config: Config,
  redactor: { redactDeep<T>(value: T): T },
  results: readonly FileResult[],
  selected: readonly string[],
  timing: { startedAt: Date; finishedAt: Date },
  carried: readonly FailureEntry[] = [],
): Promise<void> {
  const finished = new Set(results.map((result) => result.file));
  const pending = selected.filter((file) => !finished.has(file));
  const report = failureReport(results, timing, `${config.shard.index}/${config.shard.count}`, pending, undefined, carried);
  await writeOwnFile(config.workingDirectory, jsonTwinPath(config.failureLog), `${JSON.stringify(redactor.redactDeep(report), null, 2)}\n`);
  await writeOwnFile(config.workingDirectory, config.failureLog, failureLogText(report.toRerun));
}

/**
 * The failures of the last report in the working tree that this run keeps (see failuresToCarry).
 * Read before the run's first checkpoint overwrites it; an unreadable or foreign report carries
 * nothing (a warning says so: `mode: failures` then runs what this run lists).
 */
export async function earlierFailures(
  config: Pick<Config, 'workingDirectory' | 'failureLog'>,
  selected: ReadonlySet<string>,
  testFiles: ReadonlySet<string>,
  warn: (message: string) => void,
): Promise<FailureEntry[]> {
  const twin = jsonTwinPath(config.failureLog);
  try {
    const report = await readOwnFile(config.workingDirectory, twin);
    if (report !== undefined) return failuresToCarry(parseFailureReport(report.toString('utf8'), twin), selected, testFiles);
    const text = await readOwnFile(config.workingDirectory, config.failureLog);
    if (text === undefined) return [];
    const names = parseFailureLog(text.toString('utf8'), config.failureLog);
    return failuresToCarry({ version: 1, startedAt: '', finishedAt: '', shard: '', summary: { selected: 0, succeeded: 0, failed: 0, notRun: 0 }, toRerun: names, files: [] }, selected, testFiles);
  } catch (error) {
    warn(`the earlier failure log could not be read, so its failures are not carried over: ${(error as Error).message}`);
    return [];
  }
}

export async function writeManifest(config: Config, manifest: Manifest, results: readonly FileResult[]): Promise<void> {
  const ran = results.filter((result) => result.status !== 'not-run');
  if (ran.length === 0) return;
  const learned = ran.map((result) => ({
    file: result.file,
    cassettes: result.journaled,
    succeeded: result.status === 'succeeded',
    durationMs: result.durationMs / Math.max(1, result.attempts),
    requests: result.requests,
    // A passing file with none left unwritten clears what the manifest remembered.
    unwritten: result.unwritten ?? [],
  }));
  const noise = ran.flatMap((result) => (result.status === 'succeeded' ? (result.learnedNoise ?? []) : []));
  await writeOwnFile(config.workingDirectory, MANIFEST_PATH, serializeManifest(addLearnedNoise(mergeManifest(manifest, learned), noise)));
}

/** The committed manifest; a problem with it (a symlink, not rerecord's JSON) is exit 2 naming it. */
export async function readManifest(workingDirectory: string): Promise<Manifest> {
  try {
    const bytes = await readOwnFile(workingDirectory, MANIFEST_PATH);
    return bytes === undefined ? EMPTY_MANIFEST : parseManifest(bytes.toString('utf8'), MANIFEST_PATH);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}
