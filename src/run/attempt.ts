// One attempt at one test file: snapshot -> child with the record hook -> journal -> inspect ->
// keep or restore. Whatever goes wrong inside, it stays with this file: the attempt fails with the
// reason and every cassette it may have touched is put back; the run goes on.
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CassetteDiff } from '../cassettes/diff.js';
import { hasRecordHook } from '../frameworks/preset.js';
import { DEFAULT_POISON_STATUSES, parsePoisonStatuses } from '../cassettes/poison.js';
import { composeReason, environmentError, firstFailure } from '../frameworks/failure-reason.js';
import { formatDuration } from '../text/format.js';
import { authRefusal, recordedStatuses } from './recorded-statuses.js';
import { projectRelative } from '../state/paths.js';
import { leftoverNote, type ChildOutcome } from './child.js';
import { runTestProcess } from './test-process.js';
import { probeNoise } from './probe-noise.js';
import { describeLearnedNoise, mergeLearnedNoise, type LearnedNoise } from '../cassettes/learn-noise.js';
import { inspectRecordings, type Inspection, type InspectSettings, type RecordedCassette } from './inspect.js';
import { readJournal, type JournalEntry } from './journal.js';
import { verifyReplay, type ReplayCheck } from './replay.js';
import type { CassetteOutcome, CassetteOutcomeKind, Verified } from '../results/run-outcome.js';
import type { AttemptPeers, Conflict } from './peers.js';
import { scanRecordings, type RateLimitSign, type RecordingScan } from './rate-limited.js';
import { checkReadable } from './readable.js';
import type { TreeWatch } from './tree-watch.js';
import { sha256File, type AttemptVault, type RestoreReport, type Vault } from './vault.js';

const DEFAULT_POISON = parsePoisonStatuses(DEFAULT_POISON_STATUSES);

/** The replay's settings (launch, timeout, environment, redaction) and what recording needs besides. */
export interface AttemptSettings extends ReplayCheck {
  vault: Vault;
  /** Leak, poison and noise checks on new recordings; undefined keeps them as recorded. */
  inspect?: InspectSettings;
  /** learn-noise: record a file whose recording drifted a second time and learn what varies (record-hook frameworks only). */
  learnNoise?: boolean;
  /** Scans the cassette folders for files nobody named; undefined when too large to watch. */
  watch?: TreeWatch;
  peers: AttemptPeers;
  /** Files that are never cassettes, whatever a journal says (absolute): the test files and the config file. */
  neverCassettes?: ReadonlySet<string>;
  /** rerecord's own folder as the run pinned it: `check` puts it back (saying so) when a test moved it away. */
  stateFolder?: { check(): Promise<string | undefined> };
}

export interface AttemptResult {
  succeeded: boolean;
  cancelled: boolean;
  reason: string;
  exitCode: number | null;
  durationMs: number;
  output: string;
  cassettes: CassetteOutcome[];
  /** What the hook saw the file open (relative paths); undefined without a hook. */
  journaled: string[] | undefined;
  /** Real changes in the cassettes kept. */
  drift: CassetteDiff[];
  warnings: string[];
  /** Kept cassettes (absolute) and their sha256 when kept: a later change means a late writer. */
  keptHashes: Map<string, string>;
  /** Another file wrote the same cassette at the same time: retry once those files are done. */
  collidedWith: string[];
  /** Resolves when the attempts it collided with have ended. */
  retryAfter?: Promise<void>;
  /** Files nobody named that changed while other files ran too (absolute), with the files that ran alongside. */
  foreign: Array<{ file: string; alongside: string[] }>;
  /**
   * A failed attempt without a record hook: cassettes of files that ran alongside (absolute) that
   * changed while it ran. Its test may have written them; nothing tells whose bytes they hold.
   */
  mayHaveWritten: Array<{ cassette: string; files: string[] }>;
  /** Paths it could not put back (their backups stay in .rerecord/txn/ for `rerecord recover`). */
  unrestored: string[];
  /** Whether the kept recordings replayed offline (false when the file failed). */
  verified: Verified;
  /** Requests its new recordings hold (counted before anything was kept or restored). */
  requests: number;
  /** learn-noise: what the second recording taught, per endpoint. */
  learnedNoise?: LearnedNoise[];
  /** learn-noise: requests of the second recording, included in `requests` (the budget) but not in what the kept recordings hold. */
  probeRequests?: number;
  /** The API throttled it (429, or 503 with Retry-After): not the file's fault, retried after the wait. */
  rateLimited?: RateLimitSign;
  /** Its requests per API host, as its new recordings hold them (for the governor). */
  hosts?: RecordingScan['hosts'];
  /** When its test process ran (performance.now()): when its requests were made. */
  requestSpan?: { from: number; to: number };
  /** A runtime or library that would not load, or the API refusing the key: the same for every file, so never retried. */
  environmentError?: string | undefined;
  /** The failure would come back on a retry (a leaked secret, a 404 the old recording did not have): not retried. */
  final?: boolean;
}

/** The worker slot an attempt holds from its start; `free` hands it on before the attempt ends. */
export interface WorkerSlot {
  free(): void;
}

interface Observed {
  outcome: ChildOutcome | undefined;
  journal: JournalEntry[];
  refused: string[];
  /** Touched paths whose folder a test swapped for a link leading outside: never read, left alone. */
  escaped: string[];
  /** Without a record hook: other running files' cassettes that changed while this one ran. */
  othersChanged: Array<{ cassette: string; files: string[] }>;
  /** Changed files under the watched folders that nobody named, attributed to this attempt. */
  unnamed: string[];
  /** Changed files nobody named while other files ran too: reported, not ours to keep or restore. */
  foreign: string[];
  /** What the new recordings hold, read before anything is kept or restored. */
  scan?: RecordingScan;
  /** When the test process started (epoch ms): a file older than this is not the test's new file. */
  childStartedAt: number;
  /** When the test process started and ended (performance.now()). */
  requestSpan?: { from: number; to: number };
}

export async function runAttempt(file: string, cassettes: readonly string[], settings: AttemptSettings, slot?: WorkerSlot): Promise<AttemptResult> {
  const absolute = (relative: string) => path.resolve(settings.workingDirectory, relative);
  const relative = (absolutePath: string) => projectRelative(settings.workingDirectory, absolutePath);
  const started = performance.now();
  const observed: Observed = { outcome: undefined, journal: [], refused: [], escaped: [], othersChanged: [], unnamed: [], foreign: [], childStartedAt: Date.now() };
  let vault: AttemptVault | undefined;
  let childStarted = false;
  let reason: string | undefined;
  let inspected: Inspection | undefined;
  let collidedWith: string[] = [];
  let collisions: Conflict[] = [];
  const warnings: string[] = [];
  let learnedNoise: LearnedNoise[] | undefined;
  let probeRequests = 0;
  const peerId = settings.peers.begin(file, cassettes.map(absolute));
  try {
    // Another file's test may have moved .rerecord/ away: the transaction opens only in the real one.
    const movedBefore = await settings.stateFolder?.check();
    if (movedBefore) warnings.push(movedBefore);
    vault = await settings.vault.openAttempt(file);
    settings.peers.followJournal(peerId, vault.journal);
    await vault.snapshot(cassettes.map(absolute));
    childStarted = true;
    observed.childStartedAt = Date.now();
    if (!hasRecordHook(settings.preset)) await vault.moveAside();
    const launch = settings.preset.launch(absolute(file), settings.command, {
      hookDirectory: settings.hookDirectory,
      journal: vault.journal,
      backupDirectory: vault.backupDirectory,
    }, settings.childEnv);
    const inSlot = settings.processSlot ?? ((run) => run());
    const record = () => inSlot(() =>
      runTestProcess(absolute(file), {
        command: launch.command,
        args: launch.args,
        cwd: settings.workingDirectory,
        env: { ...settings.childEnv, ...launch.env, RERECORD_ROOT: settings.workingDirectory },
        timeoutMs: settings.timeoutMs,
        signal: settings.signal,
        redact: settings.redact,
      }, settings.warm));
    const childFrom = performance.now();
    observed.outcome = await record();
    observed.requestSpan = { from: childFrom, to: performance.now() };
    // Before anything is written to it: the real .rerecord/, whatever a test did to it. The
    // transaction is in the vault, so what the test recorded stands; the run says what happened.
    const moved = await settings.stateFolder?.check();
    if (moved) warnings.push(moved);
    const leftover = leftoverNote(observed.outcome);
    if (leftover) warnings.push(leftover);
    await observe(observed, vault, peerId, settings);
    observed.scan = await scanRecordings(
      readable(vault, observed).map((cassette) => ({ cassette, original: originalCopy(vault!, cassette, observed.journal) })),
      Date.now,
      observed.childStartedAt,
    );
    if (slot && passedCleanly(observed, settings)) slot.free();
    collisions = await settings.peers.conflicts(peerId, vault.touched(observed.journal, observed.unnamed));
    if (collisions.length > 0) {
      collidedWith = [...new Set(collisions.flatMap((collision) => collision.files))].sort();
      reason = `shared ${collisions.map((c) => relative(c.cassette)).join(', ')} with ${collidedWith.join(', ')}, which ran at the same time (a cassette name computed at run time); retried after it`;
    }
    reason ??= rateLimitedReason(observed.outcome, observed.scan);
    reason ??= failureReason(observed.outcome, settings.timeoutMs) ?? refusedReason(observed.refused) ?? escapedReason(observed.escaped, relative) ?? (await unrecordedReason(vault, observed.journal, relative));
    if (reason === undefined) {
      const kept = await keptCassettes(vault, observed, !hasRecordHook(settings.preset));
      const readability = await checkReadable(kept, relative, settings.preset);
      reason = readability.failure;
      warnings.push(...readability.warnings);
      let inspection = reason === undefined && settings.inspect ? await inspectRecordings(kept, settings.inspect, relative) : undefined;
      inspected = inspection;
      reason ??= inspection?.failure;
      if (reason === undefined && inspection && settings.inspect && settings.learnNoise && hasRecordHook(settings.preset) && inspection.drift.some((diff) => diff.status === 'changed')) {
        const journal = vault.journal;
        const probe = await probeNoise({
          kept,
          drift: inspection.drift,
          relative,
          recordAgain: record,
          journaled: async () => (await readJournal(journal)).map((entry) => entry.cassette),
          saveDirectory: path.join(vault.backupDirectory, 'learn-noise'),
          volatilePaths: settings.inspect.diff.volatilePaths ?? [],
        });
        if (observed.scan) observed.scan.requests += probe.requests;
        probeRequests = probe.requests;
        if (probe.note) warnings.push(probe.note);
        reason = probe.failure;
        if (reason === undefined && probe.learned.length > 0) {
          learnedNoise = probe.learned;
          warnings.push(...describeLearnedNoise(probe.learned));
          const diff = { ...settings.inspect.diff, learnedNoise: mergeLearnedNoise(settings.inspect.diff.learnedNoise ?? [], probe.learned) };
          inspection = await inspectRecordings(kept, { ...settings.inspect, diff }, relative);
          inspected = inspection;
          reason = inspection.failure;
        }
      }
      const replay = reason === undefined ? await verifyReplay(absolute(file), kept, inspection?.noiseOnly ?? [], relative, observed.outcome, settings) : undefined;
      observed.outcome = replay?.outcome ?? observed.outcome;
      reason ??= replay?.failure;
      if (reason === undefined) {
        const keptHashes = await hashKept(kept);
        await vault.settle([...keptHashes.keys()]);
        await settings.watch?.accept(vault.touched(observed.journal, observed.unnamed));
        settings.peers.settled(peerId);
        return { ...baseOf(observed, started, relative, settings), ...keptResult(kept, inspection, relative, warnings), keptHashes, collidedWith, mayHaveWritten: [], unrestored: [], verified: replay!.verified, ...foreignOf(observed, peerId, settings), ...(learnedNoise ? { learnedNoise } : {}), ...(probeRequests > 0 ? { probeRequests } : {}) };
      }
    }
  } catch (error) {
    reason = `internal error: ${(error as Error).message ?? String(error)}`;
  } finally {
    settings.peers.end(peerId);
  }
  const explained = await explainFailure(reason!, observed, vault, settings, relative).catch((error: Error) => ({ reason: `${reason!}; ${error.message}`, environmentError: undefined, statusCodes: [] as number[] }));
  reason = explained.reason;
  // A cassette that a still-running file also writes is left to that file: it restores it when it ends.
  const leaveToOthers = new Set(collisions.filter((collision) => collision.othersRunning).map((collision) => collision.cassette));
  const fromBaseline = new Set(collisions.filter((collision) => !collision.othersRunning).map((collision) => collision.cassette));
  // Until its cassettes are back and the tree watch knows, they are still this file's: a file
  // started after its test ended must not take the restore for a change nobody named.
  const restored = await putEverythingBack(vault, observed, childStarted, { skip: leaveToOthers, fromBaseline }, settings).finally(() => settings.peers.settled(peerId));
  const unrestored = restored.failed.map((failure) => relative(failure.cassette));
  if (unrestored.length > 0) {
    reason += `; could not restore ${restored.failed.map((f) => `${relative(f.cassette)} (${f.error})`).join(', ')}: what it saved stays in ${vault!.keptIn}; fix the cause, then run \`rerecord recover\``;
  }
  return {
    ...baseOf(observed, started, relative, settings),
    succeeded: false,
    reason: reason!,
    cassettes: restored.restored.map(({ cassette, existed }) => ({ cassette: relative(cassette), outcome: existed ? 'restored' : 'removed' })),
    drift: [],
    warnings,
    ...foreignOf(observed, peerId, settings),
    mayHaveWritten: observed.othersChanged,
    keptHashes: new Map(),
    collidedWith,
    retryAfter: collidedWith.length > 0 ? settings.peers.overlappingDone(peerId) : undefined,
    unrestored,
    verified: false,
    environmentError: explained.environmentError ?? authRefusal(inspected?.poisonStatuses ?? explained.statusCodes),
    final: inspected?.final === true,
  };
}

/**
 * Whether the next file may start while this one's recordings are read and kept: its test passed,
 * the API neither throttled it nor refused the key (the pace and an early stop must see those
 * first), and no second recording follows. A replay waits for a process slot of its own.
 */
function passedCleanly(observed: Observed, settings: AttemptSettings): boolean {
  const { outcome, scan } = observed;
  if (!outcome || !scan || settings.learnNoise) return false;
  return outcome.exitCode === 0 && outcome.spawnError === undefined && outcome.crash === undefined && !outcome.timedOut && !outcome.cancelled && outcome.signal === null && outcome.survivors.length === 0 && !scan.rateLimited && scan.refusals === 0;
}

/** Read what the attempt touched: the hook's journal (confined), and files nobody named. */
async function observe(observed: Observed, vault: AttemptVault, peerId: number, settings: AttemptSettings): Promise<void> {
  const journal = await readJournal(vault.journal);
  const { trusted, refused } = await trustJournal(journal, vault, settings, observed.childStartedAt);
  observed.refused = refused;
  observed.journal = trusted;
  settings.peers.claim(peerId, observed.journal.map((entry) => entry.cassette));
  observed.escaped = vault.escaped(observed.journal);
  if (!settings.watch) return;
  const named = new Set(vault.touched(observed.journal));
  // Claims are read after the scan, never before: an attempt that started while the tree was being
  // scanned has claimed its cassettes (planned, or journaled before its hook writes) by the time
  // its write can be seen, so nothing it wrote is taken for nobody's.
  const changes = await settings.watch.changes();
  const others = await settings.peers.claimedByOthers(peerId, { settling: true });
  const nobodys = changes.filter((changed) => !named.has(changed) && !others.has(changed));
  // Without a hook's journal, a write to a file that another running file claims cannot be told
  // from that file's own: kept in case this attempt fails (a failing test is the likely writer).
  // Only a file last changed after this test started can hold its bytes.
  if (!hasRecordHook(settings.preset)) {
    const theirs = changes.filter((changed) => !named.has(changed) && others.has(changed));
    for (const cassette of theirs) {
      if (await changedSince(cassette, observed.childStartedAt)) observed.othersChanged.push({ cassette, files: others.get(cassette)!.files });
    }
  }
  if (settings.peers.ranAlone(peerId)) {
    observed.unnamed = nobodys;
    observed.escaped = vault.escaped(observed.journal, observed.unnamed);
  } else {
    // Not ours to keep or restore: the run settles these once every file has ended. Noticed once.
    observed.foreign = nobodys;
    await settings.watch.accept(nobodys);
  }
}

async function putEverythingBack(
  vault: AttemptVault | undefined,
  observed: Observed,
  childStarted: boolean,
  collided: { skip: ReadonlySet<string>; fromBaseline: ReadonlySet<string> },
  settings: AttemptSettings,
): Promise<RestoreReport> {
  if (!vault) return { restored: [], failed: [] };
  if (!childStarted) {
    // Nothing was touched yet: the snapshot alone failed. Drop it.
    await vault.settle([]).catch(() => undefined);
    return { restored: [], failed: [] };
  }
  let journal = observed.journal;
  try {
    journal = (await trustJournal(await readJournal(vault.journal), vault, settings, observed.childStartedAt)).trusted;
  } catch {
    // keep what was read before
  }
  const report = await vault.restore(
    journal.filter((entry) => !collided.skip.has(entry.cassette)),
    observed.unnamed.filter((file) => !collided.skip.has(file)),
    collided.fromBaseline,
  );
  await settings.watch?.accept(vault.touched(journal, observed.unnamed)).catch(() => undefined);
  if (report.failed.length === 0) await vault.settle([]).catch(() => undefined);
  return report;
}

function baseOf(observed: Observed, started: number, relative: (p: string) => string, settings: AttemptSettings) {
  const outcome = observed.outcome;
  const journaled = hasRecordHook(settings.preset) || observed.journal.length > 0 ? observed.journal.map((entry) => relative(entry.cassette)).sort() : undefined;
  return {
    exitCode: outcome?.exitCode ?? null,
    durationMs: outcome?.durationMs ?? performance.now() - started,
    output: outcome?.output ?? '',
    journaled,
    cancelled: outcome?.cancelled ?? settings.signal.aborted,
    requests: observed.scan?.requests ?? 0,
    ...(observed.scan ? { hosts: observed.scan.hosts } : {}),
    ...(observed.requestSpan ? { requestSpan: observed.requestSpan } : {}),
    ...(observed.scan?.rateLimited && !outcome?.cancelled ? { rateLimited: observed.scan.rateLimited } : {}),
  };
}

function originalCopy(vault: AttemptVault, cassette: string, journal: readonly JournalEntry[]): string | null {
  const original = vault.originalOf(cassette, journal);
  return original.kind === 'file' ? (original.copy ?? null) : null;
}

/** A throttled recording explains a failing test too; but not a run we cancelled or a tree we could not kill. */
function rateLimitedReason(outcome: ChildOutcome, scan: RecordingScan | undefined): string | undefined {
  if (!scan?.rateLimited || outcome.cancelled || outcome.spawnError || outcome.survivors.length > 0) return undefined;
  const wait = scan.rateLimited.retryAfterMs === undefined ? '' : ` (Retry-After ${formatDuration(scan.rateLimited.retryAfterMs)})`;
  return `rate-limited: ${scan.rateLimited.statuses}${wait}`;
}

function failureReason(outcome: ChildOutcome, timeoutMs: number): string | undefined {
  if (outcome.spawnError) return outcome.spawnError;
  if (outcome.survivors.length > 0) return `processes the test started would not die (${outcome.survivors.map((p) => p.pid).join(', ')}); its recordings cannot be trusted`;
  if (outcome.cancelled) return 'cancelled: the run was interrupted';
  if (outcome.timedOut) return `timed out after ${formatDuration(timeoutMs)}; its process tree was killed`;
  if (outcome.crash) return outcome.crash;
  if (outcome.signal) return `crashed: killed by ${outcome.signal}`;
  if (outcome.exitCode !== 0) return `tests failed (exit code ${outcome.exitCode})`;
  return undefined;
}

/** Adds the framework's first failure and the statuses the new recordings held (read before they are restored). */
async function explainFailure(reason: string, observed: Observed, vault: AttemptVault | undefined, settings: AttemptSettings, relative: (p: string) => string) {
  const outcome = observed.outcome;
  if (!outcome || !vault || outcome.cancelled || outcome.exitCode === 0 || !reason.startsWith('tests failed')) return { reason, environmentError: undefined, statusCodes: [] };
  const environment = environmentError(outcome.output);
  const recordings = readable(vault, observed).map((cassette) => {
    const original = vault.originalOf(cassette, observed.journal);
    return { cassette, original: original.kind === 'file' ? original.copy! : null };
  });
  const statuses = await recordedStatuses(recordings, settings.inspect?.isPoison ?? DEFAULT_POISON, relative).catch(() => ({ description: undefined, codes: [] }));
  const failure = firstFailure(settings.preset, outcome.output);
  return { reason: composeReason(reason, { environment, failure, statuses: statuses.description }), environmentError: environment, statusCodes: statuses.codes };
}

/**
 * A test can append lines to its own journal: each is held to what recovery holds them to. A cassette
 * outside the project (or in .git/, .rerecord/), a test file or the config file, or a backup outside
 * this attempt's backup folder is refused: never deleted, never restored, never copied from. The one
 * exception is a test file or the config file that really was moved aside (an earlier hook's, or a
 * custom command's, journal): it goes back from its backup, and the file fails all the same.
 */
async function trustJournal(journal: readonly JournalEntry[], vault: AttemptVault, settings: AttemptSettings, childStartedAt: number): Promise<{ trusted: JournalEntry[]; refused: string[] }> {
  const trusted: JournalEntry[] = [];
  // The vault's own rule first: inside the project (a folder swapped for a link to outside is kept
  // to be named as escaped, never followed), and a backup only from this attempt's folder.
  const confined = vault.confine(journal);
  const refused = confined.refused.map((cassette) => `${cassette} (outside the project or inside .git/ or .rerecord/, or its backup outside this attempt's folder)`);
  for (const entry of confined.entries) {
    const why = settings.neverCassettes?.has(path.resolve(entry.cassette))
        ? 'a test file or the config file, never a cassette'
        : entry.backup !== null && !isInside(entry.backup, vault.backupDirectory)
          ? `its backup ${entry.backup} is not in this attempt's backup folder`
          : !entry.existed && (await untouchedSince(entry.cassette, childStartedAt))
            ? 'said to be new, but it is older than the test and was not changed by it'
            : undefined;
    if (why === undefined) {
      trusted.push(entry);
      continue;
    }
    // A hook that resolved a name onto a test file or the config file at run time has moved it
    // aside with a true backup in this attempt's folder: refused as a cassette, but put back.
    const putBack = settings.neverCassettes?.has(path.resolve(entry.cassette)) && entry.existed && entry.backup !== null && isInside(entry.backup, vault.backupDirectory);
    if (putBack) trusted.push(entry);
    refused.push(`${entry.cassette} (${why}${putBack ? '; put back from its backup' : ''})`);
  }
  return { trusted, refused };
}

/**
 * Whether the file exists and was created before the test started: a journal line calling it new is
 * false, and deleting it would lose it. File systems stamp with a coarse clock, a few ms behind:
 * hence the margin. Without a birth time, its last change stands in, with a second's margin.
 */
async function untouchedSince(file: string, startedAt: number): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  if (info === undefined) return false;
  return info.birthtimeMs > 0 ? info.birthtimeMs < startedAt - 100 : Math.max(info.ctimeMs, info.mtimeMs) < startedAt - 1000;
}

/** Whether the path was last modified at or after `startedAt` (the file system's clock may lag by a few ms). */
async function changedSince(file: string, startedAt: number): Promise<boolean> {
  const info = await lstat(file).catch(() => undefined);
  return info === undefined || info.mtimeMs >= startedAt - 100;
}

function isInside(file: string, folder: string): boolean {
  const relative = path.relative(folder, path.resolve(folder, file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** What the attempt touched that may be read: not what lies in a folder now leading outside. */
function readable(vault: AttemptVault, observed: Observed): string[] {
  return vault.touched(observed.journal, observed.unnamed).filter((file) => !observed.escaped.includes(file));
}

function escapedReason(escaped: readonly string[], relative: (p: string) => string): string | undefined {
  if (escaped.length === 0) return undefined;
  return `a cassette folder was replaced by a link leading outside the project while the test ran: ${escaped.map(relative).join(', ')} left alone`;
}

function refusedReason(refused: readonly string[]): string | undefined {
  if (refused.length === 0) return undefined;
  return `refused journal line(s) naming ${refused.join(', ')}; nothing they name was touched`;
}

/** A cassette that existed before and is gone after a "passing" run was not re-recorded: keep the old one. */
async function unrecordedReason(vault: AttemptVault, journal: readonly JournalEntry[], relative: (p: string) => string) {
  const lost: string[] = [];
  for (const cassette of vault.touched(journal)) {
    if (vault.originalOf(cassette, journal).kind !== 'absent' && !(await exists(cassette))) lost.push(relative(cassette));
  }
  if (lost.length === 0) return undefined;
  return `tests passed but recorded nothing into ${lost.join(', ')} (no request reached the recorder?); kept the old recording`;
}

/** The cassettes a passing run wrote: the ones its hook opened (or, without a hook, that we moved aside), new ones, and unnamed ones. */
async function keptCassettes(vault: AttemptVault, observed: Observed, movedAside: boolean): Promise<RecordedCassette[]> {
  const kept: RecordedCassette[] = [];
  for (const cassette of vault.touched(observed.journal, observed.unnamed)) {
    if (!(await exists(cassette))) continue;
    const original = vault.originalOf(cassette, observed.journal);
    const journaled = observed.journal.some((entry) => entry.cassette === cassette);
    const opened = journaled || observed.unnamed.includes(cassette);
    const copy = original.kind === 'file' ? original.copy! : null;
    // With a record hook, a file no journal names is the test's own writing, not the library's recording.
    if (opened || movedAside || original.kind === 'absent') kept.push({ cassette, original: copy, ...(!movedAside && !journaled ? { unnamed: true } : {}) });
  }
  return kept;
}

async function hashKept(kept: readonly RecordedCassette[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const { cassette } of kept) if (await exists(cassette)) hashes.set(cassette, await sha256File(cassette));
  return hashes;
}

function keptResult(kept: readonly RecordedCassette[], inspection: Inspection | undefined, relative: (p: string) => string, warnings: string[]) {
  const noiseOnly = new Set(inspection?.noiseOnly ?? []);
  const cassettes: CassetteOutcome[] = kept
    .map(({ cassette, original }) => {
      const name = relative(cassette);
      const outcome: CassetteOutcomeKind = noiseOnly.has(name) ? 'unchanged' : original ? 're-recorded' : 'recorded';
      return { cassette: name, outcome };
    })
    .sort((a, b) => a.cassette.localeCompare(b.cassette));
  return { succeeded: true, reason: '', cassettes, drift: inspection?.drift ?? [], warnings: [...warnings, ...(inspection?.warnings ?? [])] };
}

function foreignOf(observed: Observed, peerId: number, settings: AttemptSettings): Pick<AttemptResult, 'foreign'> {
  return { foreign: observed.foreign.length === 0 ? [] : observed.foreign.map((file) => ({ file, alongside: settings.peers.overlappingFiles(peerId) })) };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
