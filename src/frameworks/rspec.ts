// Ruby: RSpec + VCR. Cassettes are `<cassette_library_dir>/<name>.yml`, the name sanitized the way
// VCR's file system persister does. The record hook (hooks/rerecord_vcr.rb) is loaded through
// RUBYLIB + RUBYOPT rather than `rspec --require`, so that it also reaches a user's own command
// (`bundle exec rspec {file}`, `bin/rspec {file}`): every Ruby process honours RUBYOPT.
import path from 'node:path';
import { fillCommand, hookEnvironment, type CassetteRef, type FrameworkPreset } from './preset.js';
import type { ProjectFiles } from './project-files.js';

const HOOK_FEATURE = 'rerecord_vcr';
const DEFAULT_CASSETTE_SUBDIR = 'fixtures/vcr_cassettes';

export const rspec: FrameworkPreset = {
  name: 'rspec',
  defaultTestDir: 'spec',
  defaultTestPattern: '**/*_spec.rb',
  defaultCommand: ['rspec', '{file}'],
  hasRecordHook: true,

  detect: (project) => project.isFile('.rspec') || project.isFile('spec/spec_helper.rb'),

  /** The `cassette_library_dir =` of a helper file; VCR resolves a relative one against the cwd (the project root). */
  defaultCassetteDir(project, testDir) {
    for (const file of helperFiles(project, testDir)) {
      const dir = cassetteLibraryDir(project.readText(file) ?? '', file);
      if (dir !== undefined) return dir;
    }
    return path.posix.join(testDir, DEFAULT_CASSETTE_SUBDIR);
  },

  findCassetteRefs: (source, wrappers) => findRubyCassetteRefs(source, wrappers),

  cassettePath: (cassetteDir, name) => path.posix.join(cassetteDir, `${sanitizeCassetteName(name)}.yml`),

  launch(absoluteFile, command, hook) {
    // RUBYOPT splits on blanks and has no quoting, so the hook goes in by feature name from RUBYLIB
    // (split on ':' only): an install path with spaces still works.
    const rubylib = [hook.hookDirectory, process.env.RUBYLIB].filter((part) => part).join(path.delimiter);
    const rubyopt = [process.env.RUBYOPT, `-r${HOOK_FEATURE}`].filter((part) => part).join(' ');
    // A Spring-preloaded app server (Rails binstubs) was started with another environment and would
    // run the specs without the hook: DISABLE_SPRING makes the binstub run them in this process.
    return { ...fillCommand(command, absoluteFile), env: { ...hookEnvironment(hook), RUBYLIB: rubylib, RUBYOPT: rubyopt, DISABLE_SPRING: '1' } };
  },
};

/** VCR's FileSystem persister: every run of characters other than [[:word:]], `-` and `/` becomes `_`. */
export function sanitizeCassetteName(name: string): string {
  return name.replace(/[^\p{L}\p{M}\p{Nd}\p{Pc}\-/]+/gu, '_');
}

/** spec_helper.rb, rails_helper.rb and friends directly in the test dir, then the test dir's support/*.rb. */
function helperFiles(project: ProjectFiles, testDir: string): string[] {
  const rubyIn = (dir: string) =>
    project
      .list(dir)
      .filter((name) => name.endsWith('.rb') && !name.endsWith('_spec.rb'))
      .sort((a, b) => Number(b === 'spec_helper.rb') - Number(a === 'spec_helper.rb') || a.localeCompare(b))
      .map((name) => path.posix.join(dir, name));
  return [...rubyIn(testDir), ...rubyIn(path.posix.join(testDir, 'support'))];
}

// ---------------------------------------------------------------------------------------------
// A small Ruby lexer: enough to skip comments, strings, heredocs and regexps, and to know which
// `end` closes which block. Not a parser: what it cannot read it leaves unresolved.

type Kind = 'ident' | 'const' | 'var' | 'string' | 'symbol' | 'number' | 'regex' | 'punct' | 'nl';

interface Token {
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
function endsValue(prev: Token | undefined): boolean {
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

function tokenize(source: string): Token[] {
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

// ---------------------------------------------------------------------------------------------
// Cassette references: VCR.use_cassette / insert_cassette (and the user's wrappers) with their
// first argument, and examples that run under `:vcr` metadata, named as VCR's rspec integration
// does: the descriptions of the groups and the example joined with `/`.

const GROUPS = new Set(['describe', 'context', 'feature', 'example_group', 'fdescribe', 'fcontext', 'ffeature']);
const SKIPPED_GROUPS = new Set(['xdescribe', 'xcontext', 'xfeature']);
const SHARED_GROUPS = new Set(['shared_examples', 'shared_examples_for', 'shared_context']);
const EXAMPLES = new Set(['it', 'specify', 'example', 'scenario', 'focus', 'fit', 'fspecify', 'fexample', 'fscenario']);
const SKIPPED_EXAMPLES = new Set(['xit', 'xspecify', 'xexample', 'xscenario', 'skip']);
const VCR_METHODS = new Set(['use_cassette', 'insert_cassette']);

/** A `:vcr` setting as written: off, on with a literal or computed name, or something we cannot read. */
type VcrSetting = { on: false } | { on: true; name?: string; dynamic?: string } | { unknown: string };

interface Frame {
  closer: 'end' | '}';
  kind: 'group' | 'example' | 'shared' | 'skipped' | 'other';
  /** The group's or example's description; undefined when only run time can tell. */
  description?: string;
  header?: string;
  vcr?: VcrSetting;
}

interface Call {
  args: Token[][];
  /** Index of the `do` or `{` that opens the call's block, if any. */
  block: number | undefined;
  headerEnd: number;
}

export function findRubyCassetteRefs(source: string, wrappers: readonly string[]): CassetteRef[] {
  const tokens = tokenize(source);
  const refs: CassetteRef[] = [];
  const stack: Frame[] = [];
  const pending = new Map<number, Frame>();
  const wrapperNames = new Set(wrappers);
  const text = (from: Token, to: Token) => source.slice(from.start, to.end).replace(/\s+/g, ' ').trim();
  let doBelongsToLoop = -1; // line of a `while`/`until`/`for` whose optional `do` is not a block

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const prev = tokens[i - 1];
    const afterDot = prev?.kind === 'punct' && (prev.text === '.' || prev.text === '&.' || prev.text === '::');
    const isLabel = tokens[i + 1]?.text === ':' && !tokens[i + 1]!.spaced;

    const frame = pending.get(i);
    if (frame) {
      pending.delete(i);
      stack.push(frame);
      if (frame.kind === 'example') refs.push(...exampleRefs(frame, stack, token.line));
      continue;
    }
    if (token.kind === 'punct') {
      if (token.text === '{') stack.push({ closer: '}', kind: 'other' });
      else if (token.text === '}') popTo(stack, '}');
      continue;
    }
    if (token.kind === 'const' && token.text === 'VCR' && tokens[i + 1]?.text === '.' && VCR_METHODS.has(tokens[i + 2]?.text ?? '')) {
      const call = readCall(tokens, i + 2);
      refs.push(nameRef(call.args[0], tokens[i]!, text));
      continue;
    }
    const receiverIsRSpec = prev?.text === '.' && tokens[i - 2]?.text === 'RSpec';
    if (token.kind !== 'ident' || (afterDot && !receiverIsRSpec) || isLabel) continue;

    if (wrapperNames.has(token.text) && prev?.text !== 'def') {
      const call = readCall(tokens, i);
      if (call.args.length > 0) refs.push(nameRef(call.args[0], token, text));
      continue;
    }
    const dsl = statementStart(prev) || receiverIsRSpec;
    const word = token.text;
    if (dsl && (GROUPS.has(word) || SKIPPED_GROUPS.has(word) || SHARED_GROUPS.has(word) || EXAMPLES.has(word) || SKIPPED_EXAMPLES.has(word))) {
      const call = readCall(tokens, i);
      if (call.block !== undefined) {
        const closer = tokens[call.block]!.text === 'do' ? 'end' : '}';
        const header = text(receiverIsRSpec ? tokens[i - 2]! : token, tokens[call.headerEnd]!);
        pending.set(call.block, describeCall(word, call.args, closer, header, source));
        continue;
      }
    }
    switch (word) {
      case 'do':
        if (token.line === doBelongsToLoop) doBelongsToLoop = -1;
        else stack.push({ closer: 'end', kind: 'other' });
        break;
      case 'end':
        popTo(stack, 'end');
        break;
      case 'class':
      case 'module':
      case 'begin':
      case 'case':
        stack.push({ closer: 'end', kind: 'other' });
        break;
      case 'def':
        if (!endlessDef(tokens, i)) stack.push({ closer: 'end', kind: 'other' });
        break;
      case 'if':
      case 'unless':
      case 'while':
      case 'until':
      case 'for':
        // As modifiers (`x if y`, `return if y`) they take no `end`.
        if (!endsValue(prev) && !['return', 'break', 'next'].includes(prev?.text ?? '')) {
          stack.push({ closer: 'end', kind: 'other' });
          if (word === 'while' || word === 'until' || word === 'for') doBelongsToLoop = token.line;
        }
        break;
    }
  }
  return refs;
}

function popTo(stack: Frame[], closer: Frame['closer']): void {
  const index = stack.findLastIndex((frame) => frame.closer === closer);
  if (index !== -1) stack.length = index;
}

function statementStart(prev: Token | undefined): boolean {
  if (!prev || prev.kind === 'nl') return true;
  return (prev.kind === 'punct' && [';', '{', '|'].includes(prev.text)) || (prev.kind === 'ident' && ['do', 'then', 'else', 'begin'].includes(prev.text));
}

function endlessDef(tokens: Token[], index: number): boolean {
  let i = index + 1;
  const setterName = (k: number) => tokens[k]!.text === '=' && !tokens[k]!.spaced && tokens[k - 1]?.kind === 'ident' && tokens[k + 1]?.text === '(';
  while (tokens[i] && tokens[i]!.kind !== 'nl' && tokens[i]!.text !== '(' && !(tokens[i]!.text === '=' && !setterName(i)) && tokens[i]!.text !== ';') i++;
  if (tokens[i]?.text === '(') i = closing(tokens, i) + 1;
  return tokens[i]?.text === '=';
}

/** Index of the token that closes the bracket at `open`. */
function closing(tokens: Token[], open: number): number {
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
function readCall(tokens: Token[], index: number): Call {
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

function splitTopLevel(tokens: Token[]): Token[][] {
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

function nameRef(arg: Token[] | undefined, at: Token, text: (from: Token, to: Token) => string): CassetteRef {
  if (!arg || arg.length === 0) return { name: undefined, expression: '(no cassette name)', line: at.line };
  return { name: literalOf(arg), expression: text(arg[0]!, arg.at(-1)!), line: arg[0]!.line };
}

/** A lone string or symbol literal's value. */
function literalOf(arg: Token[]): string | undefined {
  if (arg.length !== 1) return undefined;
  const [t] = arg as [Token];
  return t.kind === 'string' || t.kind === 'symbol' ? t.value : undefined;
}

/** `key: value`, `:key => value` or `'key' => value`: the key and the value's tokens. */
function pairOf(arg: Token[]): { key: string; value: Token[] } | undefined {
  const [first, second] = arg;
  if (!first || !second) return undefined;
  if ((first.kind === 'ident' || first.kind === 'const' || first.kind === 'string') && second.text === ':' && !second.spaced) {
    return { key: first.kind === 'string' ? (first.value ?? '') : first.text, value: arg.slice(2) };
  }
  if ((first.kind === 'symbol' || first.kind === 'string') && second.text === '=>') return { key: first.value ?? '', value: arg.slice(2) };
  return undefined;
}

function describeCall(word: string, args: Token[][], closer: Frame['closer'], header: string, source: string): Frame {
  const kind: Frame['kind'] = GROUPS.has(word) ? 'group' : EXAMPLES.has(word) ? 'example' : SHARED_GROUPS.has(word) ? 'shared' : 'skipped';
  // RSpec: a trailing hash and trailing symbols are metadata; what comes before describes.
  const rest = [...args];
  let vcr: VcrSetting | undefined;
  const last = rest.at(-1);
  if (last && (pairOf(last) || (last[0]?.text === '{' && last.at(-1)?.text === '}'))) {
    const pairs = last[0]?.text === '{' ? splitTopLevel(last.slice(1, -1)) : rest.splice(rest.findIndex((arg) => pairOf(arg)), Infinity);
    vcr = vcrFromPairs(pairs, source);
    if (last[0]?.text === '{') rest.pop();
  }
  while (rest.length > 0 && rest.at(-1)!.length === 1 && rest.at(-1)![0]!.kind === 'symbol') {
    if (rest.pop()![0]!.value === 'vcr') vcr ??= { on: true };
  }
  return { closer, kind, description: descriptionOf(rest), header, vcr };
}

function vcrFromPairs(pairs: Token[][], source: string): VcrSetting | undefined {
  const text = (tokens: Token[]) => source.slice(tokens[0]!.start, tokens.at(-1)!.end).replace(/\s+/g, ' ');
  for (const arg of pairs) {
    const pair = pairOf(arg);
    if (pair?.key !== 'vcr') continue;
    const { value } = pair;
    const only = value.length === 1 ? value[0]!.text : undefined;
    if (only === 'true') return { on: true };
    if (only === 'false' || only === 'nil') return { on: false };
    if (value[0]?.text === '{' && value.at(-1)?.text === '}') {
      for (const option of splitTopLevel(value.slice(1, -1))) {
        const inner = pairOf(option);
        if (inner?.key !== 'cassette_name') continue;
        const name = literalOf(inner.value);
        return name === undefined ? { on: true, dynamic: text(inner.value) } : { on: true, name };
      }
      return { on: true };
    }
    return { unknown: value.length > 0 ? text(value) : '' };
  }
  return undefined;
}

/** RSpec's description from the leading arguments; undefined when only run time can tell. */
function descriptionOf(args: Token[][]): string | undefined {
  if (args.length === 0) return '';
  const parts = args.slice(0, 2).map((arg) => {
    if (arg.length === 1 && (arg[0]!.kind === 'string' || arg[0]!.kind === 'symbol')) return { text: arg[0]!.value, module: false };
    // A constant path (`Foo::Bar`) describes a class or module: its name. ALL_CAPS names hold values.
    const constant = arg.every((t, k) => (k % 2 === 0 ? t.kind === 'const' : t.text === '::'));
    if (constant && arg.length % 2 === 1 && !arg.some((t) => /^[A-Z0-9]*_[A-Z0-9_]*$/.test(t.text))) return { text: arg.map((t) => t.text).join(''), module: true };
    return { text: undefined, module: false };
  });
  if (args.length > 2 || parts.some((part) => part.text === undefined)) return undefined;
  const [first, second] = parts as [{ text: string; module: boolean }, { text: string; module: boolean } | undefined];
  if (!second) return first.text;
  if (first.text === '') return second.text;
  return first.text + (first.module && /^(?:#|::|\.)/.test(second.text) ? '' : ' ') + second.text;
}

/** The cassette an example opens through `:vcr` metadata (its own or inherited), if any. */
function exampleRefs(example: Frame, stack: readonly Frame[], line: number): CassetteRef[] {
  const chain = stack.filter((frame) => frame.kind !== 'other');
  if (chain.some((frame) => frame.kind === 'skipped')) return [];
  const setting = [...chain].reverse().find((frame) => frame.vcr !== undefined)?.vcr;
  if (!setting || ('on' in setting && !setting.on)) return [];
  const header = example.header ?? '';
  if ('unknown' in setting) return [{ name: undefined, expression: `vcr: ${setting.unknown}`, line }];
  if (setting.name !== undefined) return [{ name: setting.name, expression: header, line }];
  if (setting.dynamic !== undefined) return [{ name: undefined, expression: setting.dynamic, line }];
  const descriptions = chain.map((frame) => frame.description);
  // Shared examples take their group names from wherever they are included; a missing
  // description makes RSpec use a position id ("1:2") instead.
  const known = !chain.some((frame) => frame.kind === 'shared') && descriptions.every((text) => text !== undefined && text !== '');
  return [{ name: known ? descriptions.join('/') : undefined, expression: `vcr metadata: ${header}`, line }];
}

function only(values: string[] | undefined): string | undefined {
  return values?.length === 1 ? values[0] : undefined;
}

// ---------------------------------------------------------------------------------------------
// `cassette_library_dir = ...` in a helper file: the common spellings, resolved against the
// project root (VCR's cwd), or undefined when it is anything else.

function cassetteLibraryDir(source: string, file: string): string | undefined {
  const tokens = tokenize(source);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.text !== 'cassette_library_dir' || tokens[i + 1]?.text !== '=') continue;
    let end = i + 2;
    let depth = 0;
    for (; end < tokens.length; end++) {
      const t = tokens[end]!;
      if (t.kind === 'punct' && ['(', '[', '{'].includes(t.text)) depth++;
      else if (t.kind === 'punct' && [')', ']', '}'].includes(t.text) && --depth < 0) break;
      else if (depth === 0 && (t.kind === 'nl' || t.text === ';' || t.text === 'end')) break;
    }
    const evaluator = new PathEvaluator(tokens.slice(i + 2, end), file);
    const value = evaluator.expression();
    if (value === undefined || !evaluator.done() || path.posix.isAbsolute(value)) continue;
    const dir = path.posix.normalize(value);
    if (dir === '..' || dir.startsWith('../')) continue;
    return dir.replace(/\/$/, '') || '.';
  }
  return undefined;
}

/**
 * Evaluates path expressions to project-relative paths: string literals, `__dir__`, `__FILE__`,
 * `File.join/expand_path/dirname`, `Rails.root(.join)`, `Pathname.new`, `Dir.pwd`, `"#{__dir__}/x"`, `.to_s`.
 */
class PathEvaluator {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  done(): boolean {
    return this.at === this.tokens.length;
  }

  expression(): string | undefined {
    let value = this.primary();
    while (value !== undefined && this.peek('.')) {
      this.at++;
      const method = this.tokens[this.at++]?.text;
      if (method === 'to_s' || method === 'to_path' || method === 'freeze' || method === 'expand_path') continue;
      if (method === 'join') {
        const args = this.arguments();
        value = args === undefined ? undefined : path.posix.join(value, ...args);
      } else if (method === 'dirname' || method === 'parent') value = path.posix.dirname(value);
      else return undefined;
    }
    return value;
  }

  private primary(): string | undefined {
    const token = this.tokens[this.at++];
    if (!token) return undefined;
    if (token.kind === 'string') {
      const value = token.value ?? this.interpolated(token);
      return value?.startsWith('~') ? undefined : value;
    }
    if (token.text === '__dir__') return this.here();
    if (token.text === '__FILE__') return this.file;
    if (token.kind !== 'const') return undefined;
    if (token.text === 'Pathname' && this.peek('(')) return only(this.arguments());
    if (!this.peek('.')) return undefined;
    this.at++;
    const method = `${token.text}.${this.tokens[this.at++]?.text ?? ''}`;
    if (method === 'Rails.root' || method === 'Dir.pwd') return '';
    const args = this.arguments();
    if (!args) return undefined;
    if (method === 'Pathname.new') return only(args);
    if (method === 'File.join') return path.posix.join(...args);
    if (method === 'File.dirname') return only(args) === undefined ? undefined : path.posix.dirname(args[0]!);
    if (method === 'File.expand_path' && args.length === 1) return args[0];
    // expand_path(name, dir): name against dir, unless name is absolute already.
    if (method === 'File.expand_path' && args.length === 2) return path.posix.isAbsolute(args[0]!) ? args[0] : path.posix.join(args[1]!, args[0]!);
    return undefined;
  }

  /** `(a, b)`: each evaluated; undefined when one cannot be. */
  private arguments(): string[] | undefined {
    if (!this.peek('(')) return undefined;
    const close = closing(this.tokens, this.at);
    const values: string[] = [];
    for (const arg of splitTopLevel(this.tokens.slice(this.at + 1, close))) {
      const inner = new PathEvaluator(arg, this.file);
      const value = inner.expression();
      if (value === undefined || !inner.done()) return undefined;
      values.push(value);
    }
    this.at = close + 1;
    return values;
  }

  /** `"#{__dir__}/cassettes"` and friends. */
  private interpolated(token: Token): string | undefined {
    if (token.raw === undefined) return undefined;
    let failed = false;
    const value = token.raw.replace(/#\{([^}]*)\}/g, (_, code: string) => {
      const inner = new PathEvaluator(tokenize(code), this.file);
      const part = inner.expression();
      if (part === undefined || !inner.done()) failed = true;
      return part === '' ? '.' : (part ?? '');
    });
    return failed || value.includes('#{') ? undefined : value;
  }

  private here(): string {
    return path.posix.dirname(this.file);
  }

  private peek(text: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === 'punct' && token.text === text;
  }
}
