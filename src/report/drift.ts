// The drift report: what really changed in the re-recorded cassettes, for the job summary, the CLI
// and (later) a pull request body. Kept well under GitHub's 1 MiB limit for a step summary.
import { describeDiff, type CassetteDiff } from '../cassettes/diff.js';
import type { FileResult } from '../run/execute.js';

/** What the drift report needs of a file's result: also what a shard's JSON report carries. */
export type DriftSource = Pick<FileResult, 'file' | 'drift' | 'cassettes'>;

const SUMMARY_BUDGET_BYTES = 900 * 1024;
/** A cassette with more lines than this is folded into <details>. */
const INLINE_LINES = 3;

export interface DriftCounts {
  changed: number;
  added: number;
  noiseOnly: number;
}

export function driftCounts(results: readonly DriftSource[]): DriftCounts {
  const drift = results.flatMap((result) => result.drift);
  return {
    changed: drift.filter((diff) => diff.status === 'changed').length,
    added: drift.filter((diff) => diff.status === 'added').length,
    noiseOnly: results.flatMap((result) => result.cassettes).filter((cassette) => cassette.outcome === 'unchanged').length,
  };
}

export function driftHeadline(counts: DriftCounts): string {
  return `${counts.changed} cassettes changed, ${counts.added} added, ${counts.noiseOnly} differed only by noise (old bytes kept)`;
}

export function driftMarkdown(results: readonly DriftSource[], budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const lines = ['### Drift', '', driftHeadline(driftCounts(results)), ''];
  let size = Buffer.byteLength(lines.join('\n'));
  const entries = results.flatMap((result) => result.drift.map((diff) => ({ file: result.file, diff })));
  for (const [index, { file, diff }] of entries.entries()) {
    const block = cassetteBlock(file, diff);
    size += Buffer.byteLength(block) + 1;
    if (size > budgetBytes) {
      lines.push('', `… ${entries.length - index} more cassettes not shown (the summary has a size limit; see the JSON report).`);
      break;
    }
    lines.push(block);
  }
  return `${lines.join('\n')}\n`;
}

function cassetteBlock(file: string, diff: CassetteDiff): string {
  const details = describeDiff(diff);
  const title = `\`${diff.cassette}\` ${diff.status} (${file})`;
  if (details.length <= INLINE_LINES) return `- ${title}${details.map((line) => `\n  - ${escape(line)}`).join('')}`;
  return `- <details><summary>${title}: ${details.length} changes</summary>\n\n${details.map((line) => `  - ${escape(line)}`).join('\n')}\n\n  </details>`;
}

export function driftText(results: readonly DriftSource[]): string {
  const lines = [driftHeadline(driftCounts(results))];
  for (const result of results) {
    for (const diff of result.drift) {
      lines.push(`  ${diff.status.padEnd(7)} ${diff.cassette}`);
      for (const line of describeDiff(diff).slice(0, 5)) lines.push(`            ${line}`);
    }
  }
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replaceAll('<', '&lt;').replaceAll('|', '\\|');
}
