// Just enough of a reader of R and JavaScript source to find cassette names in calls:
// comments blanked, strings respected, arguments split at top-level commas.
import type { CassetteRef } from '../preset.js';

export type CommentStyle = 'hash' | 'slash';

const QUOTES = new Set(['"', "'", '`']);

/**
 * Blank out comments, keeping every newline so that line numbers still match. Built from slices,
 * not character by character: megabyte test files would otherwise drown in garbage collection.
 */
export function blankComments(source: string, style: CommentStyle): string {
  const out: string[] = [];
  let from = 0;
  let quote: string | null = null;
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (QUOTES.has(char)) {
      quote = char;
    } else if ((style === 'hash' && char === '#') || (style === 'slash' && char === '/' && source[i + 1] === '/')) {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      out.push(source.slice(from, i));
      from = stop;
      i = stop - 1;
    } else if (style === 'slash' && char === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out.push(source.slice(from, i), source.slice(i, stop).replace(/[^\n]/g, ' '));
      from = stop;
      i = stop - 1;
    }
  }
  out.push(source.slice(from));
  return out.join('');
}

/** Blank the inside of string literals (same length), so that calls are only found in code. */
export function blankStrings(code: string): string {
  const out: string[] = [];
  let from = 0;
  let quote = 0;
  let opened = 0;
  for (let i = 0; i < code.length; i++) {
    const char = code.charCodeAt(i);
    if (quote !== 0) {
      if (char === BACKSLASH) i++;
      else if (char === quote) {
        out.push(code.slice(from, opened + 1), spaces(code.slice(opened + 1, i)));
        from = i;
        quote = 0;
      }
    } else if (char === DOUBLE || char === SINGLE || char === BACKTICK) {
      quote = char;
      opened = i;
    }
  }
  if (quote !== 0) out.push(code.slice(from, opened + 1), spaces(code.slice(opened + 1)));
  else out.push(code.slice(from));
  return out.join('');
}

const BACKSLASH = 92;
const DOUBLE = 34;
const SINGLE = 39;
const BACKTICK = 96;

/** Spaces for every character but newlines (template literals span lines). */
function spaces(text: string): string {
  return text.includes('\n') ? text.replace(/[^\n]/g, ' ') : ' '.repeat(text.length);
}

/** The text between the parentheses of a call that starts at `openParen`, strings and nesting respected. */
export function callArguments(source: string, openParen: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = openParen; i < source.length; i++) {
    const char = source[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (QUOTES.has(char)) quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char) && --depth === 0) return source.slice(openParen + 1, i);
  }
  return source.slice(openParen + 1);
}

/** Arguments split at top-level commas, trimmed. */
export function splitArguments(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const char = args[i]!;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = null;
    } else if (QUOTES.has(char)) quote = char;
    else if ('([{'.includes(char)) depth++;
    else if (')]}'.includes(char)) depth--;
    else if (char === ',' && depth === 0) {
      parts.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(args.slice(start).trim());
  return parts.filter((part) => part.length > 0);
}

/** The string a literal spells, or undefined for anything computed (including templates with `${}`). */
export function stringLiteral(expression: string): string | undefined {
  const match = /^(["'`])((?:\\.|(?!\1)[^\\])*)\1$/s.exec(expression.trim());
  if (!match) return undefined;
  if (match[1] === '`' && match[2]!.includes('${')) return undefined;
  return match[2]!.replace(/\\(.)/g, '$1');
}

/** A callee pattern that also matches the user's wrapper functions, by exact name. */
export function withWrappers(callee: RegExp, wrappers: readonly string[]): RegExp {
  if (wrappers.length === 0) return callee;
  const names = wrappers.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?:${callee.source.replace(/\\s\*\\\($/, '')}|(?<![\\w.$])(?:${names}))\\s*\\(`);
}

export interface CallPattern {
  /** Matches the callee up to and including the opening parenthesis. */
  callee: RegExp;
  /** The named argument that carries the cassette name (`name = "x"` in R), if the language has them. */
  namedArgument?: RegExp;
}

/** Every call matching the pattern, with the cassette name it passes when that is a literal. */
export function findCassetteCalls(source: string, style: CommentStyle, pattern: CallPattern): CassetteRef[] {
  const code = blankComments(source, style);
  const refs: CassetteRef[] = [];
  const lineOf = lineFinder(code);
  const callee = new RegExp(pattern.callee.source, 'g');
  for (const match of blankStrings(code).matchAll(callee)) {
    const openParen = match.index + match[0].length - 1;
    const args = splitArguments(callArguments(code, openParen));
    const named = pattern.namedArgument && args.find((arg) => pattern.namedArgument!.test(arg));
    const positional = args.find((arg) => !/^[A-Za-z_.][\w.]*\s*=(?!=)/.test(arg));
    const expression = named ? named.replace(pattern.namedArgument!, '') : positional;
    if (expression === undefined) continue;
    refs.push({ name: stringLiteral(expression), expression: expression.trim(), line: lineOf(match.index) });
  }
  return refs;
}

/** Line of a position, by binary search over the line starts (a test file may hold hundreds of calls). */
export function lineFinder(text: string): (index: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= index) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}
