// Why a test file failed, in the framework's own words: "tests failed (exit code 1)" alone sends the
// reader to .rerecord/failures.json for every failure, although the output already holds the cause.
// Pure functions over a failed file's output (and, for statuses, its new recordings).
import type { FrameworkPreset } from './preset.js';
import { ENVIRONMENT_ERRORS, PRESETS } from './registry.js';
import { clip } from './shared/failure-text.js';

/**
 * A runtime or library that cannot load: the same for every file, so retrying or running the other
 * files cannot help. Undefined when the output shows no such error.
 */
export function environmentError(output: string): string | undefined {
  for (const pattern of ENVIRONMENT_ERRORS) {
    const match = pattern.exec(output);
    if (match) return clip(match[0].trim());
  }
  return undefined;
}

/**
 * The framework's own first failure in a failed file's output; undefined when none is recognised.
 * A preset without a report format of its own (custom runs anything) gets the first any preset reads.
 */
export function firstFailure(preset: Pick<FrameworkPreset, 'firstFailure'>, output: string): string | undefined {
  if (preset.firstFailure) return preset.firstFailure(output);
  for (const known of PRESETS) {
    const failure = known.firstFailure?.(output);
    if (failure !== undefined) return failure;
  }
  return undefined;
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
