// Cassette references in RSpec files: VCR.use_cassette / insert_cassette (and the user's
// wrappers) with their first argument, and examples that run under `:vcr` metadata, named as VCR's
// rspec integration does: the descriptions of the groups and the example joined with `/`.
import type { CassetteRef } from './preset.js';
import { closing, endsValue, literalOf, pairOf, readCall, splitTopLevel, tokenize, type Token } from './ruby-lexer.js';


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
