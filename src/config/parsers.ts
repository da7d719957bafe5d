// Turn one raw input string into a typed value, or say what was expected.
// Each parser throws InputProblem with the expected form; the caller adds the input's name.
import { checkVolatileField, parsePathTemplate } from '../cassettes/noise.js';
import { parsePoisonStatuses } from '../cassettes/poison.js';
import { placeholdersIn } from '../text/template.js';
import { didYouMean } from './suggest.js';

export class InputProblem extends Error {
  /** Said after the value that was given: `did you mean pytest?`. */
  constructor(
    expected: string,
    readonly hint = '',
  ) {
    super(expected);
  }
}

export type Parser<T> = (raw: string) => T;

export function wholeNumber(min: number): Parser<number> {
  return (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min) throw new InputProblem(`a whole number >= ${min}`);
    return Number(raw);
  };
}

/** A whole number from `min` to `max`, as a compression level 0-9. */
export function numberBetween(min: number, max: number): Parser<number> {
  return (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new InputProblem(`a whole number from ${min} to ${max}`);
    return Number(raw);
  };
}

export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) throw new InputProblem(`one of ${choices.join(', ')}`, didYouMean(raw, choices));
    return raw as T;
  };
}

export const boolean: Parser<boolean> = (raw) => {
  const value = raw.toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(value)) return true;
  if (['false', 'no', '0', 'off'].includes(value)) return false;
  throw new InputProblem('true or false');
};

export const text: Parser<string> = (raw) => raw;

/** Items separated by newlines or commas, blanks dropped: how workflow authors write lists. */
export const list: Parser<string[]> = (raw) =>
  raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `500ms`, `0.5s`, `10m`, `1h`, `30d`, `2w`; a bare number means seconds. Returns milliseconds. */
export const duration: Parser<number> = (raw) => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/.exec(raw.trim());
  if (!match) throw new InputProblem('a duration such as 500ms, 0.5s, 10m, 1h or 30d (a bare number means seconds)');
  return Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!);
};

export interface Shard {
  index: number;
  count: number;
}

/** `i/n` with 1 <= i <= n, as a matrix job would write `${{ matrix.shard }}/4`. */
export const shard: Parser<Shard> = (raw) => {
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(raw.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new InputProblem('i/n with 1 <= i <= n, such as 2/4');
  return { index, count };
};

export const environmentVariableName: Parser<string> = (raw) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(raw)) throw new InputProblem('an environment variable name such as MY_API_KEY');
  return raw;
};

/**
 * Split a command template into argv words, honouring single and double quotes,
 * so that `{file}` becomes one argument however it is spelled and no shell is involved.
 */
export const commandTemplate: Parser<string[]> = (raw) => {
  const words: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let inWord = false;
  for (const char of raw.trim()) {
    if (quote) {
      if (char === quote) quote = null;
      else current += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote) throw new InputProblem(`a command with balanced quotes (unclosed ${quote})`);
  if (inWord) words.push(current);
  if (words.length > 0 && !words.some((word) => word.includes('{file}') || word.includes('{dir}'))) {
    throw new InputProblem('a command that contains {file} where the test file goes (or {dir}, its folder), such as: npx jest {file}');
  }
  return words;
};

/** Empty means "not given": the parser only sees non-empty values. */
export function optional<T>(parse: Parser<T>): Parser<T | undefined> {
  return (raw) => (raw === '' ? undefined : parse(raw));
}

/** HTTP statuses as codes (`429`), classes (`5xx`) or ranges (`500-599`); kept as written, checked here. */
export const statusList: Parser<string[]> = (raw) => {
  const entries = list(raw);
  try {
    parsePoisonStatuses(entries);
  } catch (error) {
    throw new InputProblem(`statuses such as 401, 429, 5xx or 500-599 (${(error as Error).message})`);
  }
  return entries;
};

/** `volatile-fields`: keys or `$` paths, each optionally scoped to a cassette glob (`GLOB:$.path`). */
export const volatileFields: Parser<string[]> = (raw) => {
  const entries = list(raw);
  const problems: string[] = [];
  for (const entry of entries) {
    try {
      checkVolatileField(entry);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new InputProblem(`keys, $ paths or GLOB:$.path entries (${problems.join('; ')})`);
  return entries;
};

/** `volatile-paths`: path templates such as `/repos/{*}/issues/{*}` or `POST /v1/files/{*}`. */
export const volatilePaths: Parser<string[]> = (raw) => {
  const entries = list(raw);
  const problems: string[] = [];
  for (const entry of entries) {
    try {
      parsePathTemplate(entry);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new InputProblem(`path templates with {*} segments (${problems.join('; ')})`);
  return entries;
};

export interface HostMapping {
  from: string;
  to: string;
}

/** `FROM=TO` pairs, such as `http://127.0.0.1:8080=https://api.example.com`. */
export const hostMap: Parser<HostMapping[]> = (raw) =>
  list(raw).map((entry) => {
    const equals = entry.indexOf('=');
    const from = entry.slice(0, equals).trim();
    const to = entry.slice(equals + 1).trim();
    if (equals <= 0 || !from || !to || from === to) throw new InputProblem(`FROM=TO pairs such as http://127.0.0.1:8080=https://api.example.com (bad entry ${JSON.stringify(entry)})`);
    return { from, to };
  });

/** A path with `{name}` where the cassette's name goes. */
export const nameTemplate: Parser<string> = (raw) => {
  if (!raw.includes('{name}')) throw new InputProblem('a path with {name} in it, such as {name}.yaml');
  return raw;
};

const RATE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** `10/s`, `600/m`, `36000/h`: requests per unit of time. Returns requests per second. */
export const requestRate: Parser<number> = (raw) => {
  const match = /^(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)$/.exec(raw.trim());
  const count = Number(match?.[1]);
  if (!match || !(count > 0)) throw new InputProblem('a request rate such as 10/s, 600/m or 36000/h (requests per second, minute or hour, above 0)');
  return count / RATE_UNITS[match[2]!]!;
};

export interface GitIdentity {
  name: string;
  email: string;
}

/** `Name <email>`, as peter-evans/create-pull-request spells `author` and `committer`. */
export const gitIdentity: Parser<GitIdentity> = (raw) => {
  const match = /^([^<>\n]*?)\s*<([^<>\s]+)>$/.exec(raw.trim());
  const name = match?.[1]?.trim();
  if (!match || !name) throw new InputProblem('Name <email>, such as: Jane Doe <jane@example.com> or github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>');
  return { name, email: match[2]! };
};

/** Text with `{placeholders}`, each one of `known`: a misspelt one is an error, never sent as written. */
export function template(known: readonly string[]): Parser<string> {
  return (raw) => {
    const unknown = placeholdersIn(raw).filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      const hint = unknown.map((name) => didYouMean(name, known, (candidate) => `{${candidate}}`)).find((said) => said !== '') ?? '';
      throw new InputProblem(`a text whose placeholders are among ${known.map((name) => `{${name}}`).join(', ')} (unknown: ${unknown.map((name) => `{${name}}`).join(', ')})`, hint);
    }
    return raw;
  };
}
