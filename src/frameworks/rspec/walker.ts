// Cassette references in RSpec files: VCR.use_cassette / insert_cassette (and the user's
// wrappers) with their first argument, and examples that run under `:vcr` metadata, named as VCR's
// rspec integration does: the descriptions of the groups and the example joined with `/`.
import type { CassetteRef } from '../preset.js';
import { closing, endsValue, literalOf, pairOf, readCall, splitTopLevel, tokenize, type RubyCall, type Token } from './ruby-lexer.js';


const GROUPS = new Set(['describe', 'context', 'feature', 'example_group', 'fdescribe', 'fcontext', 'ffeature']);
const SKIPPED_GROUPS = new Set(['xdescribe', 'xcontext', 'xfeature']);
const SHARED_GROUPS = new Set(['shared_examples', 'shared_examples_for', 'shared_context']);
const EXAMPLES = new Set(['it', 'specify', 'example', 'scenario', 'focus', 'fit', 'fspecify', 'fexample', 'fscenario']);
const SKIPPED_EXAMPLES = new Set(['xit', 'xspecify', 'xexample', 'xscenario', 'skip']);
const VCR_METHODS = new Set(['use_cassette', 'insert_cassette']);

/** A `:vcr` setting as written: off, on with a literal or computed name, or something we cannot read. */
type VcrSetting = { on: false } | { on: true; name?: string; dynamic?: string; serializeWith?: Serializer } | { unknown: string };

/** `serialize_with:` as written: a serializer name, or null when only run time knows it. */
export type Serializer = string | null;

/** A cassette reference of a Ruby file, with the serializer its own options name (if they do). */
export interface RubyCassetteRef extends CassetteRef {
  serializeWith?: Serializer;
  /** The `:vcr` metadata of an example (only live with `configure_rspec_metadata!`). */
  metadata?: boolean;
  /**
   * The metadata comes from a group (or shared examples), not the example itself: spread over
   * examples that may make no request, for which VCR writes no file.
   */
  spread?: boolean;
}

interface Include {
  /** `it_behaves_like` nests a group "behaves like <name>"; `include_examples` does not. */
  nests: string | undefined;
  name: string | undefined;
  expression: string;
  line: number;
  vcr?: VcrSetting;
}

interface Frame {
  closer: 'end' | '}';
  kind: 'group' | 'example' | 'shared' | 'skipped' | 'other';
  /** The group's or example's description; undefined when only run time can tell. */
  description?: string;
  header?: string;
  vcr?: VcrSetting;
  line?: number;
  children?: Frame[];
  includes?: Include[];
  /** `let(:name) { "literal" }`: the literal, or undefined when computed. */
  lets?: Map<string, string | undefined>;
}

/** A cassette named by a variable (`VCR.use_cassette(cassette)`), resolved from `let`s once the file is read. */
interface LetUse {
  variable: string;
  /** The group, shared group and example frames around the call, outermost first. */
  chain: Frame[];
  line: number;
  serializeWith?: Serializer;
}

const INCLUDES: Record<string, string | undefined> = {
  it_behaves_like: 'behaves like',
  it_should_behave_like: 'it should behave like',
  include_examples: undefined,
  include_context: undefined,
};
const LETS = new Set(['let', 'let!', 'subject', 'subject!']);
/** Shared groups nested in shared groups through includes: deep enough for real suites, bounded for cycles. */
const MAX_INCLUDE_DEPTH = 6;

/** Shared example groups by name, as a file (or the helpers) define them. */
export type SharedLibrary = ReadonlyMap<string, Frame>;

export function findRubyCassetteRefs(source: string, wrappers: readonly string[]): CassetteRef[] {
  return readRspecFile(source, wrappers).refs.map((ref) => ({ name: ref.name, expression: ref.expression, line: ref.line }));
}

/** Every cassette reference of an RSpec file; `library` adds shared examples defined in helpers. */
export function readRspecFile(source: string, wrappers: readonly string[], library: SharedLibrary = new Map()): { refs: RubyCassetteRef[]; shared: Map<string, Frame> } {
  const tokens = tokenize(source);
  const refs: RubyCassetteRef[] = [];
  const root: Frame = { closer: 'end', kind: 'group', description: undefined, children: [], includes: [], lets: new Map() };
  const stack: Frame[] = [];
  const pending = new Map<number, Frame>();
  const letUses: LetUse[] = [];
  const shared = new Map<string, Frame>();
  const wrapperNames = new Set(wrappers);
  const text = (from: Token, to: Token) => source.slice(from.start, to.end).replace(/\s+/g, ' ').trim();
  const container = () => [...stack].reverse().find((frame) => frame.kind !== 'other' && frame.kind !== 'example') ?? root;
  const chainNow = () => stack.filter((frame) => frame.kind !== 'other');
  const cassetteCall = (call: RubyCall, at: Token) => {
    const serializeWith = serializerOf(call.args.slice(1));
    const [first] = call.args;
    if (first?.length === 1 && first[0]!.kind === 'ident' && tokens[tokens.indexOf(first[0]!) + 1]?.text !== '(') {
      letUses.push({ variable: first[0]!.text, chain: chainNow(), line: first[0]!.line, serializeWith });
    } else refs.push({ ...nameRef(first, at, text), serializeWith });
  };
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
      continue;
    }
    if (token.kind === 'punct') {
      if (token.text === '{') stack.push({ closer: '}', kind: 'other' });
      else if (token.text === '}') popTo(stack, '}');
      continue;
    }
    if (token.kind === 'const' && token.text === 'VCR' && tokens[i + 1]?.text === '.' && VCR_METHODS.has(tokens[i + 2]?.text ?? '')) {
      cassetteCall(readCall(tokens, i + 2), tokens[i]!);
      continue;
    }
    const receiverIsRSpec = prev?.text === '.' && tokens[i - 2]?.text === 'RSpec';
    if (token.kind !== 'ident' || (afterDot && !receiverIsRSpec) || isLabel) continue;

    if (wrapperNames.has(token.text) && prev?.text !== 'def') {
      const call = readCall(tokens, i);
      if (call.args.length > 0) cassetteCall(call, token);
      continue;
    }
    const dsl = statementStart(prev) || receiverIsRSpec;
    const word = token.text;
    if (dsl && (GROUPS.has(word) || SKIPPED_GROUPS.has(word) || SHARED_GROUPS.has(word) || EXAMPLES.has(word) || SKIPPED_EXAMPLES.has(word))) {
      const call = readCall(tokens, i);
      if (call.block !== undefined) {
        const closer = tokens[call.block]!.text === 'do' ? 'end' : '}';
        const header = text(receiverIsRSpec ? tokens[i - 2]! : token, tokens[call.headerEnd]!);
        const opened = { ...describeCall(word, call.args, closer, header, source), line: token.line, children: [], includes: [], lets: new Map() };
        if (opened.kind === 'shared') {
          const name = literalOf(call.args[0] ?? []);
          if (name !== undefined) shared.set(name, opened);
        } else container().children!.push(opened);
        pending.set(call.block, opened);
        continue;
      }
    }
    if (dsl && word in INCLUDES) {
      const call = readCall(tokens, i);
      const include: Include = {
        nests: INCLUDES[word],
        name: literalOf(call.args[0] ?? []),
        expression: text(token, tokens[call.headerEnd]!),
        line: token.line,
        vcr: metadataOf(call.args.slice(1), source),
      };
      if (include.nests !== undefined && call.block !== undefined) {
        // `it_behaves_like 'x' do ... end`: the block adds to the nested group.
        const closer = tokens[call.block]!.text === 'do' ? 'end' : '}';
        const nested: Frame = { closer, kind: 'group', description: include.name === undefined ? undefined : `${include.nests} ${include.name}`, header: include.expression, vcr: include.vcr, line: token.line, children: [], includes: [{ ...include, nests: undefined, vcr: undefined }], lets: new Map() };
        container().children!.push(nested);
        pending.set(call.block, nested);
      } else {
        container().includes!.push(include);
      }
      continue;
    }
    if (dsl && LETS.has(word)) {
      const call = readCall(tokens, i);
      const variable = word.startsWith('subject') ? (literalOf(call.args[0] ?? []) ?? 'subject') : literalOf(call.args[0] ?? []);
      if (variable !== undefined && call.block !== undefined && tokens[call.block]!.text === '{') {
        const body = tokens.slice(call.block + 1, closing(tokens, call.block));
        container().lets!.set(variable, literalOf(body.filter((t) => t.kind !== 'nl')));
      } else if (variable !== undefined) {
        container().lets!.set(variable, undefined);
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
  const lookup = (name: string) => shared.get(name) ?? library.get(name);
  refs.push(...metadataRefs(root, [], lookup, 0));
  for (const use of letUses) refs.push(...letRefs(use));
  refs.sort((a, b) => a.line - b.line);
  return { refs, shared };
}

/** Examples under `:vcr` metadata, walking groups and the shared examples they include. */
function metadataRefs(frame: Frame, path: readonly Frame[], lookup: (name: string) => Frame | undefined, depth: number): RubyCassetteRef[] {
  const refs: RubyCassetteRef[] = [];
  for (const child of frame.children ?? []) {
    if (child.kind === 'example') refs.push(...exampleRefs(child, [...path, child]));
    else refs.push(...metadataRefs(child, [...path, child], lookup, depth));
  }
  for (const include of frame.includes ?? []) {
    const definition = include.name === undefined ? undefined : lookup(include.name);
    if (!definition || depth >= MAX_INCLUDE_DEPTH) {
      refs.push({
        name: undefined,
        expression: `${include.expression}: ${definition ? 'shared examples nested too deep' : 'shared examples not found'}`,
        line: include.line,
        metadata: true,
      });
      continue;
    }
    // The shared group lends its metadata; `it_behaves_like` also nests a group "behaves like <name>".
    const mixin: Frame = { closer: 'end', kind: 'other', vcr: definition.vcr };
    const host: Frame = { closer: 'end', kind: 'other', vcr: include.vcr };
    const nested: Frame[] =
      include.nests === undefined ? [mixin, host] : [{ closer: 'end', kind: 'group', description: include.name === undefined ? undefined : `${include.nests} ${include.name}`, vcr: include.vcr }, mixin];
    refs.push(...metadataRefs(definition, [...path, ...nested], lookup, depth + 1).map((ref) => ({ ...ref, line: include.line })));
  }
  return refs;
}

/** `VCR.use_cassette(cassette)`: the `let(:cassette)` each example that reaches the call sees. */
function letRefs(use: LetUse): RubyCassetteRef[] {
  const at = (value: string | undefined): RubyCassetteRef => ({ name: value, expression: use.variable, line: use.line, serializeWith: use.serializeWith });
  const nearest = (chain: readonly Frame[]) => {
    for (const frame of [...chain].reverse()) if (frame.lets?.has(use.variable)) return { found: true, value: frame.lets.get(use.variable) };
    return { found: false, value: undefined };
  };
  const own = nearest(use.chain);
  if (use.chain.at(-1)?.kind === 'example' || use.chain.some((frame) => frame.kind === 'shared')) return own.found ? [at(own.value)] : [at(undefined)];
  // In a hook or helper of a group: every example below may override the let.
  const values = new Set<string | undefined>(own.found ? [own.value] : []);
  const visit = (frame: Frame) => {
    for (const child of frame.children ?? []) {
      if (child.lets?.has(use.variable)) values.add(child.lets.get(use.variable));
      visit(child);
    }
  };
  const group = use.chain.at(-1);
  if (group) visit(group);
  if (values.size === 0) return [at(undefined)];
  return [...values].map(at);
}

/** `serialize_with: :json` among a call's options; undefined when they do not say. */
function serializerOf(args: Token[][]): Serializer | undefined {
  const pairs = args.at(-1)?.[0]?.text === '{' ? splitTopLevel(args.at(-1)!.slice(1, -1)) : args;
  for (const arg of pairs) {
    const pair = pairOf(arg);
    if (pair?.key === 'serialize_with') return literalOf(pair.value) ?? null;
  }
  return undefined;
}

/** The `:vcr` metadata among an include's trailing arguments. */
function metadataOf(args: Token[][], source: string): VcrSetting | undefined {
  const pairs = args.filter((arg) => pairOf(arg));
  const fromPairs = pairs.length > 0 ? vcrFromPairs(pairs, source) : undefined;
  if (fromPairs) return fromPairs;
  return args.some((arg) => arg.length === 1 && arg[0]!.kind === 'symbol' && arg[0]!.value === 'vcr') ? { on: true } : undefined;
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

function nameRef(arg: Token[] | undefined, at: Token, text: (from: Token, to: Token) => string): CassetteRef {
  if (!arg || arg.length === 0) return { name: undefined, expression: '(no cassette name)', line: at.line };
  return { name: literalOf(arg), expression: text(arg[0]!, arg.at(-1)!), line: arg[0]!.line };
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
      const options = splitTopLevel(value.slice(1, -1));
      const serializeWith = serializerOf(options);
      for (const option of options) {
        const inner = pairOf(option);
        if (inner?.key !== 'cassette_name') continue;
        const name = literalOf(inner.value);
        return name === undefined ? { on: true, dynamic: text(inner.value) } : { on: true, name, serializeWith };
      }
      return { on: true, serializeWith };
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
function exampleRefs(example: Frame, chain: readonly Frame[]): RubyCassetteRef[] {
  if (chain.some((frame) => frame.kind === 'skipped')) return [];
  const source = [...chain].reverse().find((frame) => frame.vcr !== undefined);
  const setting = source?.vcr;
  if (!setting || ('on' in setting && !setting.on)) return [];
  const line = example.line ?? 0;
  const header = example.header ?? '';
  if ('unknown' in setting) return [{ name: undefined, expression: `vcr: ${setting.unknown}`, line, metadata: true }];
  const serializeWith = setting.serializeWith;
  const spread = source !== example ? { spread: true } : {};
  if (setting.name !== undefined) return [{ name: setting.name, expression: header, line, metadata: true, serializeWith, ...spread }];
  if (setting.dynamic !== undefined) return [{ name: undefined, expression: setting.dynamic, line, metadata: true }];
  // A missing description makes RSpec use a position id ("1:2") instead.
  const descriptions = chain.filter((frame) => frame.kind === 'group' || frame.kind === 'example').map((frame) => frame.description);
  const known = descriptions.every((text) => text !== undefined && text !== '');
  return [{ name: known ? descriptions.join('/') : undefined, expression: `vcr metadata: ${header}`, line, metadata: true, serializeWith, ...spread }];
}
