// The failure log: every selected file that did not re-record (failed, or not run because the run
// stopped), which `mode: failures` runs again. Two files: the JSON twin (`failures.json`) is the
// source of truth (its `toRerun` list) and carries each file's details; the text form
// (`failures.txt`) is the same list, one file a line, for people and scripts. A name that a line
// could not carry as it is (a newline or other control character, a backslash, a leading `"` or
// `#`, spaces at either end) is written as a JSON string literal, quotes included.
import type { FileResult } from '../results/run-outcome.js';

export interface FailureReport {
  version: 1;
  startedAt: string;
  finishedAt: string;
  shard: string;
  summary: { selected: number; succeeded: number; failed: number; notRun: number; carriedOver?: number };
  /**
   * What `mode: failures` runs again: every selected file not re-recorded (failed, not run, not
   * reached yet), then the earlier runs' failures this run did not select, in the text form's order.
   */
  toRerun: string[];
  files: FailureEntry[];
}

export type FailureEntry = Omit<FileResult, 'journaled' | 'output' | 'keptHashes'> & {
  outputTail: string;
  /** Carried over from an earlier run that did not select it again: when that run finished. */
  lastFailedAt?: string;
};

/**
 * The earlier failures a run must keep: those of the last report that this run did not select and
 * whose test file still exists. A partial run (`mode: priority`, one shard, a retry of some files)
 * then leaves `mode: failures` everything that still needs re-recording.
 */
export function failuresToCarry(previous: FailureReport | undefined, selected: ReadonlySet<string>, testFiles: ReadonlySet<string>): FailureEntry[] {
  if (!previous) return [];
  const entries = new Map(previous.files.map((entry) => [entry.file, entry]));
  return previous.toRerun
    .filter((file) => !selected.has(file) && testFiles.has(file))
    .map((file) => {
      const entry = entries.get(file) ?? { file, status: 'not-run' as const, attempts: 0, durationMs: 0, exitCode: null, reason: 'listed by an earlier failure log', outputTail: '', cassettes: [], drift: [], warnings: [] };
      return { ...entry, lastFailedAt: entry.lastFailedAt ?? previous.finishedAt };
    });
}

/** The files a failure log lists: those that did not succeed, then those not reached yet. */
export function filesToRerun(results: readonly FileResult[], pending: readonly string[] = []): string[] {
  return [...results.filter((result) => result.status !== 'succeeded').map((result) => result.file), ...pending];
}

export function failureLogText(files: readonly string[]): string {
  return files.length === 0 ? '' : `${files.map(failureLogLine).join('\n')}\n`;
}

/** One name as one line: as it is, or as a JSON string literal when a line could not carry it as it is. */
export function failureLogLine(name: string): string {
  const awkward = (char: string) => char < ' ' || char === '\u007f' || char === '\\' || char === '\u2028' || char === '\u2029';
  const plain = name !== '' && name === name.trim() && !/^["#]/.test(name) && ![...name].some(awkward);
  return plain ? name : JSON.stringify(name);
}

/** The JSON twin's name: `failures.txt` -> `failures.json`; a name without extension gets `.json` added. */
export function jsonTwinPath(failureLog: string): string {
  const match = /^(.*[^/])\.[^./]+$/.exec(failureLog);
  return `${match ? match[1] : failureLog}.json`;
}

export function failureReport(
  results: readonly FileResult[],
  timing: { startedAt: Date; finishedAt: Date },
  shard: string,
  pending: readonly string[] = [],
  outputTailChars = 4000,
  carried: readonly FailureEntry[] = [],
): FailureReport {
  const count = (status: FileResult['status']) => results.filter((result) => result.status === status).length;
  return {
    version: 1,
    startedAt: timing.startedAt.toISOString(),
    finishedAt: timing.finishedAt.toISOString(),
    shard,
    summary: {
      selected: results.length + pending.length,
      succeeded: count('succeeded'),
      failed: count('failed'),
      notRun: count('not-run') + pending.length,
      ...(carried.length > 0 ? { carriedOver: carried.length } : {}),
    },
    toRerun: [...filesToRerun(results, pending), ...carried.map((entry) => entry.file)],
    files: [...results.map(({ journaled: _journaled, keptHashes: _kept, output, ...rest }) => ({ ...rest, outputTail: output.slice(-outputTailChars) })), ...carried],
  };
}

/**
 * The text form's file names. Blank lines and `#` comments are skipped; a line in double quotes is
 * a JSON string; any other line is a path as the old scripts wrote it (trimmed, `\` read as `/`).
 * An error names the line, never its content (the log could be anything, a credentials file included).
 */
export function parseFailureLog(text: string, where: string): string[] {
  const names: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith('"')) {
      names.push(line.replaceAll('\\', '/'));
      continue;
    }
    let name: unknown;
    try {
      name = JSON.parse(line);
    } catch {
      name = undefined;
    }
    if (typeof name !== 'string' || name === '') throw new Error(`${where}: line ${index + 1} starts with a double quote but is not a file name in the quoted form rerecord writes (a JSON string)`);
    names.push(name);
  }
  return names;
}

const STATUSES = new Set(['succeeded', 'failed', 'not-run']);

/**
 * The JSON twin as rerecord wrote it, or an error that names `where` and what was expected and
 * nothing of the content. Reports written before `toRerun` existed get it from their files.
 */
export function parseFailureReport(text: string, where: string): FailureReport {
  const refuse = () =>
    new Error(`${where}: not a failure report written by rerecord (expected the JSON report rerecord writes, with "version": 1 and a list of "files"); nothing of its content is shown. Delete it, or run once with mode all`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw refuse();
  }
  const report = data as Partial<FailureReport> | null;
  if (typeof report !== 'object' || report === null || Array.isArray(report) || report.version !== 1 || !Array.isArray(report.files)) throw refuse();
  const files = report.files as unknown[];
  const wellFormed = (file: unknown): file is FailureReport['files'][number] => {
    const entry = file as Partial<FailureReport['files'][number]> | null;
    return (
      typeof entry === 'object' &&
      entry !== null &&
      typeof entry.file === 'string' &&
      STATUSES.has(String(entry.status)) &&
      (entry.cassettes === undefined || (Array.isArray(entry.cassettes) && entry.cassettes.every((c) => typeof c?.cassette === 'string' && typeof c.outcome === 'string')))
    );
  };
  if (!files.every(wellFormed)) throw refuse();
  const toRerun = report.toRerun === undefined ? files.filter((file) => file.status !== 'succeeded').map((file) => file.file) : report.toRerun;
  if (!Array.isArray(toRerun) || !toRerun.every((name) => typeof name === 'string' && name !== '')) throw refuse();
  return {
    version: 1,
    startedAt: String(report.startedAt ?? ''),
    finishedAt: String(report.finishedAt ?? ''),
    shard: String(report.shard ?? ''),
    summary: report.summary ?? { selected: files.length, succeeded: 0, failed: 0, notRun: 0 },
    toRerun,
    files: files.map((file) => ({ ...file, cassettes: file.cassettes ?? [], attempts: Number(file.attempts) || 1, durationMs: Number(file.durationMs) || 0 })),
  };
}
