import { describe, expect, it } from 'vitest';
import { custom } from '../../../src/frameworks/custom/index.js';
import { node } from '../../../src/frameworks/node/index.js';
import { firstFailureLine, verifyReplay, type ReplayCheck, type ReplaySettings } from '../../../src/run/replay.js';

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

describe('verifyReplay: when the recordings are not replayed, and why', () => {
  const relative = (file: string) => file.replace('/p/', '');
  const kept = [
    { cassette: '/p/fixtures/a.yml', original: '/backup/a.yml' },
    { cassette: '/p/fixtures/b.yml', original: null },
  ];
  const check = (preset: 'node' | 'custom', replay: ReplaySettings | undefined): ReplayCheck => ({
    workingDirectory: '/p',
    preset: preset === 'custom' ? custom : node,
    command: ['node', '--test', '{file}'],
    timeoutMs: 1000,
    hookDirectory: '/hooks',
    childEnv: {},
    signal: new AbortController().signal,
    replay,
  });
  const replay: ReplaySettings = { verify: 'replay', replayCommand: [] };

  it.each([
    ['verify is none', kept, [], check('node', { ...replay, verify: 'none' }), 'skipped: verify is none'],
    ['nothing kept', [], [], check('node', replay), 'skipped: no recordings kept'],
    ['every kept cassette put back as noise-only: the old bytes replayed before', kept, ['fixtures/a.yml', 'fixtures/b.yml'], check('node', replay), 'skipped: only noise changed; the old recordings were put back'],
    ['custom without a replay-command', kept, [], check('custom', replay), 'skipped: no replay-command for framework custom'],
    ['record-host-map given', kept, [], check('node', { ...replay, hostMapped: true }), /^skipped: record-host-map rewrote the origin/],
  ] as const)('%s', async (_name, files, noiseOnly, settings, expected) => {
    const result = await verifyReplay('/p/test/a.test.js', files, noiseOnly, relative, undefined, settings);
    expect(result.failure).toBeUndefined();
    expect(result.verified).toMatch(expected);
  });
});
