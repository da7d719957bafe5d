// One attempt at one test file: snapshot -> child with the record hook -> journal -> keep or restore.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FrameworkPreset } from '../frameworks/preset.js';
import { formatDuration } from '../report/format.js';
import { runChild, type ChildOutcome } from './child.js';
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
}

export type CassetteOutcomeKind = 're-recorded' | 'recorded' | 'restored' | 'removed';

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
    const reason = failureReason(outcome, settings.timeoutMs) ?? (await unrecordedReason(vault, journal, relative));
    const journaled = settings.preset.hasRecordHook || journal.length > 0 ? journal.map((entry) => relative(entry.cassette)).sort() : undefined;
    const base = { exitCode: outcome.exitCode, durationMs: outcome.durationMs, output: outcome.output, journaled, cancelled: outcome.cancelled };
    if (reason === undefined) return { ...base, succeeded: true, reason: '', cassettes: await keptCassettes(vault, journal, relative, !settings.preset.hasRecordHook) };
    const restored = await vault.restore(journal);
    return {
      ...base,
      succeeded: false,
      reason,
      cassettes: restored.map(({ cassette, existed }) => ({ cassette: relative(cassette), outcome: existed ? 'restored' : 'removed' })),
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

async function keptCassettes(
  vault: AttemptVault,
  journal: readonly JournalEntry[],
  relative: (p: string) => string,
  movedAside: boolean,
): Promise<CassetteOutcome[]> {
  const kept: CassetteOutcome[] = [];
  for (const cassette of vault.touched(journal)) {
    if (!(await exists(cassette))) continue;
    const existed = vault.originalOf(cassette, journal)?.existed ?? false;
    const opened = journal.some((entry) => entry.cassette === cassette);
    if (opened || movedAside || !existed) kept.push({ cassette: relative(cassette), outcome: existed ? 're-recorded' : 'recorded' });
  }
  return kept.sort((a, b) => a.cassette.localeCompare(b.cassette));
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
