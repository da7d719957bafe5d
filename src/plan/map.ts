// Which cassettes each test file uses: literal names found in its source, plus what the record
// hook journaled in earlier runs (the manifest). Never by file-name prefix.
import { mapByRefs, type CassetteRef, type FrameworkPreset } from '../frameworks/preset.js';
import type { ProjectFiles } from '../frameworks/shared/project-files.js';
import type { Manifest } from '../state/manifest.js';

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
}

/** A test file's source as discovery hands it over; `project` lets presets read support files. */
export interface TestSource {
  file: string;
  source: string;
  project?: ProjectFiles;
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
  return sources.map(({ file, source, project }) => {
    const context = { file, source, cassetteDir, wrappers, project };
    const predicted = preset.mapFile ? preset.mapFile(context) : mapByRefs(preset, context);
    const learned = manifest.files[file]?.cassettes ?? [];
    const unresolved = predicted.unresolved.map((ref) => describeUnresolved(ref, file));
    const patterns = [...new Set(predicted.unresolved.flatMap((ref) => (ref.pattern === undefined ? [] : [ref.pattern])))].sort();
    const mapping: FileMapping = { file, cassettes: [...new Set([...predicted.cassettes, ...learned])].sort(), unresolved };
    if (patterns.length > 0) mapping.unresolvedPatterns = patterns;
    // A run that saw the cassette written makes it expected, whatever the source predicted.
    const possible = (predicted.possible ?? []).filter((cassette) => !learned.includes(cassette));
    if (possible.length > 0) mapping.possible = [...new Set(possible)].sort();
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
