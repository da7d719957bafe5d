// Nothing unverified is kept: a passing file's new recording must read back as a cassette. When
// rerecord cannot read the format at all (a custom serializer, a framework it has no reader for),
// the old recording tells: if that one read fine, the new one is broken; if neither reads, the
// format is the project's own and the recording is kept with a warning. A recording that reads
// as a format its preset's library does not write, where the old one read as the library's, is
// not the library's recording at all, and fails its file.
import { readFile, stat } from 'node:fs/promises';
import { claimedFormat, parseCassette } from '../cassettes/formats/index.js';
import type { Cassette, CassetteFormat } from '../cassettes/model.js';
import type { FrameworkPreset } from '../frameworks/preset.js';
import { parseJsonText, parseYamlText } from '../cassettes/formats/syntax.js';
import type { RecordedCassette } from './inspect.js';

/** Above this a recording is not read into memory at all: it cannot be checked, so it is not kept. */
export const READABLE_LIMIT_BYTES = 256 * 1024 * 1024;

export interface Readability {
  failure: string | undefined;
  warnings: string[];
}

/** The preset the recordings were made with: what its library writes, and its name for messages. */
export type RecordingPreset = Pick<FrameworkPreset, 'name' | 'cassetteFormats'>;

export async function checkReadable(kept: readonly RecordedCassette[], relative: (absolute: string) => string, preset: RecordingPreset): Promise<Readability> {
  const warnings: string[] = [];
  for (const { cassette, original, unnamed } of kept) {
    const name = relative(cassette);
    const info = await stat(cassette);
    if (!info.isFile()) return { failure: `${name} is a folder, not a recording (the test left it where the cassette was); moved aside into .rerecord/recovered/`, warnings };
    const size = info.size;
    if (size > READABLE_LIMIT_BYTES) {
      return { failure: `new recording ${name} is ${Math.round(size / 1024 / 1024)} MB, over the ${READABLE_LIMIT_BYTES / 1024 / 1024} MB rerecord can check; not kept`, warnings };
    }
    const read = await readFormat(cassette, name);
    // The old recording is read only when the new one needs comparing: most are the library's own.
    const readOld = async () => (original === null ? undefined : await readFormat(original, `${name} (before)`));
    if ('format' in read) {
      const foreign = preset.cassetteFormats.includes(read.format) ? undefined : foreignFormat(read.format, await readOld(), preset);
      if (foreign) return { failure: `new recording ${name} ${foreign}`, warnings };
      continue;
    }
    if (read.syntax) return { failure: `new recording ${name} is not readable (${read.message}); a truncated or half-written file?`, warnings };
    const old = await readOld();
    if (old !== undefined && 'format' in old) return { failure: `new recording ${name} no longer reads as a cassette (${read.message}), though the old one did`, warnings };
    // A file the test wrote beside the cassettes that claims no cassette format is its own data
    // (a fixture's recorder): kept as written, with no warning on every run.
    if (unnamed && claimedFormat(await readFile(cassette), name) === undefined) continue;
    warnings.push(`${name}: ${read.message}; rerecord cannot read this format (framework ${preset.name} writes ${preset.cassetteFormats.join(' or ')} cassettes), so it was kept unchecked`);
  }
  return { failure: undefined, warnings };
}

type ReadResult = { format: CassetteFormat } | { message: string; syntax: boolean };

async function readFormat(file: string, name: string): Promise<ReadResult> {
  const text = await readFile(file, 'utf8');
  try {
    return { format: parseCassette(text, name).format };
  } catch (error) {
    return { message: (error as Error).message, syntax: !hasValidSyntax(text, name) };
  }
}

/**
 * Why a recording that reads is still not its library's: the old one was a cassette in a format the
 * library writes and the new one is in another (a test overwrote the cassette with its own data).
 * A new cassette with no old one to compare is left alone: a project may keep other recordings there.
 */
function foreignFormat(format: CassetteFormat, old: ReadResult | undefined, preset: RecordingPreset): string | undefined {
  if (old === undefined || !('format' in old) || !preset.cassetteFormats.includes(old.format)) return undefined;
  return `reads as a ${format} cassette, which framework ${preset.name} does not write (the old one was ${old.format}); not kept`;
}

/** Whether the text is at least well-formed JSON or YAML (by its name, else either). */
function hasValidSyntax(text: string, name: string): boolean {
  const attempts = /\.(json|har)$/i.test(name) ? [parseJsonText] : /\.ya?ml$/i.test(name) ? [parseYamlText] : [parseJsonText, parseYamlText];
  return attempts.some((parse) => {
    try {
      parse(text, name);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The cassette at `file`, or undefined when it is absent, half written, not a cassette, or too
 * large to read whole (checkReadable is the one that refuses those; the others only look).
 */
export async function readCassetteQuietly(file: string): Promise<Cassette | undefined> {
  try {
    if ((await stat(file)).size > READABLE_LIMIT_BYTES) return undefined;
    return parseCassette(await readFile(file, 'utf8'), file);
  } catch {
    return undefined;
  }
}
