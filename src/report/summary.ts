// What a person reads after a run: a Markdown job summary, and the same facts as a terminal table.
import type { FileResult } from '../run/execute.js';
import { failureExcerpt } from './excerpt.js';
import { formatDuration } from './format.js';

export interface RunFacts {
  framework: string;
  shard: string;
  wallMs: number;
  interrupted: boolean;
  /** Where the full failure report is (outputs, reasons, attempts): named under the table when a file failed. */
  failureReport?: string;
}

const STATUS_MARK: Record<FileResult['status'], string> = { succeeded: '✅ re-recorded', failed: '❌ failed', 'not-run': '⏸️ not run' };

function recordedCount(result: FileResult): number {
  return result.cassettes.filter((c) => c.outcome === 're-recorded' || c.outcome === 'recorded').length;
}

function headline(results: readonly FileResult[], facts: RunFacts): string {
  const failed = results.filter((r) => r.status === 'failed').length;
  const notRun = results.filter((r) => r.status === 'not-run').length;
  const succeeded = results.length - failed - notRun;
  const cassettes = results.reduce((sum, r) => sum + recordedCount(r), 0);
  const parts = [`${succeeded}/${results.length} files re-recorded`, `${cassettes} cassettes written`, `${failed} failed`];
  if (notRun > 0) parts.push(`${notRun} not run`);
  return `${parts.join(', ')} in ${formatDuration(facts.wallMs)} (${facts.framework}, shard ${facts.shard})${facts.interrupted ? ', interrupted' : ''}`;
}

export function summaryMarkdown(results: readonly FileResult[], facts: RunFacts): string {
  const failing = results.filter((r) => r.status !== 'succeeded');
  const passing = results.filter((r) => r.status === 'succeeded');
  const lines = ['## rerecord', '', headline(results, facts), ''];
  if (failing.length > 0) {
    lines.push('### Not re-recorded (cassettes restored byte for byte)', '', '| File | Status | Why | Time | Attempts |', '| --- | --- | --- | --- | --- |');
    for (const r of failing) lines.push(`| \`${cell(r.file)}\` | ${STATUS_MARK[r.status]} | ${cell(r.reason)} | ${formatDuration(r.durationMs)} | ${r.attempts} |`);
    lines.push('', ...reportLine(results, facts, (p) => `\`${p}\` (uploaded as the run's failure artifact on a runner)`), '');
    for (const r of failing.filter((f) => f.output.trim())) {
      lines.push(`<details><summary>Output of <code>${cell(r.file)}</code></summary>`, '', '```', failureExcerpt(r.output, 30).replaceAll('```', "'''"), '```', '', '</details>', '');
    }
  }
  if (passing.length > 0) {
    const table = ['| File | Status | Time | Attempts | Cassettes re-recorded |', '| --- | --- | --- | --- | --- |'];
    for (const r of passing) table.push(`| \`${cell(r.file)}\` | ${STATUS_MARK[r.status]} | ${formatDuration(r.durationMs)} | ${r.attempts} | ${recordedCount(r)} |`);
    lines.push(`<details${failing.length === 0 ? ' open' : ''}><summary>Re-recorded files (${passing.length})</summary>`, '', ...table, '', '</details>', '');
  }
  return lines.join('\n');
}

export function summaryTable(results: readonly FileResult[], facts: RunFacts): string {
  const rows = [...results]
    .sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file))
    .map((r) => [r.status, formatDuration(r.durationMs), String(r.attempts), String(recordedCount(r)), r.file, r.reason]);
  const header = ['STATUS', 'TIME', 'TRIES', 'CASSETTES', 'FILE', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]!))).join('  ').trimEnd();
  return [format(header), ...rows.map(format), '', headline(results, facts), ...reportLine(results, facts, (p) => p)].join('\n');
}

/** `Full report: .rerecord/failures.json`, when something did not re-record and the caller knows where. */
function reportLine(results: readonly FileResult[], facts: RunFacts, quote: (path: string) => string): string[] {
  if (!facts.failureReport || results.every((r) => r.status === 'succeeded')) return [];
  return [`Full failure report (output, reason and attempts of every file): ${quote(facts.failureReport)}`];
}

function order(result: FileResult): number {
  return result.status === 'failed' ? 0 : result.status === 'not-run' ? 1 : 2;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
