// The failure log: one path per line of every selected file that did not re-record (failed, or
// not run because the run stopped), readable by `mode: failures`. A JSON twin carries details.
import type { FileResult } from '../run/execute.js';

export interface FailureReport {
  version: 1;
  startedAt: string;
  finishedAt: string;
  shard: string;
  summary: { selected: number; succeeded: number; failed: number; notRun: number };
  files: Array<Omit<FileResult, 'journaled' | 'output' | 'keptHashes'> & { outputTail: string }>;
}

export function failureLogText(results: readonly FileResult[], pending: readonly string[] = []): string {
  const lines = [...results.filter((result) => result.status !== 'succeeded').map((result) => result.file), ...pending];
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
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
  outputTailChars = 4000,
): FailureReport {
  const count = (status: FileResult['status']) => results.filter((result) => result.status === status).length;
  return {
    version: 1,
    startedAt: timing.startedAt.toISOString(),
    finishedAt: timing.finishedAt.toISOString(),
    shard,
    summary: { selected: results.length, succeeded: count('succeeded'), failed: count('failed'), notRun: count('not-run') },
    files: results.map(({ journaled: _journaled, keptHashes: _kept, output, ...rest }) => ({ ...rest, outputTail: output.slice(-outputTailChars) })),
  };
}

export function parseFailureLog(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim().length > 0);
}
