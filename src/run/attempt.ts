// One attempt at one test file: snapshot -> child with the record hook -> journal -> keep or restore.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FrameworkPreset } from '../frameworks/preset.js';
import { formatDuration } from '../report/format.js';
import type { CassetteDiff } from '../cassettes/diff.js';
import { runChild, type ChildOutcome } from './child.js';
import { inspectRecordings, type Inspection, type InspectSettings, type RecordedCassette } from './inspect.js';
import { readJournal, type JournalEntry } from './journal.js';
import type { AttemptVault, Vault } from './vault.js';

export interface AttemptSettings {
  workingDirectory: string;
  preset: FrameworkPreset;
  command: readonly string[];
  timeoutMs: number;
  hookDirectory: string;
  /** The environment every test process gets: ours, minus action inputs, plus the key's variable. */
  childEnv: NodeJS.ProcessEnv;
  vault: Vault;
  signal: AbortSignal;
  /** Leak, poison and noise checks on new recordings; undefined keeps them as recorded. */
  inspect?: InspectSettings;
}

/** `unchanged`: re-recorded, but only noise differed, so its old bytes were put back. */
export type CassetteOutcomeKind = 're-recorded' | 'recorded' | 'unchanged' | 'restored' | 'removed';

export interface CassetteOutcome {
  cassette: string;
  outcome: CassetteOutcomeKind;
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
}

export async function runAttempt(file: string, cassettes: readonly string[], settings: AttemptSettings): Promise<AttemptResult> {
  const absolute = (relative: string) => path.resolve(settings.workingDirectory, relative);
  const relative = (absolutePath: string) => path.relative(settings.workingDirectory, absolutePath).split(path.sep).join('/');
  const vault = await settings.vault.openAttempt();
  try {
    await vault.snapshot(cassettes.map(absolute));
    if (!settings.preset.hasRecordHook) await vault.moveAside();
    const launch = settings.preset.launch(absolute(file), settings.command, {
      hookDirectory: settings.hookDirectory,
      journal: vault.journal,
      backupDirectory: vault.backupDirectory,
    });
    const outcome = await runChild({
      command: launch.command,
      args: launch.args,
      cwd: settings.workingDirectory,
      env: { ...settings.childEnv, ...launch.env },
      timeoutMs: settings.timeoutMs,
      signal: settings.signal,
    });
    const journal = await readJournal(vault.journal);
    const journaled = settings.preset.hasRecordHook || journal.length > 0 ? journal.map((entry) => relative(entry.cassette)).sort() : undefined;
    const base = { exitCode: outcome.exitCode, durationMs: outcome.durationMs, output: outcome.output, journaled, cancelled: outcome.cancelled };
    let reason = failureReason(outcome, settings.timeoutMs) ?? (await unrecordedReason(vault, journal, relative));
    if (reason === undefined) {
      const kept = await keptCassettes(vault, journal, !settings.preset.hasRecordHook);
      const inspection = settings.inspect ? await inspectRecordings(kept, settings.inspect, relative) : undefined;
      reason = inspection?.failure;
      if (reason === undefined) return { ...base, ...keptResult(kept, inspection, relative) };
    }
    const restored = await vault.restore(journal);
    return {
      ...base,
      succeeded: false,
      reason,
      cassettes: restored.map(({ cassette, existed }) => ({ cassette: relative(cassette), outcome: existed ? 'restored' : 'removed' })),
      drift: [],
      warnings: [],
    };
  } finally {
    await vault.discard();
  }
}

function failureReason(outcome: ChildOutcome, timeoutMs: number): string | undefined {
  if (outcome.spawnError) return outcome.spawnError;
  if (outcome.cancelled) return 'cancelled: the run was interrupted';
  if (outcome.timedOut) return `timed out after ${formatDuration(timeoutMs)}; its process tree was killed`;
  if (outcome.signal) return `crashed: killed by ${outcome.signal}`;
  if (outcome.exitCode !== 0) return `tests failed (exit code ${outcome.exitCode})`;
  return undefined;
}

/** A cassette that existed before and is gone after a "passing" run was not re-recorded: keep the old one. */
async function unrecordedReason(vault: AttemptVault, journal: readonly JournalEntry[], relative: (p: string) => string) {
  const lost: string[] = [];
  for (const cassette of vault.touched(journal)) {
    if (vault.originalOf(cassette, journal)?.existed && !(await exists(cassette))) lost.push(relative(cassette));
  }
  if (lost.length === 0) return undefined;
  return `tests passed but recorded nothing into ${lost.join(', ')} (no request reached the recorder?); kept the old recording`;
}

/** The cassettes a passing run wrote: the ones its hook opened (or, without a hook, that we moved aside) or that are new. */
async function keptCassettes(vault: AttemptVault, journal: readonly JournalEntry[], movedAside: boolean): Promise<RecordedCassette[]> {
  const kept: RecordedCassette[] = [];
  for (const cassette of vault.touched(journal)) {
    if (!(await exists(cassette))) continue;
    const original = vault.originalOf(cassette, journal);
    const opened = journal.some((entry) => entry.cassette === cassette);
    if (opened || movedAside || !original?.existed) kept.push({ cassette, original: original?.existed ? original.copy : null });
  }
  return kept;
}

function keptResult(kept: readonly RecordedCassette[], inspection: Inspection | undefined, relative: (p: string) => string) {
  const noiseOnly = new Set(inspection?.noiseOnly ?? []);
  const cassettes: CassetteOutcome[] = kept
    .map(({ cassette, original }) => {
      const name = relative(cassette);
      const outcome: CassetteOutcomeKind = noiseOnly.has(name) ? 'unchanged' : original ? 're-recorded' : 'recorded';
      return { cassette: name, outcome };
    })
    .sort((a, b) => a.cassette.localeCompare(b.cassette));
  return { succeeded: true, reason: '', cassettes, drift: inspection?.drift ?? [], warnings: inspection?.warnings ?? [] };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
