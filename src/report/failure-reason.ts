// Why a test file failed, in the framework's own words: "tests failed (exit code 1)" alone sends the
// reader to .rerecord/failures.json for every failure, although the output already holds the cause.
// Pure functions over a failed file's output (and, for statuses, its new recordings).
import type { FrameworkName } from '../config/inputs.js';

/** The longest a quoted failure may be in a reason (the full output stays in the failure report). */
const MAX_FAILURE = 200;

/**
 * A runtime or library that cannot load: the same for every file, so retrying or running the other
 * files cannot help. Undefined when the output shows no such error.
 */
export function environmentError(output: string): string | undefined {
  for (const pattern of ENVIRONMENT_PATTERNS) {
    const match = pattern.exec(output);
    if (match) return clip(match[0].trim());
  }
  return undefined;
}

const ENVIRONMENT_PATTERNS: readonly RegExp[] = [
  // Python: an import of the VCR library or pytest itself fails.
  /^.*(?:ModuleNotFoundError|ImportError): No module named '?[\w.]+'?.*$/m,
  /^.*: No module named [\w.]+$/m,
  // R: library(vcr) / loadNamespace with the package missing.
  /^.*there is no package called .[\w.]+..*$/m,
  // Ruby: require "vcr" with the gem missing.
  /^.*cannot load such file -- [\w/.-]+.*$/m,
  /^.*Could not find gem '[^']+'.*$/m,
  // Node: the mocking library is not installed.
  /^.*Cannot find (?:module|package) '[^']+'.*$/m,
  // A shell saying the runtime itself is missing.
  /^.*: command not found$/m,
];

/** The framework's own first failure in a failed file's output; undefined when none is recognised. */
export function firstFailure(framework: FrameworkName, output: string): string | undefined {
  const text = output.replaceAll('\r\n', '\n');
  switch (framework) {
    case 'pytest':
      return pytestFailure(text);
    case 'testthat':
      return testthatFailure(text);
    case 'rspec':
      return rspecFailure(text);
    case 'node':
    case 'polly':
      return nodeFailure(text);
    case 'custom':
      return pytestFailure(text) ?? rspecFailure(text) ?? testthatFailure(text) ?? nodeFailure(text);
  }
}

/** pytest's short test summary line: `FAILED tests/test_a.py::test_x - assert 503 == 200`. */
function pytestFailure(text: string): string | undefined {
  const summary = text.lastIndexOf('short test summary info');
  const from = summary >= 0 ? text.slice(summary) : text;
  const line = /^(?:FAILED|ERROR) \S+.*$/m.exec(from);
  return line ? clip(line[0].trim()) : undefined;
}

/** testthat's first `── Failure/Error (file:line): test ──` block: the header and its first line. */
function testthatFailure(text: string): string | undefined {
  // `── Failure ('test-a.R:5:3'): name ──` (testthat 3) or the same without the rules (ProgressReporter).
  const header = /^(?:(?:──|--) )?(Failure|Error) \('?([^)']*)'?\): (.*?)[\s─-]*$/m.exec(text);
  if (!header) return undefined;
  const after = text.slice(header.index + header[0].length).split('\n');
  const detail = after.map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('Backtrace'));
  return clip(`${header[1]} (${header[2]}): ${header[3]}${detail ? `: ${detail}` : ''}`);
}

/** RSpec's first entry under `Failures:`: `1) Thing does x: expected: 200 got: 503`. */
function rspecFailure(text: string): string | undefined {
  const start = text.indexOf('\nFailures:\n');
  if (start < 0) return undefined;
  const lines = text.slice(start + 11).split('\n');
  const first = lines.findIndex((line) => /^\s+1\) /.test(line));
  if (first < 0) return undefined;
  const title = lines[first]!.trim().replace(/^1\) /, '');
  const details: string[] = [];
  for (const line of lines.slice(first + 1)) {
    const trimmed = line.trim();
    if (/^\d+\) /.test(trimmed) || trimmed.startsWith('# ')) break;
    if (trimmed !== '') details.push(trimmed);
    if (details.length === 3) break;
  }
  return clip([title, ...details].join(' '));
}

/** node --test: the first `not ok N - name` (TAP) or `✖ name` (spec) and its error message. */
function nodeFailure(text: string): string | undefined {
  const lines = text.split('\n');
  const tap = lines.findIndex((line) => /^\s*not ok \d+ - /.test(line) && !isSuiteLine(lines, line));
  if (tap >= 0) {
    const name = lines[tap]!.trim().replace(/^not ok \d+ - /, '');
    const block = lines.slice(tap + 1, tap + 40);
    const at = block.findIndex((line) => /^\s*error: /.test(line));
    return clip(`${name}${at >= 0 ? `: ${tapError(block, at)}` : ''}`);
  }
  const spec = lines.findIndex((line) => /^\s*✖ /.test(line) && !/failing tests:/.test(line));
  if (spec >= 0) {
    const name = lines[spec]!.trim().replace(/^✖ /, '').replace(/\s*\([\d.]+m?s\)$/, '');
    const error = lines.slice(spec + 1, spec + 10).map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('✖'));
    return clip(`${name}${error ? `: ${error}` : ''}`);
  }
  return undefined;
}

/** The YAML `error:` value: inline (quoted or not) or a block scalar (`|-`) of the lines below it. */
function tapError(block: readonly string[], at: number): string {
  const value = block[at]!.trim().replace(/^error: /, '');
  if (!/^[|>][-+]?$/.test(value)) return value.replace(/^'(.*)'$/, '$1');
  const indent = /^\s*/.exec(block[at]!)![0].length;
  const body: string[] = [];
  for (const line of block.slice(at + 1)) {
    if (line.trim() !== '' && /^\s*/.exec(line)![0].length <= indent) break;
    if (line.trim() !== '') body.push(line.trim());
  }
  return body.join(' ');
}

/** A TAP `not ok` for a file or suite that only failed because a test inside it did. */
function isSuiteLine(lines: readonly string[], line: string): boolean {
  return /^not ok \d+ - \//.test(line.trim()) && lines.some((other) => /^\s+not ok \d+ - /.test(other));
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_FAILURE ? `${oneLine.slice(0, MAX_FAILURE - 1)}…` : oneLine;
}

/**
 * The reason a failed attempt reports: the base reason (`tests failed (exit code 1)`), then the
 * framework's first failure, then the error statuses its new recordings held. An environment error
 * says so first: it is the cause, and the run treats it differently (no retry).
 */
export function composeReason(base: string, parts: { environment?: string | undefined; failure?: string | undefined; statuses?: string | undefined }): string {
  const extra = [parts.environment ? `environment error: ${parts.environment}` : undefined, parts.environment ? undefined : parts.failure, parts.statuses].filter(Boolean);
  return extra.length === 0 ? base : `${base}: ${extra.join('; ')}`;
}

/** `new recording held 401 on GET /me (tests/fixtures/me.yml)`; undefined when it held none. */
export function describeRecordedStatuses(findings: ReadonlyArray<{ cassette: string; statuses: readonly string[] }>): string | undefined {
  const named = findings.filter((finding) => finding.statuses.length > 0);
  if (named.length === 0) return undefined;
  const all = named.flatMap((finding) => finding.statuses.map((status) => `${status} (${finding.cassette})`));
  const shown = all.slice(0, 3);
  return `new recording held ${shown.join(', ')}${all.length > shown.length ? ` and ${all.length - shown.length} more` : ''}`;
}
