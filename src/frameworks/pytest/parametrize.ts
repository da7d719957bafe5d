// The ids pytest gives parametrized tests (`test_x[1-a]`), computed from the source when the
// values are literals, the way pytest 7 does: strings as they are, numbers, True/False/None by
// str(), anything else `<argname><index>`, `ids=` and `pytest.param(id=)` first, duplicates
// numbered. Whatever depends on run time (a name, a call, an ids function) is reported instead.
import { callArguments, splitArguments } from '../shared/source-scan.js';
import { decoratorArguments, keywordArgument, positionalArguments, pythonLiteral } from './python-source.js';

export type ParametrizeIds = { ids: string[] } | { unresolved: string };

/** More combinations than this and a prediction is no longer worth the list. */
const MAX_COMBINATIONS = 5000;

const PARAMETRIZE = /^(?:pytest\s*\.\s*)?mark\s*\.\s*parametrize\s*\(/;

export function isParametrize(expression: string): boolean {
  return PARAMETRIZE.test(expression.trim());
}

/**
 * Ids of one test from its parametrize marks, closest to the function first (pytest applies
 * decorators bottom-up, and joins the ids of stacked marks in that order with `-`).
 */
export function parametrizeIds(marks: readonly string[], constants: ReadonlyMap<string, string>): ParametrizeIds | undefined {
  if (marks.length === 0) return undefined;
  let combined: string[] = [''];
  for (const mark of marks) {
    const one = oneParametrize(mark, constants);
    if ('unresolved' in one) return one;
    if (combined.length * one.ids.length > MAX_COMBINATIONS) return { unresolved: `more than ${MAX_COMBINATIONS} parameter combinations` };
    combined = combined.flatMap((prefix) => one.ids.map((id) => (prefix === '' ? id : `${prefix}-${id}`)));
  }
  return { ids: combined };
}

function oneParametrize(mark: string, constants: ReadonlyMap<string, string>): ParametrizeIds {
  const args = decoratorArguments(mark.trim());
  const positional = positionalArguments(args);
  const namesExpression = positional[0] ?? keywordArgument(args, 'argnames');
  const valuesExpression = positional[1] ?? keywordArgument(args, 'argvalues');
  if (namesExpression === undefined || valuesExpression === undefined) return { unresolved: 'parametrize without argnames and argvalues' };
  const argnames = parseArgnames(namesExpression);
  if (!argnames) return { unresolved: `argnames ${namesExpression} are not a literal` };
  const values = sequenceItems(resolveConstant(valuesExpression, constants));
  if (!values) return { unresolved: `argvalues ${valuesExpression} are not a literal list` };
  const idsExpression = keywordArgument(args, 'ids');
  let explicit: Array<string | undefined> | undefined;
  if (idsExpression !== undefined && idsExpression !== 'None') {
    const items = sequenceItems(resolveConstant(idsExpression, constants));
    if (!items) return { unresolved: `ids=${idsExpression} is computed at run time` };
    explicit = items.map((item) => (item === 'None' ? undefined : pythonLiteral(item)));
    if (explicit.some((id, index) => id === undefined && items[index] !== 'None')) return { unresolved: `ids=${idsExpression} holds values that are not strings` };
  }
  const ids: string[] = [];
  for (const [index, item] of values.entries()) {
    const id = explicit?.[index] ?? paramId(item, argnames, index);
    if (id === undefined) return { unresolved: `parameter ${item} only has an id at run time` };
    ids.push(id);
  }
  return { ids: numberDuplicates(ids) };
}

function parseArgnames(expression: string): string[] | undefined {
  const literal = pythonLiteral(expression);
  if (literal !== undefined) return literal.split(',').map((name) => name.trim()).filter(Boolean);
  const items = sequenceItems(expression);
  const names = items?.map(pythonLiteral);
  return names?.every((name) => name !== undefined) ? (names as string[]) : undefined;
}

function resolveConstant(expression: string, constants: ReadonlyMap<string, string>): string {
  const trimmed = expression.trim();
  return /^[A-Za-z_]\w*$/.test(trimmed) ? (constants.get(trimmed) ?? trimmed) : trimmed;
}

/** The items of a list or tuple literal, or undefined for anything else. */
function sequenceItems(expression: string): string[] | undefined {
  const trimmed = expression.trim();
  if (!/^[[(]/.test(trimmed)) return undefined;
  const inside = callArguments(trimmed, 0);
  if (inside.length !== trimmed.length - 2) return undefined;
  return splitArguments(inside);
}

/** One parameter set's id: `pytest.param(..., id=)` or its values' ids joined by `-`. */
function paramId(item: string, argnames: readonly string[], index: number): string | undefined {
  let values: string[];
  const param = /^(?:pytest\s*\.\s*)?param\s*\(/.exec(item);
  if (param) {
    const args = splitArguments(callArguments(item, param[0].length - 1));
    const id = keywordArgument(args, 'id');
    if (id !== undefined && id !== 'None') return pythonLiteral(id);
    values = positionalArguments(args);
  } else if (argnames.length === 1) {
    values = [item];
  } else {
    const items = sequenceItems(item);
    if (!items) return undefined;
    values = items;
  }
  if (values.length !== argnames.length) return undefined;
  const parts = values.map((value, position) => valueId(value, argnames[position]!, index));
  return parts.every((part) => part !== undefined) ? parts.join('-') : undefined;
}

/** pytest's id of one value; undefined when only run time knows what the expression is. */
function valueId(value: string, argname: string, index: number): string | undefined {
  const trimmed = value.trim();
  if (/^[rRuU]?["']/.test(trimmed)) {
    const text = pythonLiteral(trimmed);
    // pytest escapes what is not printable ASCII; an empty string is left to run time.
    return text !== undefined && text !== '' && /^[\x20-\x7e]*$/.test(text) && !text.includes('\\') ? text : undefined;
  }
  if (/^(?:True|False|None)$/.test(trimmed)) return trimmed;
  const number = pythonNumber(trimmed);
  if (number !== undefined) return number;
  // Literal containers are objects without a __name__: pytest falls back to the argument name.
  if (/^[[({]/.test(trimmed) && callArguments(trimmed, 0).length === trimmed.length - 2) return `${argname}${index}`;
  return undefined;
}

/** str() of an int or float literal, when JavaScript can spell it the same way. */
function pythonNumber(literal: string): string | undefined {
  const match = /^(-?)\s*(\d[\d_]*)(?:\.(\d[\d_]*)?)?$/.exec(literal) ?? /^(-?)\s*()\.(\d[\d_]*)$/.exec(literal);
  if (!match) return undefined;
  const [, sign, whole, fraction] = match;
  const isFloat = literal.includes('.');
  if (!isFloat) {
    if (whole!.length > 1 && whole!.startsWith('0')) return undefined;
    return `${sign}${BigInt(whole!.replaceAll('_', ''))}`;
  }
  const value = Number(`${whole || '0'}.${(fraction ?? '0').replaceAll('_', '')}`.replace(/^0+(?=\d)/, ''));
  if (!(value === 0 || (value >= 1e-4 && value < 1e16))) return undefined;
  return `${sign}${Number.isInteger(value) ? `${value}.0` : String(value)}`;
}

/** pytest numbers duplicate ids from 0 (`a0`, `a1`), leaving unique ones alone. */
function numberDuplicates(ids: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const next = new Map<string, number>();
  return ids.map((id) => {
    if (counts.get(id)! < 2) return id;
    const suffix = next.get(id) ?? 0;
    next.set(id, suffix + 1);
    return `${id}${suffix}`;
  });
}
