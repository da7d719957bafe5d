// A small Ruby lexer: enough to skip comments, strings, heredocs and regexps, to know which
// `end` closes which block, and to read a call's arguments. Not a parser: what it cannot read, the
// callers leave unresolved.

export type Kind = 'ident' | 'const' | 'var' | 'string' | 'symbol' | 'number' | 'regex' | 'punct' | 'nl';

export interface Token {
  kind: Kind;
  text: string;
  /** For strings and symbols: the value when it is static (no interpolation). */
  value?: string;
  /** For double-quoted strings: the raw text between the quotes (interpolation included). */
  raw?: string;
  start: number;
  end: number;
  line: number;
  /** Whitespace right before the token. */
  spaced: boolean;
}

const KEYWORDS = new Set([
  'alias', 'and', 'begin', 'break', 'case', 'class', 'def', 'defined?', 'do', 'else', 'elsif', 'end', 'ensure', 'for', 'if', 'in', 'module',
  'next', 'not', 'or', 'redo', 'rescue', 'retry', 'return', 'then', 'undef', 'unless', 'until', 'when', 'while', 'yield',
]);
const VALUE_KEYWORDS = new Set(['end', 'self', 'true', 'false', 'nil', 'redo', 'retry', 'yield', '__FILE__', '__dir__', '__LINE__']);
const MULTI_PUNCT = ['**=', '<=>', '===', '...', '::', '=>', '->', '**', '&&', '||', '==', '!=', '=~', '<=', '>=', '<<', '>>', '&.', '..', '+=', '-=', '*=', '/=', '||=', '&&='];
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Whether the previous token ends a value, so that `/`, `%`, `<<` and `?` after it are operators. */
export function endsValue(prev: Token | undefined): boolean {
  if (!prev || prev.kind === 'nl') return false;
  if (prev.kind === 'punct') return [')', ']', '}'].includes(prev.text);
  if (prev.kind === 'ident') return !KEYWORDS.has(prev.text) || VALUE_KEYWORDS.has(prev.text);
  return true;
}

/** `foo /x/` and `foo %w[a]` are arguments; `foo / x` and `foo/x` are divisions. */
function startsLiteral(source: string, i: number, prev: Token | undefined, spaced: boolean): boolean {
  if (!endsValue(prev)) return true;
  return prev!.kind === 'ident' && spaced && !/\s/.test(source[i + 1] ?? ' ');
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const heredocs: Array<{ id: string; indented: boolean }> = [];
  let i = 0;
  let line = 1;
  let spaced = false;
  const push = (token: Omit<Token, 'line' | 'spaced'>) => {
    tokens.push({ ...token, line, spaced });
    spaced = false;
  };
  const countLines = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (source.charCodeAt(k) === 10) line++;
  };
  const atLineStart = () => i === 0 || source[i - 1] === '\n';

  while (i < source.length) {
    const char = source[i]!;
    if (atLineStart() && source.startsWith('=begin', i) && /\s/.test(source[i + 6] ?? '\n')) {
      const close = source.slice(i).search(/^=end\b/m);
      const stop = close === -1 ? source.length : i + close;
      countLines(i, stop);
      i = source.indexOf('\n', stop);
      if (i === -1) break;
      continue;
    }
    if (atLineStart() && /^__END__\r?$/m.test(source.slice(i, source.indexOf('\n', i) === -1 ? undefined : source.indexOf('\n', i)))) break;
    if (char === '\n') {
      if (tokens.at(-1)?.kind !== 'nl') push({ kind: 'nl', text: '\n', start: i, end: i + 1 });
      line++;
      i++;
      // Heredoc bodies start on the line after their opener.
      while (heredocs.length > 0 && i < source.length) {
        const { id, indented } = heredocs.shift()!;
        const terminator = new RegExp(`^${indented ? '[ \\t]*' : ''}${id.replace(/[^\w]/g, '\\$&')}\\r?$`, 'm');
        const match = terminator.exec(source.slice(i));
        const stop = match ? i + match.index + match[0].length : source.length;
        countLines(i, stop);
        i = stop;
        if (source[i] === '\n') {
          line++;
          i++;
        }
      }
      continue;
    }
    if (char === ' ' || char === '\t' || char === '\r' || char === '\f') {
      spaced = true;
      i++;
      continue;
    }
    if (char === '\\' && source[i + 1] === '\n') {
      spaced = true;
      line++;
      i += 2;
      continue;
    }
    if (char === '#') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    const prev = tokens.at(-1);
    const start = i;

    if (char === "'" || char === '"' || char === '`') {
      const end = scanQuoted(source, i + 1, char, char, char !== "'");
      const raw = source.slice(i + 1, end - 1);
      countLines(i, end);
      push({ kind: 'string', text: source.slice(i, end), value: staticValue(raw, char !== "'"), raw, start, end });
      i = end;
      continue;
    }
    if (char === '%' && startsLiteral(source, i, prev, spaced)) {
      const match = /^%([qQwWiIrsx]?)([^\w\s])/.exec(source.slice(i, i + 3));
      if (match) {
        const [, type, open] = match as unknown as [string, string, string];
        const close = PAIRS[open] ?? open;
        const body = i + match[0].length;
        const interpolates = !['q', 'w', 'i', 's'].includes(type);
        const end = scanQuoted(source, body, close, open, interpolates);
        const raw = source.slice(body, end - 1);
        countLines(i, end);
        const kind: Kind = type === 'r' ? 'regex' : type === 's' ? 'symbol' : 'string';
        const value = type === '' || type === 'q' || type === 'Q' || type === 's' ? staticValue(raw, interpolates) : undefined;
        push({ kind, text: source.slice(i, end), value, start, end });
        i = end;
        continue;
      }
    }
    if (char === '/' && startsLiteral(source, i, prev, spaced)) {
      let end = scanQuoted(source, i + 1, '/', '/', true);
      while (/[a-z]/.test(source[end] ?? '')) end++;
      countLines(i, end);
      push({ kind: 'regex', text: source.slice(i, end), start, end });
      i = end;
      continue;
    }
    if (char === '<' && source[i + 1] === '<') {
      const match = /^<<([~-]?)(["'`]?)([A-Za-z_]\w*)\2/.exec(source.slice(i, i + 256));
      const plainOk = match && (match[1] !== '' || match[2] !== '' || /^[A-Z_]/.test(match[3]!)) && startsLiteral(source, i, prev, spaced);
      if (match && plainOk) {
        heredocs.push({ id: match[3]!, indented: match[1] !== '' });
        push({ kind: 'string', text: match[0], value: undefined, start, end: i + match[0].length });
        i += match[0].length;
        continue;
      }
    }
    if (char === ':' && source[i + 1] !== ':') {
      // `key: value` (a label right after an identifier) is punctuation, not the start of a symbol.
      const label = prev && !spaced && (prev.kind === 'ident' || prev.kind === 'const' || prev.kind === 'string');
      if (!label && (source[i + 1] === '"' || source[i + 1] === "'")) {
        const end = scanQuoted(source, i + 2, source[i + 1]!, source[i + 1]!, source[i + 1] === '"');
        const raw = source.slice(i + 2, end - 1);
        push({ kind: 'symbol', text: source.slice(i, end), value: staticValue(raw, source[i + 1] === '"'), start, end });
        i = end;
        continue;
      }
      const symbol = label ? null : /^:(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*[?!=]?|\[\]=?|[+\-*/%<>=!~^&|]+|@{1,2}\w+|\$\w+)/.exec(source.slice(i, i + 256));
      if (symbol) {
        push({ kind: 'symbol', text: symbol[0], value: symbol[0].slice(1), start, end: i + symbol[0].length });
        i += symbol[0].length;
        continue;
      }
    }
    const word = /^(?:[@$]{0,2})[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*(?:[?!](?!=))?/.exec(source.slice(i, i + 256));
    if (word) {
      const text = word[0];
      const kind: Kind = /^[@$]/.test(text) ? 'var' : /^[A-Z]/.test(text) ? 'const' : 'ident';
      push({ kind, text, start, end: i + text.length });
      i += text.length;
      continue;
    }
    const number = /^\d[\w.]*/.exec(source.slice(i, i + 64));
    if (number) {
      push({ kind: 'number', text: number[0], start, end: i + number[0].length });
      i += number[0].length;
      continue;
    }
    if (char === '?' && /^\?[^\s]/.test(source.slice(i, i + 2)) && !endsValue(prev) && !/\w/.test(source[i + 2] ?? ' ')) {
      push({ kind: 'string', text: source.slice(i, i + 2), value: source[i + 1], start, end: i + 2 });
      i += 2;
      continue;
    }
    const punct = MULTI_PUNCT.find((candidate) => source.startsWith(candidate, i)) ?? char;
    push({ kind: 'punct', text: punct, start, end: i + punct.length });
    i += punct.length;
  }
  return tokens;
}

/** Index just past the closing delimiter; `#{...}` skipped as a whole when the literal interpolates. */
function scanQuoted(source: string, from: number, close: string, open: string, interpolates: boolean): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const char = source[i]!;
    if (char === '\\') i++;
    else if (interpolates && char === '#' && source[i + 1] === '{') i = skipInterpolation(source, i + 2) - 1;
    else if (char === close && open !== close && --depth === 0) return i + 1;
    else if (char === close && open === close) return i + 1;
    else if (char === open && open !== close) depth++;
  }
  return source.length;
}

function skipInterpolation(source: string, from: number): number {
  let depth = 1;
  for (let i = from; i < source.length; i++) {
    const char = source[i]!;
    if (char === '"' || char === "'" || char === '`') i = scanQuoted(source, i + 1, char, char, char !== "'") - 1;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) return i + 1;
  }
  return source.length;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', e: '\x1b', '0': '\0' };

/** The string a literal spells, or undefined when it interpolates. */
function staticValue(raw: string, doubleQuoted: boolean): string | undefined {
  if (!doubleQuoted) return raw.replace(/\\([\\'])/g, '$1');
  if (/(?<!\\)(?:\\\\)*#[{@$]/.test(raw)) return undefined;
  return raw.replace(/\\(.)/gs, (_, char: string) => ESCAPES[char] ?? char);
}

export interface RubyCall {
  args: Token[][];
  /** Index of the `do` or `{` that opens the call's block, if any. */
  block: number | undefined;
  headerEnd: number;
}


export function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if (tokens[i]!.kind !== 'punct') continue;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if ((t === ')' || t === ']' || t === '}') && --depth === 0) return i;
  }
  return tokens.length - 1;
}

/** The arguments of the call whose method name is at `index`: `m(a, b) do`, `m a, b do`, `m { }`. */
export function readCall(tokens: Token[], index: number): RubyCall {
  let i = index + 1;
  let argTokens: Token[] = [];
  let headerEnd = index;
  const next = tokens[i];
  if (next?.text === '(' && next.kind === 'punct' && !next.spaced) {
    const close = closing(tokens, i);
    argTokens = tokens.slice(i + 1, close);
    headerEnd = close;
    i = close + 1;
  } else if (next && next.text !== '{' && next.kind !== 'nl') {
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === 'punct' && ['(', '[', '{'].includes(t.text)) depth++;
      else if (t.kind === 'punct' && [')', ']', '}'].includes(t.text)) {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && ((t.kind === 'ident' && (t.text === 'do' || t.text === 'end')) || t.text === ';')) break;
      else if (depth === 0 && t.kind === 'nl' && !continues(tokens[i - 1])) break;
      if (t.kind !== 'nl') headerEnd = i;
    }
    argTokens = tokens.slice(index + 1, headerEnd + 1).filter((t) => t.kind !== 'nl');
  }
  const opener = tokens[i];
  const block = opener && ((opener.kind === 'ident' && opener.text === 'do') || (opener.kind === 'punct' && opener.text === '{')) ? i : undefined;
  return { args: splitTopLevel(argTokens), block, headerEnd };
}

/** A line that ends in `,` or an operator goes on on the next line. */
function continues(last: Token | undefined): boolean {
  return last?.kind === 'punct' && ![')', ']', '}'].includes(last.text);
}

export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && ['(', '[', '{'].includes(t.text)) depth++;
    if (t.kind === 'punct' && [')', ']', '}'].includes(t.text)) depth--;
    if (depth === 0 && t.kind === 'punct' && t.text === ',') {
      parts.push(current);
      current = [];
    } else if (t.kind !== 'nl') current.push(t);
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** A lone string or symbol literal's value. */
export function literalOf(arg: Token[]): string | undefined {
  if (arg.length !== 1) return undefined;
  const [t] = arg as [Token];
  return t.kind === 'string' || t.kind === 'symbol' ? t.value : undefined;
}

/** `key: value`, `:key => value` or `'key' => value`: the key and the value's tokens. */
export function pairOf(arg: Token[]): { key: string; value: Token[] } | undefined {
  const [first, second] = arg;
  if (!first || !second) return undefined;
  if ((first.kind === 'ident' || first.kind === 'const' || first.kind === 'string') && second.text === ':' && !second.spaced) {
    return { key: first.kind === 'string' ? (first.value ?? '') : first.text, value: arg.slice(2) };
  }
  if ((first.kind === 'symbol' || first.kind === 'string') && second.text === '=>') return { key: first.value ?? '', value: arg.slice(2) };
  return undefined;
}
