import { describe, expect, it } from 'vitest';
import { firstFailureLine } from '../../../src/run/replay.js';

describe('firstFailureLine: the line that says why a replay failed, in the library\'s words', () => {
  it.each([
    [
      'nock back: the request follows on the next lines',
      '▶ items\n✖ lists the items as of now (12ms)\n  Error: Nock: No match for request {\n    "method": "GET",\n    "url": "http://api.test/items?now=17"\n  }\n',
      /^Error: Nock: No match for request \{ "method": "GET", "url": "http:\/\/api\.test\/items\?now=17" \}$/,
    ],
    [
      'vcrpy: the E line, not the source line pytest echoes before it',
      '>               raise CannotOverwriteExistingCassetteException(\nE               vcr.errors.CannotOverwriteExistingCassetteException: Can\'t overwrite existing cassette\n',
      /^vcr\.errors\.CannotOverwriteExistingCassetteException: Can't overwrite existing cassette$/,
    ],
    [
      'Ruby VCR and R vcr: the unhandled request named after the colon',
      'Failures:\n  1) clock lists the items as of now\n     VCR::Errors::UnhandledHTTPRequestError:\n\n  An HTTP request has been made that VCR does not know how to handle:\n    GET http://127.0.0.1:4000/items?now=1\n',
      /^An HTTP request has been made that VCR does not know how to handle: GET http:\/\/127\.0\.0\.1:4000\/items\?now=1$/,
    ],
    ['a runner failure when no library said anything', 'ok 1 - a\nnot ok 2 - b\n# pass 1\n', /^not ok 2 - b$/],
  ])('%s', (_name, output, expected) => {
    expect(firstFailureLine(output)).toMatch(expected);
  });

  it('is undefined when nothing in the output names a failure', () => {
    expect(firstFailureLine('all good\n')).toBeUndefined();
  });

  it('cuts a long line', () => {
    expect(firstFailureLine(`Error: ${'x'.repeat(500)}`)!.length).toBe(300);
  });
});
