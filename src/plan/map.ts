// Which cassettes each test file uses: literal names found in its source, plus what the record
// hook journaled in earlier runs (the manifest). Never by file-name prefix.
import type { FrameworkPreset } from '../frameworks/preset.js';
import type { Manifest } from '../report/manifest.js';

export interface FileMapping {
  file: string;
  /** Every cassette the file uses, recorded yet or not, relative to the working directory, sorted. */
  cassettes: string[];
  /** Cassette expressions only run time can resolve (`paste0("x_", i)`), as written. */
  unresolved: string[];
}

export interface SharedCassette {
  cassette: string;
  files: string[];
}

export function mapCassettes(
  sources: ReadonlyArray<{ file: string; source: string }>,
  preset: FrameworkPreset,
  cassetteDir: string,
  manifest: Manifest,
  wrappers: readonly string[] = [],
): FileMapping[] {
  return sources.map(({ file, source }) => {
    const refs = preset.findCassetteRefs(source, wrappers, file);
    const literal = refs.flatMap((ref) => (ref.name === undefined ? [] : [preset.cassettePath(ref.folder ?? cassetteDir, ref.name, ref.format)]));
    const learned = manifest.files[file]?.cassettes ?? [];
    const unresolved = refs.filter((ref) => ref.name === undefined).map((ref) => `${ref.expression} (line ${ref.line})`);
    return { file, cassettes: [...new Set([...literal, ...learned])].sort(), unresolved };
  });
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
