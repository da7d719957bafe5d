// What a person reads after a run: a Markdown job summary, and the same facts as a terminal table.
import type { FileResult } from '../results/run-outcome.js';
import type { Verified } from '../results/run-outcome.js';
import type { PaceReport } from '../results/run-outcome.js';
import { failureExcerpt } from './excerpt.js';
import { countOf, formatDuration } from '../text/format.js';

export interface RunFacts {
  framework: string;
  shard: string;
  wallMs: number;
  interrupted: boolean;
  /** How the run kept to the API's pace; absent for runs that never started a file. */
  pace?: PaceReport;
  /** How the test processes were started: forked from warm workers, or fresh (and why). */
  processes?: string;
  /** Where the full failure report is (outputs, reasons, attempts): named under the table when a file failed. */
  failureReport?: string;
}

const STATUS_MARK: Record<FileResult['status'], string> = { succeeded: '✅ re-recorded', failed: '❌ failed', 'not-run': '⏸️ not run' };

/** A passing file that used no cassette this time: it ran, and there was nothing to record or verify. */
export function recordedNothing(result: FileResult): boolean {
  return result.status === 'succeeded' && result.cassettes.length === 0;
}

function statusMark(result: FileResult): string {
  return recordedNothing(result) ? '✅ ran, nothing to record' : STATUS_MARK[result.status];
}

function recordedCount(result: FileResult): number {
  return result.cassettes.filter((c) => c.outcome === 're-recorded' || c.outcome === 'recorded').length;
}

/** What a file's recordings proved: a failed or unrun file kept nothing, so nothing was verified. */
export function verifiedOf(result: FileResult): Verified {
  return result.status === 'succeeded' ? (result.verified ?? false) : false;
}

function verifiedCell(result: FileResult): string {
  if (recordedNothing(result)) return '-';
  const verified = verifiedOf(result);
  return verified === true ? 'yes' : verified === false ? 'no' : 'skipped';
}

/** One line per reason some kept recordings were not replayed, with how many files it covers. */
function unverifiedNotes(results: readonly FileResult[]): string[] {
  const counts = new Map<string, number>();
  for (const r of results) {
    const verified = verifiedOf(r);
    if (r.status === 'succeeded' && !recordedNothing(r) && typeof verified === 'string') counts.set(verified, (counts.get(verified) ?? 0) + 1);
  }
  return [...counts].map(([why, count]) => `${count} re-recorded file${count === 1 ? '' : 's'} not verified by replay (${why.replace(/^skipped: /, '')})`);
}

function headline(results: readonly FileResult[], facts: RunFacts): string {
  const failed = results.filter((r) => r.status === 'failed').length;
  const notRun = results.filter((r) => r.status === 'not-run').length;
  const nothing = results.filter(recordedNothing).length;
  const succeeded = results.length - failed - notRun - nothing;
  const cassettes = results.reduce((sum, r) => sum + recordedCount(r), 0);
  const parts = [`${succeeded}/${countOf(results.length, 'file')} re-recorded`, `${countOf(cassettes, 'cassette')} written`, `${failed} failed`];
  if (nothing > 0) parts.push(`${nothing} ran with nothing to record`);
  if (notRun > 0) parts.push(`${notRun} not run`);
  return `${parts.join(', ')} in ${formatDuration(facts.wallMs)} (${facts.framework}, shard ${facts.shard})${facts.interrupted ? ', interrupted' : ''}`;
}

export function summaryMarkdown(results: readonly FileResult[], facts: RunFacts): string {
  return ['## rerecord', '', headline(results, facts), '', summaryTables(results, facts)].join('\n');
}

/** The summary without its title and headline: what the publish job shows of its shards' files. */
export function summaryTables(results: readonly FileResult[], facts: RunFacts): string {
  const failing = results.filter((r) => r.status !== 'succeeded');
  const passing = results.filter((r) => r.status === 'succeeded');
  const lines: string[] = [];
  const notes = unverifiedNotes(results);
  if (notes.length > 0) lines.push(...notes.map((note) => `> ${note}`), '');
  if (facts.pace) lines.push(`API pace: ${paceLine(facts.pace)}`, '');
  if (facts.processes) lines.push(`Test processes: ${facts.processes}`, '');
  if (failing.length > 0) {
    lines.push('### Not re-recorded (cassettes restored byte for byte)', '', '| File | Status | Why | Time | Attempts |', '| --- | --- | --- | --- | --- |');
    for (const r of failing) lines.push(`| \`${cell(r.file)}\` | ${STATUS_MARK[r.status]} | ${cell(r.reason)} | ${formatDuration(r.durationMs)} | ${r.attempts} |`);
    lines.push('', ...reportLine(results, facts, (p) => `\`${p}\` (uploaded as the run's failure artifact on a runner)`), '');
    for (const r of failing.filter((f) => f.output.trim())) {
      lines.push(`<details><summary>Output of <code>${cell(r.file)}</code></summary>`, '', '```', failureExcerpt(r.output, 30).replaceAll('```', "'''"), '```', '', '</details>', '');
    }
  }
  if (passing.length > 0) {
    const table = ['| File | Status | Time | Attempts | Cassettes re-recorded | Replay verified |', '| --- | --- | --- | --- | --- | --- |'];
    for (const r of passing) {
      const verified = verifiedOf(r);
      const verifiedText = recordedNothing(r) ? '-' : typeof verified === 'string' ? cell(verified) : verified ? 'yes' : 'no';
      table.push(`| \`${cell(r.file)}\` | ${statusMark(r)} | ${formatDuration(r.durationMs)} | ${r.attempts} | ${recordedCount(r)} | ${verifiedText} |`);
    }
    lines.push(`<details${failing.length === 0 ? ' open' : ''}><summary>Re-recorded files (${passing.length})</summary>`, '', ...table, '', '</details>', '');
  }
  return lines.join('\n');
}

export function summaryTable(results: readonly FileResult[], facts: RunFacts): string {
  const rows = [...results]
    .sort((a, b) => order(a) - order(b) || a.file.localeCompare(b.file))
    .map((r) => {
      const verified = verifiedOf(r);
      const why = r.reason || (recordedNothing(r) ? 'ran, nothing to record' : typeof verified === 'string' ? `not verified: ${verified.replace(/^skipped: /, '')}` : '');
      return [r.status, formatDuration(r.durationMs), String(r.attempts), String(recordedCount(r)), verifiedCell(r), r.file, why];
    });
  const header = ['STATUS', 'TIME', 'TRIES', 'CASSETTES', 'VERIFIED', 'FILE', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (row: string[]) => row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i]!))).join('  ').trimEnd();
  return [format(header), ...rows.map(format), '', headline(results, facts), ...unverifiedNotes(results), ...(facts.pace ? [`API pace: ${paceLine(facts.pace)}`] : []), ...(facts.processes ? [`Test processes: ${facts.processes}`] : []), ...reportLine(results, facts, (p) => p)].join('\n');
}

const TRACE_SHOWN = 12;

/** One line: requests, throttling absorbed, rate, waits, and how concurrency moved. */
export function paceLine(pace: PaceReport): string {
  const learned = pace.learnedRate === null ? '' : `, learned ${rateText(pace.learnedRate)}`;
  const budget = `${pace.rateLimit === null ? 'adaptive only' : `budget ${rateText(pace.rateLimit)}`}${learned}`;
  const throttled = pace.rateLimitedAnswers === 0 ? 'no 429/503 answers' : `${countOf(pace.rateLimitedAnswers, '429/503 answer')}, ${pace.absorbed} absorbed (none kept)`;
  const { workers, lowest, final, trace } = pace.concurrency;
  const shown = trace.slice(0, TRACE_SHOWN).map((change) => change.limit);
  const more = trace.length > TRACE_SHOWN || pace.concurrency.traceTruncated ? ' -> ...' : '';
  const moves = trace.length === 0 ? `concurrency ${workers} throughout` : `concurrency ${[workers, ...shown].join(' -> ')}${more} (lowest ${lowest}, final ${final})`;
  const paced = pace.rateLimit === null && pace.learnedRate === null ? '' : `, ${formatDuration(pace.pacedMs)} paced to the ${pace.rateLimit === null ? 'learned rate' : 'budget'}`;
  return `${countOf(pace.requests, 'request')} at ${rateText(pace.requestsPerSecond)} (${budget}), ${throttled}, ${formatDuration(pace.waitedMs)} waiting on the API${paced}, ${moves}`;
}

function rateText(perSecond: number): string {
  return perSecond >= 1 || perSecond === 0 ? `${Math.round(perSecond * 10) / 10}/s` : `${Math.round(perSecond * 600) / 10}/m`;
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
