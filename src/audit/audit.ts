// Cassette health without running a test: leaked secrets and token-shaped strings, poisoned
// recordings, missing and orphaned cassettes, names shared by several files, old recordings.
// Pure: the caller reads the files.
import { describeEncodedLeak, describeLeak, findEncodedLeaks, findLeaks, findTokenShapes, type Secret } from '../cassettes/leaks.js';
import { describeRequest, type Cassette, type CassetteFormat } from '../cassettes/model.js';
import type { StatusMatcher } from '../cassettes/poison.js';
import type { Severity } from '../config/inputs.js';
import { countOf, formatDuration } from '../text/format.js';
import { describeUncounted, expectedCassettes, uncountedCassettes, type FileMapping, type SharedCassette } from '../plan/map.js';
import type { AuditedCassette } from '../discover/cassette-files.js';

export type { AuditedCassette };

export const FINDING_KINDS = ['secret', 'token', 'poisoned', 'missing', 'unreadable', 'foreign', 'orphan', 'shared', 'stale'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
type FindingSeverity = Exclude<Severity, 'never'>;

const SEVERITY_OF: Record<FindingKind, FindingSeverity> = {
  secret: 'error',
  token: 'error',
  poisoned: 'warning',
  missing: 'warning',
  unreadable: 'warning',
  foreign: 'notice',
  orphan: 'notice',
  shared: 'notice',
  stale: 'notice',
};
const RANK: Record<Severity, number> = { error: 3, warning: 2, notice: 1, never: 4 };

export interface AuditInput {
  cassettes: readonly AuditedCassette[];
  mappings: readonly FileMapping[];
  shared: readonly SharedCassette[];
  exists: (cassette: string) => boolean;
  secrets: readonly Secret[];
  isPoison: StatusMatcher;
  now: Date;
  maxAgeMs: number;
  /**
   * What the preset's library writes (preset.cassetteFormats): a file in none of them is `foreign`
   * (another tool's, sharing the folder), never unreadable nor orphan. Absent: every file is taken for a cassette.
   */
  formats?: readonly CassetteFormat[];
  /**
   * The cassettes tests name exactly (not a glob of an unresolved name claimed them): each is its
   * library's, so unreadable when broken, never foreign. Absent: every mapped cassette.
   */
  named?: ReadonlySet<string>;
}

export interface AuditFinding {
  severity: FindingSeverity;
  kind: FindingKind;
  cassette: string;
  line: number | undefined;
  message: string;
}

export interface AuditReport {
  cassettes: number;
  testFiles: number;
  counts: Record<FindingKind, number>;
  poisonedByStatus: Record<string, number>;
  oldest: { cassette: string; recordedAt: string; source: AuditedCassette['dateSource'] } | undefined;
  findings: AuditFinding[];
  /** What the audit left unjudged or uncounted, one line each (possible cassettes, orphans with open-ended mappings). */
  notes: string[];
}

export function auditCassettes(input: AuditInput): AuditReport {
  const findings: AuditFinding[] = [];
  const add = (kind: FindingKind, cassette: string, message: string, line?: number) =>
    findings.push({ severity: SEVERITY_OF[kind], kind, cassette, line, message });
  const poisonedByStatus: Record<string, number> = {};
  const foreign = new Set<string>();
  const used = new Set(input.mappings.flatMap((mapping) => mapping.cassettes));
  for (const audited of input.cassettes) {
    // A leak is a leak in any file, a cassette or not.
    for (const leak of findLeaks(audited.text, input.secrets)) add('secret', audited.path, `holds ${describeLeak(audited.path, leak).split(': ').slice(1).join(': ')}`, leak.line);
    for (const leak of findEncodedLeaks(audited.text, input.secrets)) add('secret', audited.path, `holds ${describeEncodedLeak(audited.path, leak).split(': ').slice(1).join(': ')}`, leak.line);
    for (const token of findTokenShapes(audited.text)) add('token', audited.path, `holds what looks like a ${token.kind}`, token.line);
    // A file a test names is its library's cassette, however broken: unreadable, never foreign.
    if (!(input.named ?? used).has(audited.path) && isForeign(audited, input.formats)) {
      foreign.add(audited.path);
      add('foreign', audited.path, `foreign (not a ${input.formats!.join('/')} cassette)`);
      continue;
    }
    if (audited.parseError) add('unreadable', audited.path, audited.parseError);
    for (const [status, requests, line] of poisonedStatuses(audited.cassette, input.isPoison)) {
      poisonedByStatus[status] = (poisonedByStatus[status] ?? 0) + 1;
      add('poisoned', audited.path, `recorded ${status} on ${requests.slice(0, 3).join(', ')}${requests.length > 3 ? ` (+${requests.length - 3} more)` : ''}`, line);
    }
    const age = audited.recordedAt ? input.now.getTime() - audited.recordedAt.getTime() : undefined;
    if (age !== undefined && age > input.maxAgeMs) add('stale', audited.path, `recorded ${formatDuration(age)} ago (${audited.dateSource === 'recorded' ? 'its own timestamp' : `its last ${audited.dateSource === 'commit' ? 'commit' : 'modification'}`})`);
  }
  const notes = addMappingFindings(input, used, foreign, add);
  findings.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.cassette.localeCompare(b.cassette) || (a.line ?? 0) - (b.line ?? 0));
  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, findings.filter((f) => f.kind === kind).length])) as Record<FindingKind, number>;
  return { cassettes: input.cassettes.length, testFiles: input.mappings.length, counts, poisonedByStatus, oldest: oldestOf(input.cassettes), findings, notes };
}

/**
 * A file in none of the library's formats: parsed as another format, or unparsed and claiming no
 * format of the library's (no cassette shape, no list key of one).
 */
function isForeign(audited: AuditedCassette, formats: readonly CassetteFormat[] | undefined): boolean {
  if (formats === undefined) return false;
  const format = audited.cassette?.format ?? audited.claims;
  return format === undefined || !formats.includes(format);
}

/** Orphans, missing and shared cassettes; returns the notes on what was left unjudged or uncounted. */
function addMappingFindings(
  input: AuditInput,
  used: ReadonlySet<string>,
  foreign: ReadonlySet<string>,
  add: (kind: FindingKind, cassette: string, message: string) => void,
): string[] {
  const notes: string[] = [];
  const openEnded = input.mappings.filter((mapping) => mapping.openEnded).length;
  // With a name only run time knows, any recording may be that file's: an orphan would be a guess.
  if (openEnded > 0) notes.push(`orphans not judged: ${countOf(openEnded, 'test file uses', 'test files use')} cassette names only run time knows (a run teaches the manifest those)`);
  else for (const audited of input.cassettes) if (!used.has(audited.path) && !foreign.has(audited.path)) add('orphan', audited.path, 'no test file uses it');
  for (const mapping of input.mappings) {
    for (const cassette of expectedCassettes(mapping)) if (!input.exists(cassette)) add('missing', cassette, `used by ${mapping.file} but not recorded yet`);
  }
  const uncounted = describeUncounted(uncountedCassettes(input.mappings, input.exists));
  if (uncounted !== undefined) notes.push(uncounted);
  for (const { cassette, files } of input.shared) add('shared', cassette, `used by ${files.length} test files: ${files.join(', ')} (they never re-record at the same time)`);
  return notes;
}

/** Per poison status: the requests that got it and the line of the first. */
function poisonedStatuses(cassette: Cassette | undefined, isPoison: StatusMatcher): Array<[number, string[], number | undefined]> {
  const byStatus = new Map<number, { requests: string[]; line: number | undefined }>();
  for (const interaction of cassette?.interactions ?? []) {
    if (!isPoison(interaction.response.status)) continue;
    const entry = byStatus.get(interaction.response.status) ?? { requests: [], line: interaction.line };
    entry.requests.push(describeRequest(interaction.request));
    byStatus.set(interaction.response.status, entry);
  }
  return [...byStatus].map(([status, { requests, line }]) => [status, requests, line]);
}

function oldestOf(cassettes: readonly AuditedCassette[]): AuditReport['oldest'] {
  const dated = cassettes.filter((c) => c.recordedAt).sort((a, b) => a.recordedAt!.getTime() - b.recordedAt!.getTime());
  const first = dated[0];
  return first && { cassette: first.path, recordedAt: first.recordedAt!.toISOString(), source: first.dateSource };
}

export function auditFails(report: AuditReport, failOn: Severity): boolean {
  return failOn !== 'never' && report.findings.some((finding) => RANK[finding.severity] >= RANK[failOn]);
}

export function auditText(report: AuditReport): string {
  const lines = report.findings.map((f) => `${f.severity.padEnd(7)} ${f.kind.padEnd(10)} ${f.cassette}${f.line ? `:${f.line}` : ''}  ${f.message}`);
  const counts = FINDING_KINDS.filter((kind) => report.counts[kind] > 0).map((kind) => `${report.counts[kind]} ${kind}`);
  lines.push(
    '',
    `${report.cassettes} cassettes, ${report.testFiles} test files: ${counts.length ? counts.join(', ') : 'no findings'}`,
    ...report.notes,
    Object.keys(report.poisonedByStatus).length ? `poisoned cassettes by status: ${Object.entries(report.poisonedByStatus).map(([s, n]) => `${s}: ${n}`).join(', ')}` : '',
    report.oldest ? `oldest recording: ${report.oldest.cassette} (${report.oldest.recordedAt}, from its ${report.oldest.source === 'recorded' ? 'own timestamp' : report.oldest.source})` : '',
  );
  return lines.filter((line, i) => line || i < lines.length - 3).join('\n').trimEnd();
}

/** The job summary of an audit: counts, then findings (capped: a summary has a size limit). */
export function auditMarkdown(report: AuditReport, maxRows = 500): string {
  const counts = FINDING_KINDS.filter((kind) => report.counts[kind] > 0).map((kind) => `${report.counts[kind]} ${kind}`);
  const lines = ['## rerecord audit', '', `${report.cassettes} cassettes, ${report.testFiles} test files: ${counts.length ? counts.join(', ') : 'no findings'}`, ''];
  if (report.notes.length > 0) lines.push(...report.notes.map((note) => `- ${note}`), '');
  if (report.oldest) lines.push(`Oldest recording: \`${report.oldest.cassette}\` (${report.oldest.recordedAt})`, '');
  if (report.findings.length > 0) {
    lines.push('| Severity | Kind | Cassette | Finding |', '| --- | --- | --- | --- |');
    for (const f of report.findings.slice(0, maxRows)) {
      lines.push(`| ${f.severity} | ${f.kind} | \`${f.cassette}${f.line ? `:${f.line}` : ''}\` | ${f.message.replaceAll('|', '\\|')} |`);
    }
    if (report.findings.length > maxRows) lines.push('', `… ${report.findings.length - maxRows} more findings (run \`rerecord audit --json\`).`);
  }
  return `${lines.join('\n')}\n`;
}
