// Text -> data, plus the lines where list elements start. JSON goes through JSON.parse (fast) and a
// scanner for positions; YAML through js-yaml and a scanner for where list items start.
import { CORE_SCHEMA, load, Type, YAMLException } from 'js-yaml';
import { CassetteParseError } from '../model.js';
import { jsonArrayElementOffsets, locateJsonError, offsetsToLines } from './json-scan.js';

export const SYNTAXES = ['json', 'yaml'] as const;
export type Syntax = (typeof SYNTAXES)[number];

export interface ParsedText {
  syntax: Syntax;
  data: unknown;
  /** 1-based start line of each element of the list reached through the object keys `path`. */
  elementLines(path: readonly string[]): (number | undefined)[];
}

export function parseJsonText(text: string, file: string): ParsedText {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw jsonSyntaxError(text, file, error);
  }
  return {
    syntax: 'json',
    data,
    elementLines: (path) => offsetsToLines(text, jsonArrayElementOffsets(text, path)),
  };
}

function jsonSyntaxError(text: string, file: string, error: unknown): CassetteParseError {
  const message = error instanceof Error ? error.message : String(error);
  // V8 quotes the text itself ("..." is not valid JSON) and sometimes a position: both redundant here.
  const detail = message.replace(/, (?:\.\.\.)?"[\s\S]*" is not valid JSON$/, '').replace(/ in JSON at position \d+.*$/, '');
  const stated = /at position (\d+)/.exec(message);
  const offset = locateJsonError(text) ?? (stated ? Number(stated[1]) : undefined);
  return new CassetteParseError(file, `invalid JSON: ${detail}`, offset === undefined ? undefined : lineAt(text, offset));
}

function lineAt(text: string, offset: number): number {
  return offsetsToLines(text, [offset])[0] ?? 1;
}

/**
 * YAML through js-yaml (about 9x faster than the `yaml` package on cassettes, and well kept), with
 * YAML 1.2's core schema so that `file: no` stays a string and dates stay text, plus the binary
 * tags vcrpy (`!!binary`) and Ruby's Psych (`!binary`) write.
 */
export function parseYamlText(text: string, file: string): ParsedText {
  let data: unknown;
  try {
    // json: duplicate keys take the last value, as PyYAML, Psych and libyaml do.
    data = load(text, { schema: CASSETTE_SCHEMA, json: true, filename: file });
  } catch (error) {
    throw yamlSyntaxError(file, error);
  }
  return { syntax: 'yaml', data, elementLines: (path) => blockSequenceLines(text, path) };
}

/** Base64 text -> bytes, for the YAML binary tag under both spellings. */
const binaryTag = (tag: string) =>
  new Type(tag, {
    kind: 'scalar',
    resolve: (data: unknown) => typeof data === 'string',
    construct: (data: string) => Buffer.from(data.replace(/\s+/g, ''), 'base64'),
  });
/** PyYAML's Python 2 string tags (`!!python/unicode 'text'`), which old vcrpy cassettes hold: plain text. */
const pythonStringTag = (tag: string) => new Type(tag, { kind: 'scalar', resolve: (data: unknown) => typeof data === 'string', construct: (data: string) => data });
const CASSETTE_SCHEMA = CORE_SCHEMA.extend([
  binaryTag('tag:yaml.org,2002:binary'),
  binaryTag('!binary'),
  pythonStringTag('tag:yaml.org,2002:python/unicode'),
  pythonStringTag('tag:yaml.org,2002:python/str'),
]);

function yamlSyntaxError(file: string, error: unknown): CassetteParseError {
  if (!(error instanceof YAMLException)) return new CassetteParseError(file, `invalid YAML: ${String(error)}`);
  const column = error.mark?.column;
  return new CassetteParseError(file, `invalid YAML: ${error.reason}${column === undefined ? '' : ` (column ${column + 1})`}`, error.mark ? error.mark.line + 1 : undefined);
}

/**
 * Start lines of the items of a block sequence found under the top-level key `path[0]` (or at
 * the top level for an empty path): the layout every cassette writer uses. Items of other shapes
 * (flow style, deeper paths) get no line rather than a wrong one.
 */
export function blockSequenceLines(text: string, path: readonly string[]): (number | undefined)[] {
  if (path.length > 1) return [];
  const lines = text.split('\n');
  let index = 0;
  if (path.length === 1) {
    const key = new RegExp(`^["']?${path[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?:\\s*$`);
    while (index < lines.length && !key.test(lines[index]!)) index++;
    index++;
  }
  const starts: number[] = [];
  let indent: number | undefined;
  for (; index < lines.length; index++) {
    const line = lines[index]!;
    const match = /^( *)- |^( *)-$/.exec(line);
    const lineIndent = match ? (match[1] ?? match[2])!.length : undefined;
    if (indent === undefined && lineIndent !== undefined) indent = lineIndent;
    if (lineIndent !== undefined && lineIndent === indent) starts.push(index + 1);
    // A new top-level key ends the sequence.
    else if (/^[^\s#-]/.test(line) && path.length === 1) break;
  }
  return starts;
}
