import { describe, expect, it } from 'vitest';
import { node } from '../../../src/frameworks/node/index.js';
import { blankComments, splitArguments, stringLiteral } from '../../../src/frameworks/shared/source-scan.js';
import { testthat } from '../../../src/frameworks/testthat/index.js';

describe('testthat cassette references', () => {
  it.each([
    ['use_cassette("a", {})', 'a'],
    ["vcr::use_cassette('b', { x })", 'b'],
    ['use_cassette(name = "c", {})', 'c'],
    ['use_cassette(record = "all", name = "d", {})', 'd'],
    ['local_cassette("e")', 'e'],
    ['insert_cassette("f")', 'f'],
    ['vcr:::insert_cassette(\n  "g"\n)', 'g'],
    ['use_cassette("with \\"quote\\"", {})', 'with "quote"'],
  ])('%s -> %s', (source, name) => {
    expect(testthat.findCassetteRefs(source, []).map((ref) => ref.name)).toEqual([name]);
  });

  it('leaves computed names unresolved and ignores comments and strings', () => {
    const source = [
      '# use_cassette("commented", {})',
      'x <- "use_cassette(\'in_string\')"',
      'use_cassette(paste0("dyn_", i), {',
      '})',
      'use_cassette("real", {}) # trailing use_cassette("nope")',
    ].join('\n');
    expect(testthat.findCassetteRefs(source, [])).toEqual([
      { name: undefined, expression: 'paste0("dyn_", i)', line: 3 },
      { name: 'real', expression: '"real"', line: 5 },
    ]);
  });

  it('does not match look-alike functions', () => {
    expect(testthat.findCassetteRefs('my_use_cassette_helper("x"); reuse_cassette("y")', [])).toEqual([]);
  });
});

describe('node fixture references', () => {
  it.each([
    ["nock.back('a.json')", 'a.json'],
    ['await nock.back("b.json", { before })', 'b.json'],
    ['nockBack(`c.json`)', 'c.json'],
    ["const { back } = nock; back('d.json', cb)", 'd.json'],
  ])('%s -> %s', (source, name) => {
    expect(node.findCassetteRefs(source, []).map((ref) => ref.name)).toEqual([name]);
  });

  it('ignores comments and other .back calls', () => {
    expect(node.findCassetteRefs("// nock.back('x.json')\n/* back('y.json') */ history.back(); router.back('z')", [])).toEqual([]);
  });
});

describe('scanning primitives', () => {
  it('blanks comments but keeps line numbers', () => {
    expect(blankComments('a # b\nc', 'hash')).toBe('a \nc');
    expect(blankComments('a /* x\ny */ b // z\nc', 'slash')).toBe('a     \n     b \nc');
    expect(blankComments('"# not a comment"', 'hash')).toBe('"# not a comment"');
  });

  it('splits arguments at top-level commas only', () => {
    expect(splitArguments('"a", f(1, 2), { x, y }, "c,d"')).toEqual(['"a"', 'f(1, 2)', '{ x, y }', '"c,d"']);
  });

  it('reads only true literals', () => {
    expect(stringLiteral('"x"')).toBe('x');
    expect(stringLiteral('`t-${n}`')).toBeUndefined();
    expect(stringLiteral('"a" + "b"')).toBeUndefined();
  });
});

describe('wrapper functions named by cassette-functions', () => {
  it('maps calls of the wrappers like the built-in calls, and nothing that merely ends with the name', () => {
    const source = "withFixture('a.json', fn)\nmy.withFixture('b.json')\nnotwithFixture('c.json')\nnock.back('d.json')";
    expect(node.findCassetteRefs(source, ['withFixture']).map((ref) => ref.name)).toEqual(['a.json', 'd.json']);
    expect(node.findCassetteRefs(source, []).map((ref) => ref.name)).toEqual(['d.json']);
  });

  it('works for R helpers with name =', () => {
    expect(testthat.findCassetteRefs('with_api_cassette(name = "x", {})', ['with_api_cassette']).map((ref) => ref.name)).toEqual(['x']);
  });
});
