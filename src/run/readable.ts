// Nothing unverified is kept: a passing file's new recording must read back as a cassette. When
// rerecord cannot read the format at all (a custom serializer, a framework it has no reader for),
// the old recording tells: if that one read fine, the new one is broken; if neither reads, the
// format is the project's own and the recording is kept with a warning.
import { readFile, stat } from 'node:fs/promises';
import { parseCassette } from '../cassettes/formats/index.js';
import type { Cassette } from '../cassettes/model.js';
import { parseJsonText, parseYamlText } from '../cassettes/formats/syntax.js';
import type { RecordedCassette } from './inspect.js';

/** Above this a recording is not read into memory at all: it cannot be checked, so it is not kept. */
export const READABLE_LIMIT_BYTES = 256 * 1024 * 1024;

export interface Readability {
  failure: string | undefined;
  warnings: string[];
}

export async function checkReadable(kept: readonly RecordedCassette[], relative: (absolute: string) => string): Promise<Readability> {
  const warnings: string[] = [];
  for (const { cassette, original } of kept) {
    const name = relative(cassette);
    const info = await stat(cassette);
    if (!info.isFile()) return { failure: `${name} is a folder, not a recording (the test left it where the cassette was); moved aside into .rerecord/recovered/`, warnings };
    const size = info.size;
    if (size > READABLE_LIMIT_BYTES) {
      return { failure: `new recording ${name} is ${Math.round(size / 1024 / 1024)} MB, over the ${READABLE_LIMIT_BYTES / 1024 / 1024} MB rerecord can check; not kept`, warnings };
    }
    const problem = await cassetteProblem(cassette, name);
    if (problem === undefined) continue;
    if (problem.syntax) return { failure: `new recording ${name} is not readable (${problem.message}); a truncated or half-written file?`, warnings };
    const oldReadable = original !== null && (await cassetteProblem(original, `${name} (before)`)) === undefined;
    if (oldReadable) return { failure: `new recording ${name} no longer reads as a cassette (${problem.message}), though the old one did`, warnings };
    warnings.push(`${name}: ${problem.message}; rerecord cannot read this format, so it was kept unchecked`);
  }
  return { failure: undefined, warnings };
}

async function cassetteProblem(file: string, name: string): Promise<{ message: string; syntax: boolean } | undefined> {
  const text = await readFile(file, 'utf8');
  try {
    parseCassette(text, name);
    return undefined;
  } catch (error) {
    return { message: (error as Error).message, syntax: !hasValidSyntax(text, name) };
  }
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
