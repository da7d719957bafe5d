// What a collection plugin or formatter (pytest's rerecord_collect.py, RSpec's rerecord_collect.rb)
// writes, read back: JSON lines `{"file", "cassette", "spread"}`, one per test that names a cassette
// through a mark or metadata, or `{"file", "error"}` when the framework could not collect the file or
// name one of its cassettes (that file is then mapped from its source). `spread`: the mark came from
// the module or a group, not the test itself, so the library writes the cassette only if that test
// makes a request (possible).
import path from 'node:path';
import type { FileCassettes } from '../preset.js';

export function readCollectedLines(text: string, { workingDirectory }: { workingDirectory: string }): Map<string, FileCassettes | { failure: string }> {
  const byFile = new Map<string, FileCassettes | { failure: string }>();
  const relative = (file: string) => path.relative(workingDirectory, path.resolve(workingDirectory, file)).split(path.sep).join('/');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { file?: unknown; cassette?: unknown; spread?: unknown; error?: unknown };
    if (typeof entry.file !== 'string') continue;
    const file = relative(entry.file);
    const known = byFile.get(file);
    if (typeof entry.error === 'string') byFile.set(file, { failure: entry.error });
    if (typeof entry.cassette !== 'string' || (known && 'failure' in known)) continue;
    const cassettes: FileCassettes = known ?? { cassettes: [], unresolved: [], possible: [] };
    addCassette(cassettes, relative(entry.cassette), entry.spread === true);
    byFile.set(file, cassettes);
  }
  return byFile;
}

/** A cassette a test marks itself is expected, whatever a spread mark says of it for another test. */
function addCassette(cassettes: FileCassettes, cassette: string, spread: boolean): void {
  const possible = cassettes.possible ?? [];
  if (!cassettes.cassettes.includes(cassette)) {
    cassettes.cassettes.push(cassette);
    if (spread) possible.push(cassette);
  } else if (!spread) {
    cassettes.possible = possible.filter((other) => other !== cassette);
    return;
  }
  cassettes.possible = possible;
}
