// Any cassette text -> the one interaction model. The format is told by the content's shape, not
// the file name (a name may be "x.yml (before)"); the extension only picks which syntax to try first.
import { CassetteParseError, type Cassette, type CassetteFormat } from '../model.js';
import { HAR_LIST_PATH, readHar } from './har.js';
import { readNock } from './nock.js';
import { isRecord, type ReadContext } from './shape.js';
import { parseJsonText, parseYamlText, type ParsedText, type Syntax } from './syntax.js';
import { readVcr, VCR_LIST_KEY } from './vcr.js';
import { readVcrpy, VCRPY_LIST_KEY } from './vcrpy.js';

export type { Syntax } from './syntax.js';

/** Which format parsed data is in, by its shape; undefined when it is no cassette we know. */
export function detectFormat(data: unknown): CassetteFormat | undefined {
  if (Array.isArray(data)) {
    const [first] = data;
    return first === undefined || (isRecord(first) && ('scope' in first || 'path' in first)) ? 'nock' : undefined;
  }
  if (!isRecord(data)) return undefined;
  if (VCR_LIST_KEY in data) return 'vcr';
  if (VCRPY_LIST_KEY in data) return 'vcrpy';
  if (isRecord(data.log) && 'entries' in data.log) return 'har';
  return undefined;
}

/** Where each format keeps its interaction list, as object keys from the root. */
const LIST_PATHS: Record<CassetteFormat, readonly string[]> = {
  vcr: [VCR_LIST_KEY],
  vcrpy: [VCRPY_LIST_KEY],
  nock: [],
  har: HAR_LIST_PATH,
};

/**
 * Parses a cassette of any supported format. Throws only CassetteParseError, naming `file` and,
 * where known, the line: for bad syntax, a shape we do not know, or an unusable interaction.
 */
export function parseCassette(text: string, file: string): Cassette {
  try {
    const parsed = parseText(stripBom(text), file);
    const format = detectFormat(parsed.data);
    if (format === undefined) throw new CassetteParseError(file, `not a cassette we know: ${describeShape(parsed.data)}`);
    const ctx: ReadContext = { file, lines: parsed.elementLines(LIST_PATHS[format]) };
    return readFormat(format, parsed.data, ctx);
  } catch (error) {
    if (error instanceof CassetteParseError) throw error;
    throw new CassetteParseError(file, `could not read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readFormat(format: CassetteFormat, data: unknown, ctx: ReadContext): Cassette {
  if (format === 'nock') return readNock(data as unknown[], ctx);
  const fields = data as Record<string, unknown>;
  if (format === 'vcr') return readVcr(fields, ctx);
  if (format === 'vcrpy') return readVcrpy(fields, ctx);
  return readHar(fields, ctx);
}

/** The syntax to try first: JSON for .json/.har names or text opening with { or [, else YAML. */
export function guessSyntax(text: string, file: string): Syntax {
  const extension = /\.(json|har|ya?ml)(?![\w.])/i.exec(file)?.[1]?.toLowerCase();
  if (extension === 'json' || extension === 'har') return 'json';
  const first = /\S/.exec(text)?.[0];
  return first === '{' || first === '[' ? 'json' : 'yaml';
}

function parseText(text: string, file: string): ParsedText {
  if (guessSyntax(text, file) === 'yaml') return parseYamlText(text, file);
  try {
    return parseJsonText(text, file);
  } catch (error) {
    // JSON-looking text in a .yml file may still be YAML (flow style, unquoted keys).
    if (/\.ya?ml(?![\w.])/i.test(file)) return parseYamlText(text, file);
    throw error;
  }
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describeShape(data: unknown): string {
  const expected = 'expected http_interactions (vcr), interactions (vcrpy), log.entries (HAR) or a nock array';
  if (data === null || data === undefined) return `the file is empty; ${expected}`;
  if (isRecord(data)) {
    const keys = Object.keys(data);
    const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ', ...' : '');
    return `${expected}, found ${keys.length === 0 ? 'an empty mapping' : `keys ${shown}`}`;
  }
  return `${expected}, found ${Array.isArray(data) ? 'a list of something else' : `a ${typeof data}`}`;
}
