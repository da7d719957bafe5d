// The replay check: after a file's new recordings passed inspection, the file runs once more with
// the library in its strict replay mode and the network refused. A recording that carries a
// timestamp or nonce, lost interactions or was truncated fails here, not in the project's own CI.
import type { VerifyMode } from '../config/inputs.js';
import { hasRecordHook, type FrameworkPreset, type HookPaths } from '../frameworks/preset.js';
import { LIBRARY_MISS } from '../frameworks/registry.js';
import { formatDuration } from '../text/format.js';
import type { ChildOutcome } from './child.js';
import { runTestProcess } from './test-process.js';
import type { RecordedCassette } from './inspect.js';
import { sha256File } from './vault.js';
import type { WarmRunner } from './warm-pool.js';
import type { Verified } from '../results/run-outcome.js';

/** `true`: replayed green; `false`: did not (or the file failed before); a string: why it was not replayed. */

export interface ReplaySettings {
  verify: VerifyMode;
  /** For custom: the command that replays one file; empty when not given. */
  replayCommand: readonly string[];
  /**
   * `record-host-map` is given: the recordings name another origin than the test process asks
   * (only the project's own replay set-up points its tests there), so they cannot be replayed here.
   */
  hostMapped?: boolean;
}

/** What the replay needs of the attempt's settings: the same launch, timeout, environment and redaction. */
export interface ReplayCheck {
  workingDirectory: string;
  preset: FrameworkPreset;
  command: readonly string[];
  timeoutMs: number;
  hookDirectory: string;
  /** The environment every test process gets: ours, minus action inputs, plus the key's variable. */
  childEnv: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Replaces every spelling of every secret in a test's captured output. */
  redact?: (text: string) => string;
  /** Replay the kept recordings offline before keeping them; undefined: do not. */
  replay?: ReplaySettings;
  /** Warm workers that fork the test processes; undefined: a fresh process per file. */
  warm?: WarmRunner;
  /**
   * Every test process, recording or replaying, runs inside one: never more at once than `workers`,
   * though an attempt hands its worker slot on once its recording process ended. Absent: unbounded.
   */
  processSlot?: <T>(run: () => Promise<T>) => Promise<T>;
}

export interface ReplayResult {
  verified: Verified;
  /** Why the recordings must not be kept; undefined when they may. */
  failure: string | undefined;
  /** The record run's outcome with the replay's output and time added, when the replay ran. */
  outcome: ChildOutcome | undefined;
}

/** A closed port on loopback: a request that gets past the library is refused at once, not hung. */
export const REFUSING_PROXY = 'http://127.0.0.1:9';

/** Outbound connections fail fast while replaying, for every client that reads the proxy variables. */
export const OFFLINE_ENV: Readonly<Record<string, string>> = Object.freeze({
  HTTP_PROXY: REFUSING_PROXY,
  HTTPS_PROXY: REFUSING_PROXY,
  http_proxy: REFUSING_PROXY,
  https_proxy: REFUSING_PROXY,
  ALL_PROXY: REFUSING_PROXY,
  all_proxy: REFUSING_PROXY,
  NO_PROXY: '',
  no_proxy: '',
});

/**
 * Replays `file` against the cassettes it kept. `noiseOnly`: the kept cassettes (as `relative`
 * names them) put back to their old bytes; when that is all of them nothing new needs proving.
 */
export async function verifyReplay(
  absoluteFile: string,
  kept: readonly RecordedCassette[],
  noiseOnly: readonly string[],
  relative: (absolutePath: string) => string,
  recorded: ChildOutcome | undefined,
  check: ReplayCheck,
): Promise<ReplayResult> {
  const skipped = (why: string): ReplayResult => ({ verified: `skipped: ${why}`, failure: undefined, outcome: recorded });
  const settings = check.replay ?? { verify: 'none', replayCommand: [] };
  if (settings.verify === 'none') return skipped('verify is none');
  if (kept.length === 0) return skipped('no recordings kept');
  const reverted = new Set(noiseOnly);
  if (kept.every(({ cassette }) => reverted.has(relative(cassette)))) return skipped('only noise changed; the old recordings were put back');
  if (settings.hostMapped) return skipped('record-host-map rewrote the origin, which the tests only ask for in their own replay set-up');
  // Without a record hook rerecord cannot switch the library to strict replay: only the user's replay-command can.
  const ownCommand = !hasRecordHook(check.preset);
  if (ownCommand && settings.replayCommand.length === 0) return skipped(`no replay-command for framework ${check.preset.name}`);

  const hook: HookPaths = { hookDirectory: check.hookDirectory, journal: '', backupDirectory: '', mode: 'replay' };
  const launch = check.preset.launch(absoluteFile, ownCommand ? settings.replayCommand : check.command, hook, check.childEnv);
  const before = await hashes(kept);
  const inSlot = check.processSlot ?? ((run) => run());
  const replayed = await inSlot(() => runTestProcess(absoluteFile, {
    command: launch.command,
    args: launch.args,
    cwd: check.workingDirectory,
    env: { ...check.childEnv, ...launch.env, ...OFFLINE_ENV, RERECORD_ROOT: check.workingDirectory },
    timeoutMs: check.timeoutMs,
    signal: check.signal,
    // Spread, so that it reaches runChild wherever the run core redacts the test's output.
    ...(check.redact ? { redact: check.redact } : {}),
  }, ownCommand ? undefined : check.warm));
  const outcome = combine(recorded, replayed);
  const failure = replayFailure(replayed, check.timeoutMs) ?? (await rewritten(before, relative));
  return { verified: failure === undefined, failure: failure === undefined ? undefined : `recording does not replay: ${failure}`, outcome };
}

function replayFailure(outcome: ChildOutcome, timeoutMs: number): string | undefined {
  if (outcome.spawnError) return outcome.spawnError;
  if (outcome.cancelled) return 'cancelled: the run was interrupted';
  if (outcome.timedOut) return `timed out after ${formatDuration(timeoutMs)} while replaying; its process tree was killed`;
  if (outcome.signal) return `killed by ${outcome.signal} while replaying`;
  if (outcome.crash) return `${outcome.crash} while replaying`;
  if (outcome.survivors.length > 0) return `processes the replay started would not die (${outcome.survivors.map((p) => p.pid).join(', ')})`;
  if (outcome.exitCode !== 0) return firstFailureLine(outcome.output) ?? `tests failed (exit code ${outcome.exitCode})`;
  return undefined;
}

/** A replay writes nothing: a cassette it changed was still being recorded into, so it is not final. */
async function rewritten(before: ReadonlyMap<string, string>, relative: (absolutePath: string) => string): Promise<string | undefined> {
  const changed: string[] = [];
  for (const [cassette, hash] of before) {
    const now = await sha256File(cassette).catch(() => undefined);
    if (now !== hash) changed.push(relative(cassette));
  }
  return changed.length === 0 ? undefined : `replaying changed ${changed.join(', ')} (the library recorded again)`;
}

async function hashes(kept: readonly RecordedCassette[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const { cassette } of kept) {
    const hash = await sha256File(cassette).catch(() => undefined);
    if (hash !== undefined) result.set(cassette, hash);
  }
  return result;
}

/** Without a library's words (LIBRARY_MISS, from each preset), the runner's own first failure marker. */
const RUNNER_FAILURE = /^(?:not ok\b|FAILED\b|E\s{2,}\S|Failure\b|\s*\d+\)\s|──\s*(?:Error|Failure)\b|Error\b|.*\b(?:Error|Exception|AssertionError)\b:)/;

export function firstFailureLine(output: string): string | undefined {
  const lines = output.split('\n').map((line) => line.trim());
  // pytest echoes the source that raised (`>   raise ...`) before the error itself (`E   ...`).
  const find = (pattern: RegExp) => lines.findIndex((line) => line.length > 0 && !line.startsWith('>') && pattern.test(line));
  let index = find(LIBRARY_MISS);
  if (index === -1) index = find(RUNNER_FAILURE);
  if (index === -1) return undefined;
  let text = lines[index]!.replace(/^(?:E\s+|#\s+)/, '');
  // "...does not know how to handle:" / "No match for request {": the request follows on the next lines.
  // ... and pytest's error block (`E ...` lines) goes on with the request that had no match.
  const continued = /[:{[]$/.test(text);
  const pytestBlock = /^E\s/.test(lines[index]!);
  for (let next = index + 1; next < lines.length && lines[next] !== '' && text.length < 200 && (continued || (pytestBlock && /^E\s/.test(lines[next]!))); next++) {
    text += ` ${lines[next]!.replace(/^(?:E\s+|#\s+)/, '')}`;
  }
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

function combine(recorded: ChildOutcome | undefined, replayed: ChildOutcome): ChildOutcome {
  if (!recorded) return replayed;
  return {
    ...replayed,
    output: `${recorded.output.replace(/\s+$/, '')}\n\n--- rerecord: replaying the new recordings offline ---\n${replayed.output}`,
    durationMs: recorded.durationMs + replayed.durationMs,
    strays: [...recorded.strays, ...replayed.strays],
  };
}
