// .rerecord/manifest.json: what past runs learned. Per test file: the cassettes its record hook
// saw it open (ground truth, better than any static guess) and how long it last took (for
// longest-first scheduling and balanced shards). Serialised with sorted keys so diffs stay small.

export interface ManifestEntry {
  cassettes: string[];
  durationMs?: number;
}

export interface Manifest {
  version: 1;
  files: Record<string, ManifestEntry>;
}

export const EMPTY_MANIFEST: Manifest = { version: 1, files: {} };

export function parseManifest(text: string, where: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not valid JSON (${(error as Error).message}); delete it to start afresh`);
  }
  const files = (data as Manifest | null)?.files;
  if (typeof files !== 'object' || files === null) throw new Error(`${where}: expected {"version": 1, "files": {...}}`);
  const clean: Record<string, ManifestEntry> = {};
  for (const [file, entry] of Object.entries(files)) {
    const cassettes = Array.isArray(entry?.cassettes) ? entry.cassettes.filter((c): c is string => typeof c === 'string') : [];
    clean[file] = typeof entry?.durationMs === 'number' ? { cassettes, durationMs: entry.durationMs } : { cassettes };
  }
  return { version: 1, files: clean };
}

export interface LearnedFile {
  file: string;
  /** Cassettes the hook journaled, or undefined when the framework has no hook. */
  cassettes: string[] | undefined;
  succeeded: boolean;
  durationMs: number;
}

/**
 * A successful run's journal replaces what we knew (a cassette the test stopped using drops out);
 * a failed run only adds, since it may have stopped before opening everything.
 */
export function mergeManifest(manifest: Manifest, learned: readonly LearnedFile[]): Manifest {
  const files = { ...manifest.files };
  for (const { file, cassettes, succeeded, durationMs } of learned) {
    const known = files[file]?.cassettes ?? [];
    const next = cassettes === undefined ? known : succeeded ? cassettes : [...known, ...cassettes];
    files[file] = { cassettes: [...new Set(next)].sort(), durationMs: Math.round(durationMs) };
  }
  return { version: 1, files };
}

export function serializeManifest(manifest: Manifest): string {
  const files = Object.fromEntries(Object.keys(manifest.files).sort().map((file) => [file, manifest.files[file]]));
  return `${JSON.stringify({ version: 1, files }, null, 2)}\n`;
}
