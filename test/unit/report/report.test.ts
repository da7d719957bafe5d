import { describe, expect, it } from 'vitest';
import { failureExcerpt } from '../../../src/report/excerpt.js';
import { failureLogText, failureReport, filesToRerun, jsonTwinPath, parseFailureLog, parseFailureReport } from '../../../src/state/failure-log.js';
import { formatDuration } from '../../../src/text/format.js';
import { keepTimingsOf, mergeManifest, parseManifest, serializeManifest } from '../../../src/state/manifest.js';
import { Progress } from '../../../src/report/progress.js';
import { Redactor } from '../../../src/report/redact.js';
import { summaryMarkdown, summaryTable } from '../../../src/report/summary.js';
import type { FileResult } from '../../../src/results/run-outcome.js';

const result = (file: string, status: FileResult['status'], extra: Partial<FileResult> = {}): FileResult => ({
  file,
  status,
  attempts: 1,
  durationMs: 1500,
  exitCode: status === 'succeeded' ? 0 : 1,
  reason: status === 'succeeded' ? '' : 'tests failed (exit code 1)',
  output: '',
  cassettes: status === 'succeeded' ? [{ cassette: `${file}.yml`, outcome: 're-recorded' }] : [],
  journaled: undefined,
  drift: [],
  warnings: [],
  ...extra,
});

describe('failure log', () => {
  it('lists failed and not-run files, then files still pending at a checkpoint', () => {
    const files = filesToRerun([result('a', 'succeeded'), result('b', 'failed'), result('c', 'not-run')], ['d']);
    const text = failureLogText(files);
    expect(text).toBe('b\nc\nd\n');
    expect(parseFailureLog(text, 'log')).toEqual(['b', 'c', 'd']);
    expect(failureLogText(filesToRerun([result('a', 'succeeded')]))).toBe('');
  });

  it('writes a name a line cannot carry as it is as a JSON string, and reads every name back exactly', () => {
    const names = ['tests/a\nb.sh', 'tests/ lead.sh', 'tests/trail.sh ', '#hash.sh', '"quoted.sh', 'tests/back\\slash.sh', 'tests/tab\there.sh', 'tests/plain "inner" quote.sh', 'tests/ünï.sh', 'tests/sep\u2028.sh'];
    const text = failureLogText(names);
    expect(text.split('\n')).toHaveLength(names.length + 1);
    expect(text).toContain('"tests/a\\nb.sh"\n');
    expect(text).toContain('tests/plain "inner" quote.sh\n');
    expect(text).toContain('tests/ünï.sh\n');
    expect(parseFailureLog(text, 'log')).toEqual(names);
  });

  it('reads old logs: blanks and comments skipped, lines trimmed, Windows separators as slashes', () => {
    expect(parseFailureLog('tests/a.R\r\n\n# a comment\n  tests\\b.R  \n', 'log')).toEqual(['tests/a.R', 'tests/b.R']);
  });

  it('a broken quoted line is an error naming the line, not its content', () => {
    expect(() => parseFailureLog('tests/a.R\n"AKIASECRET\n', '.rerecord/failures.txt')).toThrow(/^\.rerecord\/failures\.txt: line 2 starts with a double quote but is not a file name/);
    expect(() => parseFailureLog('"AKIASECRET', 'log')).not.toThrow(/AKIA/);
  });

  it.each([
    ['.rerecord/failures.txt', '.rerecord/failures.json'],
    ['logs/failed', 'logs/failed.json'],
    ['a.b/failed', 'a.b/failed.json'],
    ['.failures', '.failures.json'],
  ])('JSON twin of %s is %s', (log, twin) => {
    expect(jsonTwinPath(log)).toBe(twin);
  });

  it('JSON report counts statuses, lists what to re-run, and keeps only the tail of the output', () => {
    const report = failureReport([result('a', 'succeeded'), result('b', 'failed', { output: 'x'.repeat(50) })], { startedAt: new Date(0), finishedAt: new Date(1000) }, '1/1', ['c'], 10);
    expect(report.summary).toEqual({ selected: 3, succeeded: 1, failed: 1, notRun: 1 });
    expect(report.toRerun).toEqual(['b', 'c']);
    expect(report.files[1]!.outputTail).toBe('x'.repeat(10));
    expect(report.files[1]).not.toHaveProperty('output');
    expect(parseFailureReport(JSON.stringify(report), 'r').toRerun).toEqual(['b', 'c']);
  });

  it('a report written before toRerun existed lists its files that did not succeed', () => {
    const old = { version: 1, files: [{ file: 'a', status: 'succeeded', cassettes: [] }, { file: 'b', status: 'failed', cassettes: [] }] };
    expect(parseFailureReport(JSON.stringify(old), 'r').toRerun).toEqual(['b']);
  });

  it.each([
    ['not JSON', 'aws_access_key_id = AKIAEXAMPLESECRET1'],
    ['JSON of another shape', '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----AKIAEXAMPLESECRET1"}'],
    ['a list', '["AKIAEXAMPLESECRET1"]'],
    ['files that are not entries', '{"version": 1, "files": ["AKIAEXAMPLESECRET1"]}'],
  ])('a JSON twin that is %s is refused naming the file, quoting nothing', (_kind, text) => {
    expect(() => parseFailureReport(text, '.rerecord/failures.json')).toThrow(/^\.rerecord\/failures\.json: not a failure report written by rerecord/);
    expect(() => parseFailureReport(text, '.rerecord/failures.json')).not.toThrow(/AKIA|service_account|BEGIN/);
  });
});

describe('manifest', () => {
  it('against an open pull request branch keeps the branch timings, whatever the load did, but not its cassette lists', () => {
    const branch = { version: 1 as const, files: { 'a.R': { cassettes: ['x.yml'], durationMs: 900 }, 'b.R': { cassettes: ['y.yml'] } } };
    const current = { version: 1 as const, files: { 'a.R': { cassettes: ['x.yml', 'z.yml'], durationMs: 4100 }, 'b.R': { cassettes: ['y.yml'], durationMs: 300 }, 'c.R': { cassettes: [], durationMs: 50 } } };
    expect(keepTimingsOf(current, branch).files).toEqual({
      'a.R': { cassettes: ['x.yml', 'z.yml'], durationMs: 900 },
      'b.R': { cassettes: ['y.yml'], durationMs: 300 },
      'c.R': { cassettes: [], durationMs: 50 },
    });
  });

  const manifest = parseManifest(JSON.stringify({ version: 1, files: { a: { cassettes: ['x', 'old'], durationMs: 10 }, b: { cassettes: ['y'] } } }), 'm');

  it('a success replaces the mapping, a failure only adds, no hook keeps what we knew', () => {
    const merged = mergeManifest(manifest, [
      { file: 'a', cassettes: ['x', 'z'], succeeded: true, durationMs: 12.4 },
      { file: 'b', cassettes: ['w'], succeeded: false, durationMs: 3 },
      { file: 'c', cassettes: undefined, succeeded: true, durationMs: 7 },
    ]);
    expect(merged.files).toEqual({
      a: { cassettes: ['x', 'z'], durationMs: 10 },
      b: { cassettes: ['w', 'y'], durationMs: 3 },
      c: { cassettes: [], durationMs: 7 },
    });
  });

  it('remembers what a passing run left unwritten, keeps it through a failure, and forgets it once written', () => {
    const first = mergeManifest(manifest, [{ file: 'a', cassettes: ['x'], succeeded: true, durationMs: 10, unwritten: ['z', 'x'] }]);
    expect(first.files.a).toEqual({ cassettes: ['x'], durationMs: 10, unwritten: ['x', 'z'] });
    const failed = mergeManifest(first, [{ file: 'a', cassettes: ['x'], succeeded: false, durationMs: 10, unwritten: [] }]);
    expect(failed.files.a?.unwritten).toEqual(['x', 'z']);
    const written = mergeManifest(failed, [{ file: 'a', cassettes: ['x', 'z'], succeeded: true, durationMs: 10, unwritten: ['z'] }]);
    expect(written.files.a?.unwritten).toEqual(['z']);
    expect(serializeManifest(written)).toContain('"unwritten": [\n        "z"\n      ]');
    expect(mergeManifest(written, [{ file: 'a', cassettes: ['x', 'z'], succeeded: true, durationMs: 10, unwritten: [] }]).files.a).not.toHaveProperty('unwritten');
  });

  it('reads unwritten defensively: strings only, sorted, absent when empty', () => {
    const parsed = parseManifest(JSON.stringify({ version: 1, files: { a: { cassettes: [], unwritten: ['b', 3, 'a', 'a'] }, b: { cassettes: [], unwritten: 'x' } } }), 'm');
    expect(parsed.files).toEqual({ a: { cassettes: [], unwritten: ['a', 'b'] }, b: { cassettes: [] } });
  });

  it('serialises with sorted keys and a final newline', () => {
    expect(serializeManifest({ version: 1, files: { b: { cassettes: [] }, a: { cassettes: ['x'] } } })).toBe(
      '{\n  "version": 1,\n  "files": {\n    "a": {\n      "cassettes": [\n        "x"\n      ]\n    },\n    "b": {\n      "cassettes": []\n    }\n  }\n}\n',
    );
  });

  it.each([
    ['not JSON', 'aws_access_key_id = AKIAEXAMPLESECRET1\n'],
    ['JSON of another shape', '{"AKIAEXAMPLESECRET1": true}'],
    ['files that are a list', '{"files": ["AKIAEXAMPLESECRET1"]}'],
  ])('names the file when it is %s, and quotes nothing of it', (_kind, text) => {
    expect(() => parseManifest(text, '.rerecord/manifest.json')).toThrow(/^\.rerecord\/manifest\.json: not a manifest written by rerecord \(expected JSON of the form/);
    expect(() => parseManifest(text, '.rerecord/manifest.json')).not.toThrow(/AKIA|aws_/);
  });
});

describe('Redactor', () => {
  const secret = 'sk-test/4242+key';
  const redactor = new Redactor([secret, undefined, 'abc']);
  it.each([
    ['raw', `key=${secret}`],
    ['url-encoded', `?k=${encodeURIComponent(secret)}`],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64url', Buffer.from(secret).toString('base64url')],
  ])('redacts the %s spelling', (_name, text) => {
    expect(redactor.redact(text)).not.toContain(secret);
    expect(redactor.redact(text)).toContain('***');
  });
  it('leaves short values and other text alone', () => {
    expect(redactor.redact('abc and more')).toBe('abc and more');
  });
  it('redacts inside JSON values', () => {
    expect(redactor.redactDeep({ tail: `Authorization: Bearer ${secret}` })).toEqual({ tail: 'Authorization: Bearer ***' });
  });
});

describe('summaries', () => {
  const results = [result('tests/a.R', 'succeeded'), result('tests/b|c.R', 'failed', { output: 'ok 1\nnot ok 2 - boom\n  expected 200\n# pass 1' }), result('tests/d.R', 'not-run')];
  const facts = { framework: 'testthat', shard: '1/1', wallMs: 65_000, interrupted: false };

  it('Markdown: failures first with their reason and output, successes folded', () => {
    const markdown = summaryMarkdown(results, facts);
    expect(markdown).toContain('1/3 files re-recorded, 1 cassette written, 1 failed, 1 not run in 1m05s (testthat, shard 1/1)');
    expect(markdown).toContain('| `tests/b\\|c.R` | ❌ failed | tests failed (exit code 1) | 1.5s | 1 |');
    expect(markdown).toContain('not ok 2 - boom\n  expected 200');
    expect(markdown).toContain('<details><summary>Re-recorded files (1)</summary>');
  });

  it('terminal table: failed, then not run, then re-recorded', () => {
    const lines = summaryTable(results, facts).split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+TIME\s+TRIES\s+CASSETTES\s+VERIFIED\s+FILE\s+WHY$/);
    expect(lines.slice(1, 4).map((line) => line.split(/\s+/)[0])).toEqual(['failed', 'not-run', 'succeeded']);
  });

  it('says per file whether its recordings replayed, and why some were not replayed', () => {
    const mixed = [
      result('a.js', 'succeeded', { verified: true }),
      result('b.js', 'succeeded', { verified: 'skipped: no replay-command for framework custom' }),
      result('c.js', 'succeeded', { verified: 'skipped: no replay-command for framework custom' }),
      result('d.js', 'failed', { verified: false, reason: 'recording does not replay: Nock: No match for request' }),
    ];
    const table = summaryTable(mixed, facts).split('\n');
    expect(table.find((line) => line.includes('a.js'))).toMatch(/\byes\s+a\.js$/);
    expect(table.find((line) => line.includes('b.js'))).toMatch(/\bskipped\s+b\.js\s+not verified: no replay-command for framework custom$/);
    expect(table.find((line) => line.includes('d.js'))).toMatch(/\bno\s+d\.js\s+recording does not replay/);
    expect(table.at(-1)).toBe('2 re-recorded files not verified by replay (no replay-command for framework custom)');
    const markdown = summaryMarkdown(mixed, facts);
    expect(markdown).toContain('> 2 re-recorded files not verified by replay (no replay-command for framework custom)');
    expect(markdown).toContain('| `a.js` | ✅ re-recorded | 1.5s | 1 | 1 | yes |');
  });

  it('a passing file that used no cassette ran with nothing to record: neither re-recorded nor unverified', () => {
    const files = [result('a.js', 'succeeded', { verified: true }), result('empty.js', 'succeeded', { cassettes: [], verified: 'skipped: no recordings kept' })];
    const table = summaryTable(files, facts).split('\n');
    expect(table.find((line) => line.includes('empty.js'))).toMatch(/\s-\s+empty\.js\s+ran, nothing to record$/);
    expect(table.join('\n')).not.toContain('not verified by replay');
    const markdown = summaryMarkdown(files, facts);
    expect(markdown).toContain('1/2 files re-recorded, 1 cassette written, 0 failed, 1 ran with nothing to record');
    expect(markdown).toContain('| `empty.js` | ✅ ran, nothing to record | 1.5s | 1 | 0 | - |');
    const progress = new Progress(1, 0, () => 1000);
    expect(progress.line(files[1]!)).toContain('ok   empty.js 1.5s (ran, nothing to record)');
  });

  it('progress lines count failures and estimate what is left', () => {
    let now = 0;
    const progress = new Progress(4, 0, () => now);
    now = 1000;
    expect(progress.line(result('a', 'succeeded'))).toBe('[1/4] ok   a 1.5s · 0 failed · ETA 3.0s');
    now = 2000;
    expect(progress.line(result('b', 'failed'))).toBe('[2/4] FAIL b 1.5s (tests failed (exit code 1)) · 1 failed · ETA 2.0s');
  });

  it('failure excerpt starts at the first failure marker', () => {
    expect(failureExcerpt('TAP\nok 1\nnot ok 2 - x\ndetail\n# tests 2', 2)).toBe('not ok 2 - x\ndetail');
    expect(failureExcerpt('a\nb\nc', 2)).toBe('b\nc');
  });

  it("centres the excerpt on pytest's failing line and its E lines, past a long traceback", () => {
    const traceback = Array.from({ length: 30 }, (_, i) => `client.py:${i}: in call_${i}`);
    const output = [
      '=================================== FAILURES ===================================',
      '_________________________________ test_report __________________________________',
      '',
      ...traceback,
      '    def fetch(self):',
      '        response = self.session.get(url)',
      '>       raise ApiError(f"{response.status_code} on GET {url}")',
      'E       myclient.ApiError: 500 on GET /v1/report:',
      'E         Internal Server Error',
      'E         (the stand-in API broke on purpose)',
      '',
      'myclient.py:41: ApiError',
      '=========================== short test summary info ============================',
      'FAILED tests/test_report.py::test_report - myclient.ApiError: 500 on GE...',
    ].join('\n');
    const excerpt = failureExcerpt(output, 5).split('\n');
    expect(excerpt[0]).toBe('    def fetch(self):');
    expect(excerpt).toContain('>       raise ApiError(f"{response.status_code} on GET {url}")');
    expect(excerpt.filter((line) => line.startsWith('E '))).toHaveLength(3);
    expect(excerpt.some((line) => line.startsWith('client.py'))).toBe(false);
  });

  it("starts at testthat's failure header and RSpec's Failure/Error, not at the runner's banner", () => {
    const testthat = "══ Testing test-x.R ═══\n[ FAIL 1 | WARN 0 | SKIP 0 | PASS 0 ]\n── Error ('test-x.R:2'): report works ──\n<httr2_http_500/httr2_http/condition>\nError in `req_perform()`: HTTP 500 Internal Server Error.\nBacktrace:";
    expect(failureExcerpt(testthat, 3)).toBe("── Error ('test-x.R:2'): report works ──\n<httr2_http_500/httr2_http/condition>\nError in `req_perform()`: HTTP 500 Internal Server Error.");
    const rspec = 'Randomized with seed 1\nFailures:\n\n  1) Report lists\n     Failure/Error: expect(status).to eq(200)\n\n       expected: 200\n            got: 500';
    expect(failureExcerpt(rspec, 3)).toBe('  1) Report lists\n     Failure/Error: expect(status).to eq(200)\n');
  });

  it.each([
    [850, '850ms'],
    [12_345, '12.3s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('manifest timings', () => {
  const known = { version: 1 as const, files: { a: { cassettes: [], durationMs: 4000 }, b: { cassettes: [], durationMs: 200 }, c: { cassettes: [], durationMs: 961 } } };
  it.each([
    ['a', 11900, 4000],
    ['a', 1400, 4000],
    ['a', 12100, 12100],
    ['a', 1300, 1300],
    ['b', 2150, 200],
    ['b', 2300, 2300],
    ['c', 2619, 961],
    ['new', 123.4, 123],
  ])('%s measured at %i ms is kept as %i ms (jitter does not rewrite the manifest)', (file, measured, kept) => {
    const merged = mergeManifest(known, [{ file, cassettes: [], succeeded: true, durationMs: measured }]);
    expect(merged.files[file]!.durationMs).toBe(kept);
  });
});
