// Which cassettes each test file uses: literal names found in its source, plus what the record
// hook journaled in earlier runs (the manifest). Never by file-name prefix.
import { mapByRefs, type CassetteRef, type FileCassettes, type FrameworkPreset } from '../frameworks/preset.js';
import type { ProjectFiles } from '../frameworks/shared/project-files.js';
import type { Manifest } from '../state/manifest.js';
import { countOf } from '../text/format.js';

export interface FileMapping {
  file: string;
  /** Every cassette the file uses, recorded yet or not, relative to the working directory, sorted. */
  cassettes: string[];
  /** Cassette expressions only run time can resolve (`paste0("x_", i)`), as written. */
  unresolved: string[];
  /**
   * Globs (relative to the working directory) that the unresolved names fall under, when the preset
   * knows: recordings there are this file's, not orphans.
   */
  unresolvedPatterns?: string[];
  /**
   * The subset of `cassettes` written only if the test makes a request, and no run has seen written
   * yet: `missing` and audit count only the others (the expected ones).
   */
  possible?: string[];
  /**
   * The subset of `cassettes` absent after the file last passed (ManifestEntry.unwritten): its tests
   * made no request there. Not counted missing either, until a run writes them.
   */
  unwritten?: string[];
  /**
   * An unresolved reference falls under no pattern and no run taught the manifest this file's
   * cassettes: any recording may be its, so audit judges no orphan.
   */
  openEnded?: boolean;
}

/** The cassettes a file is expected to record: neither possible nor left unwritten by a passing run. */
export function expectedCassettes(mapping: FileMapping): string[] {
  const uncounted = new Set([...(mapping.possible ?? []), ...(mapping.unwritten ?? [])]);
  return mapping.cassettes.filter((cassette) => !uncounted.has(cassette));
}

/** How many mapped cassettes are left uncounted as possible or unwritten, for the one line that says so. */
export function uncountedCassettes(mappings: readonly FileMapping[], exists: (cassette: string) => boolean): { possible: number; unwritten: number } {
  let possible = 0;
  let unwritten = 0;
  for (const mapping of mappings) {
    const absentUnwritten = (mapping.unwritten ?? []).filter((cassette) => !exists(cassette));
    unwritten += absentUnwritten.length;
    possible += (mapping.possible ?? []).filter((cassette) => !exists(cassette) && !absentUnwritten.includes(cassette)).length;
  }
  return { possible, unwritten };
}

/**
 * The one line saying what `missing` left uncounted, so nothing is hidden silently; undefined when
 * nothing was.
 */
export function describeUncounted({ possible, unwritten }: { possible: number; unwritten: number }): string | undefined {
  if (possible + unwritten === 0) return undefined;
  const parts = [
    ...(possible > 0 ? [`${countOf(possible, 'possible cassette')} (a mark spread over tests that may make no request)`] : []),
    ...(unwritten > 0 ? [`${countOf(unwritten, 'cassette')} left unwritten when their test file last passed`] : []),
  ];
  return `not counted missing: ${parts.join(', ')}`;
}

/** A test file's source as discovery hands it over; `project` lets presets read support files. */
export interface TestSource {
  file: string;
  source: string;
  project?: ProjectFiles;
  /** What the framework's collection named for it, when it was asked and answered. */
  collected?: FileCassettes;
}

export interface SharedCassette {
  cassette: string;
  files: string[];
}

export function mapCassettes(
  sources: ReadonlyArray<TestSource>,
  preset: FrameworkPreset,
  cassetteDir: string,
  manifest: Manifest,
  wrappers: readonly string[] = [],
): FileMapping[] {
  return sources.map(({ file, source, project, collected }) => {
    const context = { file, source, cassetteDir, wrappers, project, ...(collected ? { collected } : {}) };
    const predicted = preset.mapFile ? preset.mapFile(context) : mapByRefs(preset, context);
    const learned = manifest.files[file]?.cassettes ?? [];
    const unresolved = predicted.unresolved.map((ref) => describeUnresolved(ref, file));
    const patterns = [...new Set(predicted.unresolved.flatMap((ref) => (ref.pattern === undefined ? [] : [ref.pattern])))].sort();
    const mapping: FileMapping = { file, cassettes: [...new Set([...predicted.cassettes, ...learned])].sort(), unresolved };
    if (patterns.length > 0) mapping.unresolvedPatterns = patterns;
    // A run whose hook saw the test open it has judged it: expected if written, else in `unwritten` below.
    const possible = (predicted.possible ?? []).filter((cassette) => !learned.includes(cassette));
    if (possible.length > 0) mapping.possible = [...new Set(possible)].sort();
    const unwritten = (manifest.files[file]?.unwritten ?? []).filter((cassette) => mapping.cassettes.includes(cassette));
    if (unwritten.length > 0) mapping.unwritten = unwritten;
    if (predicted.unresolved.some((ref) => ref.pattern === undefined) && learned.length === 0) mapping.openEnded = true;
    return mapping;
  });
}

/** `expression (line 4)` in the test file itself, `expression (test/setup.js line 4)` in a helper. */
function describeUnresolved(ref: CassetteRef, testFile: string): string {
  return ref.file === undefined || ref.file === testFile ? `${ref.expression} (line ${ref.line})` : `${ref.expression} (${ref.file} line ${ref.line})`;
}

export function findSharedCassettes(mappings: readonly FileMapping[]): SharedCassette[] {
  const users = new Map<string, string[]>();
  for (const { file, cassettes } of mappings) {
    for (const cassette of cassettes) users.set(cassette, [...(users.get(cassette) ?? []), file]);
  }
  return [...users]
    .filter(([, files]) => files.length > 1)
    .map(([cassette, files]) => ({ cassette, files }))
    .sort((a, b) => a.cassette.localeCompare(b.cassette));
}
