// Positions inside JSON text, which JSON.parse does not give us: where each interaction starts
// (for `line`) and where a syntax error is (V8 often names no position: "Unexpected token '}', ...").

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(text: string, pos: number): number {
  while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
  return pos;
}

/** Offset just past the string opening at `pos`; jumps quote to quote, so long bodies cost little. */
function skipString(text: string, pos: number): number {
  let from = pos + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** Offset just past the value starting at `pos` (text already known to be valid JSON). */
function skipValue(text: string, pos: number): number {
  const first = text.charCodeAt(pos);
  if (first === QUOTE) return skipString(text, pos);
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code === COMMA || code === CLOSE_BRACE || code === CLOSE_BRACKET || isSpace(code)) break;
      pos++;
    }
    return pos;
  }
  let depth = 0;
  while (pos < text.length) {
    const code = text.charCodeAt(pos);
    if (code === QUOTE) {
      pos = skipString(text, pos);
      continue;
    }
    if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return pos + 1;
    }
    pos++;
  }
  return pos;
}

function readKey(text: string, pos: number): { key: string; end: number } {
  const end = skipString(text, pos);
  const raw = text.slice(pos + 1, end - 1);
  return { key: raw.includes('\\') ? (JSON.parse(text.slice(pos, end)) as string) : raw, end };
}

/** Offset of the value of `key` in the object at `pos`, or -1. */
function findMember(text: string, pos: number, key: string): number {
  if (text.charCodeAt(pos) !== OPEN_BRACE) return -1;
  pos = skipSpace(text, pos + 1);
  while (text.charCodeAt(pos) === QUOTE) {
    const member = readKey(text, pos);
    pos = skipSpace(text, member.end);
    if (text.charCodeAt(pos) !== COLON) return -1;
    pos = skipSpace(text, pos + 1);
    if (member.key === key) return pos;
    pos = skipSpace(text, skipValue(text, pos));
    if (text.charCodeAt(pos) !== COMMA) return -1;
    pos = skipSpace(text, pos + 1);
  }
  return -1;
}

/**
 * Start offsets of the elements of the array reached from the root through the object keys
 * `path` ([] for a root array). One pass over the text, so linear however many elements.
 * Expects text that JSON.parse accepted; returns [] when the path does not lead to an array.
 */
export function jsonArrayElementOffsets(text: string, path: readonly string[]): number[] {
  let pos = skipSpace(text, 0);
  for (const key of path) {
    pos = findMember(text, pos, key);
    if (pos < 0) return [];
  }
  if (text.charCodeAt(pos) !== OPEN_BRACKET) return [];
  const offsets: number[] = [];
  pos = skipSpace(text, pos + 1);
  while (pos < text.length && text.charCodeAt(pos) !== CLOSE_BRACKET) {
    offsets.push(pos);
    pos = skipSpace(text, skipValue(text, pos));
    if (text.charCodeAt(pos) === COMMA) pos = skipSpace(text, pos + 1);
  }
  return offsets;
}

/** 1-based lines of ascending offsets, counting newlines once over the text (not once per offset). */
export function offsetsToLines(text: string, offsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let from = 0;
  for (const offset of offsets) {
    for (let nl = text.indexOf('\n', from); nl >= 0 && nl < offset; nl = text.indexOf('\n', nl + 1)) line++;
    from = Math.max(from, offset);
    lines.push(line);
  }
  return lines;
}

class JsonErrorAt {
  constructor(readonly offset: number) {}
}

/**
 * Offset of the first syntax error in `text` (text.length for a premature end), or undefined if
 * it is valid. Only run after JSON.parse failed, so it favours plainness over speed.
 */
export function locateJsonError(text: string): number | undefined {
  let pos = 0;
  const fail = (): never => {
    throw new JsonErrorAt(Math.min(pos, text.length));
  };
  const space = (): void => {
    pos = skipSpace(text, pos);
  };
  const string = (): void => {
    pos++;
    for (;;) {
      if (pos >= text.length) fail();
      const code = text.charCodeAt(pos);
      if (code === QUOTE) {
        pos++;
        return;
      }
      if (code < 0x20) fail();
      if (code === BACKSLASH) {
        const escape = text[pos + 1] ?? '';
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) {
            pos += 2;
            fail();
          }
          pos += 6;
          continue;
        }
        if (!'"\\/bfnrt'.includes(escape) || escape === '') {
          pos++;
          fail();
        }
        pos += 2;
        continue;
      }
      pos++;
    }
  };
  const number = (): void => {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = pos;
    if (!match.test(text)) fail();
    pos = match.lastIndex;
  };
  const value = (): void => {
    space();
    const char = text[pos];
    if (char === '"') string();
    else if (char === '{') members();
    else if (char === '[') elements();
    else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) number();
    else {
      for (const word of ['true', 'false', 'null']) {
        if (text.startsWith(word, pos)) {
          pos += word.length;
          return;
        }
      }
      fail();
    }
  };
  const members = (): void => {
    pos++;
    space();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      space();
      if (text[pos] !== '"') fail();
      string();
      space();
      if (text[pos] !== ':') fail();
      pos++;
      value();
      space();
      if (text[pos] === '}') {
        pos++;
        return;
      }
      if (text[pos] !== ',') fail();
      pos++;
    }
  };
  const elements = (): void => {
    pos++;
    space();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      value();
      space();
      if (text[pos] === ']') {
        pos++;
        return;
      }
      if (text[pos] !== ',') fail();
      pos++;
    }
  };
  try {
    value();
    space();
    if (pos < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonErrorAt) return error.offset;
    // A nesting deep enough to overflow our recursion: no position, rather than a crash.
    return undefined;
  }
}
