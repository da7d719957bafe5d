// The drift report: what really changed in the re-recorded cassettes, for the job summary, the CLI
// and a pull request body. A cassette shared by several test files is one cassette: counted and
// listed once, naming every file that recorded it. Kept well under GitHub's 1 MiB limit for a step
// summary; driftEntries gives the same content for --json.
import { describeDiff, type CassetteDiff } from '../cassettes/diff.js';
import type { FileResult } from '../results/run-outcome.js';
import { countOf } from '../text/format.js';

/** What the drift report needs of a file's result: also what a shard's JSON report carries. */
export type DriftSource = Pick<FileResult, 'file' | 'drift' | 'cassettes'>;

/** GitHub refuses a step summary over 1 MiB; leave room for the rest of the summary. */
const SUMMARY_BUDGET_BYTES = 900 * 1024;
/** A cassette with more lines than this is folded into <details>. */
const INLINE_LINES = 3;
/** Lines shown per cassette; the rest is counted (the JSON report has everything). */
const MAX_LINES_PER_CASSETTE = 40;

export interface DriftCounts {
  changed: number;
  added: number;
  noiseOnly: number;
}

/** One cassette's drift, with every test file whose run reported it. */
export interface DriftEntry {
  files: string[];
  diff: CassetteDiff;
  /** describeDiff's lines: what the summary shows. */
  lines: string[];
}

/**
 * Drift per cassette, each cassette once (the first report of it wins; a shared cassette re-recorded
 * by two files is recorded by the one that ran last, and both saw the same API).
 */
export function driftEntries(results: readonly DriftSource[]): DriftEntry[] {
  const byCassette = new Map<string, DriftEntry>();
  for (const result of results) {
    for (const diff of result.drift) {
      const known = byCassette.get(diff.cassette);
      if (known) {
        if (!known.files.includes(result.file)) known.files.push(result.file);
        continue;
      }
      byCassette.set(diff.cassette, { files: [result.file], diff, lines: describeDiff(diff) });
    }
  }
  return [...byCassette.values()];
}

export function driftCounts(results: readonly DriftSource[]): DriftCounts {
  const entries = driftEntries(results);
  const drifted = new Set(entries.map((entry) => entry.diff.cassette));
  const noiseOnly = new Set(
    results
      .flatMap((result) => result.cassettes)
      .filter((cassette) => cassette.outcome === 'unchanged' && !drifted.has(cassette.cassette))
      .map((cassette) => cassette.cassette),
  );
  return {
    changed: entries.filter((entry) => entry.diff.status === 'changed').length,
    added: entries.filter((entry) => entry.diff.status === 'added').length,
    noiseOnly: noiseOnly.size,
  };
}

export function driftHeadline(counts: DriftCounts): string {
  return `${countOf(counts.changed, 'cassette')} changed, ${counts.added} added, ${counts.noiseOnly} differed only by noise (old bytes kept)`;
}

export function driftMarkdown(results: readonly DriftSource[], budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const lines = ['### Drift', '', driftHeadline(driftCounts(results)), ''];
  let size = Buffer.byteLength(lines.join('\n'));
  const entries = driftEntries(results);
  // Room for the closing note, so that the whole stays within the budget.
  const reserve = 200;
  for (const [index, entry] of entries.entries()) {
    const block = cassetteBlock(entry);
    const blockSize = Buffer.byteLength(block) + 1;
    if (size + blockSize > budgetBytes - reserve) {
      lines.push('', `… ${entries.length - index} more cassettes not shown (the summary has a size limit; see the JSON report).`);
      break;
    }
    size += blockSize;
    lines.push(block);
  }
  return `${lines.join('\n')}\n`;
}

function cassetteBlock({ files, diff, lines: all }: DriftEntry): string {
  const details = all.slice(0, MAX_LINES_PER_CASSETTE).map(escape);
  if (all.length > details.length) details.push(`… ${all.length - details.length} more changes (see the JSON report)`);
  const title = `\`${escape(diff.cassette)}\` ${diff.status} (${files.map(escape).join(', ')})`;
  if (details.length <= INLINE_LINES) return `- ${title}${details.map((line) => `\n  - ${line}`).join('')}`;
  return `- <details><summary>${title}: ${all.length} changes</summary>\n\n${details.map((line) => `  - ${line}`).join('\n')}\n\n  </details>`;
}

export function driftText(results: readonly DriftSource[]): string {
  const lines = [driftHeadline(driftCounts(results))];
  for (const { diff, lines: details } of driftEntries(results)) {
    lines.push(`  ${diff.status.padEnd(7)} ${diff.cassette}`);
    for (const line of details.slice(0, 5)) lines.push(`            ${line}`);
    if (details.length > 5) lines.push(`            … ${details.length - 5} more`);
  }
  return lines.join('\n');
}

/** Markdown-safe: no HTML, no table breaks, no code spans closed early. */
function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|').replaceAll('`', "'");
}
