import { describe, expect, it } from 'vitest';
import { composeReason, describeRecordedStatuses, environmentError, firstFailure } from '../../../src/frameworks/failure-reason.js';
import { presetNamed } from '../../../src/frameworks/registry.js';

// Outputs as the frameworks print them on this machine (pytest 8, RSpec 3, node --test, testthat 3).
const PYTEST = "============================= test session starts ==============================\nplatform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack\nrootdir: /tmp/fr\ncollected 2 items\n\ntest_a.py .F                                                             [100%]\n\n=================================== FAILURES ===================================\n_________________________________ test_status __________________________________\n\n    def test_status():\n        status = 503\n>       assert status == 200, \"GET /users returned 503\"\nE       AssertionError: GET /users returned 503\nE       assert 503 == 200\n\ntest_a.py:5: AssertionError\n=========================== short test summary info ============================\nFAILED test_a.py::test_status - AssertionError: GET /users returned 503\n========================= 1 failed, 1 passed in 0.02s ==========================\n";
// pytest 7.2 in a pipe (80 columns): the summary line is cut at `Inter...`; the E line above is whole.
const PYTEST_CUT = "============================= test session starts ==============================\nplatform linux -- Python 3.11.2, pytest-7.2.1, pluggy-1.0.0+repack\nrootdir: /tmp/fr\ncollected 1 item\n\ntest_a.py F                                                              [100%]\n\n=================================== FAILURES ===================================\n_________________________________ test_report __________________________________\n\n    def test_report():\n>       raise ApiError(\"500 on GET /v1/report: Internal Server Error (the stand-in API broke on purpose)\")\nE       test_a.ApiError: 500 on GET /v1/report: Internal Server Error (the stand-in API broke on purpose)\n\ntest_a.py:5: ApiError\n=========================== short test summary info ============================\nFAILED test_a.py::test_report - test_a.ApiError: 500 on GET /v1/report: Inter...\n============================== 1 failed in 0.01s ===============================\n";
const RSPEC = "F\n\nFailures:\n\n  1) Users API lists users\n     Failure/Error: expect(503).to eq(200)\n\n       expected: 200\n            got: 503\n\n       (compared using ==)\n     # ./b_spec.rb:3:in `block (2 levels) in <top (required)>'\n\nFinished in 0.0223 seconds (files took 0.10384 seconds to load)\n1 example, 1 failure\n\nFailed examples:\n\nrspec ./b_spec.rb:2 # Users API lists users\n\n";
const NODE = "TAP version 13\n# Subtest: lists users\nnot ok 1 - lists users\n  ---\n  duration_ms: 2.998895\n  location: '/tmp/fr/c.test.mjs:2:1'\n  failureType: 'testCodeFailure'\n  error: |-\n    Expected values to be strictly equal:\n    \n    503 !== 200\n    \n  code: 'ERR_ASSERTION'\n  name: 'AssertionError'\n  expected: 200\n  actual: 503\n  operator: 'strictEqual'\n  stack: |-\n    TestContext.<anonymous> (file:///tmp/fr/c.test.mjs:2:36)\n    Test.runInAsyncScope (node:async_hooks:206:9)\n    Test.run (node:internal/test_runner/test:796:25)\n    Test.processPendingSubtests (node:internal/test_runner/test:526:18)\n    node:internal/test_runner/harness:255:12\n    node:internal/process/task_queues:140:7\n    AsyncResource.runInAsyncScope (node:async_hooks:206:9)\n    AsyncResource.runMicrotask (node:internal/process/task_queues:137:8)\n  ...\n# Subtest: fine\nok 2 - fine\n  ---\n  duration_ms: 0.311346\n  ...\n1..2\n# tests 2\n# suites 0\n# pass 1\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 193.477431\n";
const TESTTHAT = "\u2714 | F W S  OK | Context\n\n\u2716 | 2       0 | d [0.3s]\n\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\nFailure ('test-d.R:3'): lists users\n`status` not equal to 200.\n1/1 mismatches\n[1] 503 - 200 == 303\n\nError ('test-d.R:5'): errors\nError in `eval(code, test_env)`: HTTP 401 Unauthorized\n\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\n\n[ FAIL 2 | WARN 0 | SKIP 0 | PASS 0 ]\n";
const TESTTHAT_RULED = "\u2500\u2500 Failure ('test-users.R:12:3'): lists users \u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\nresp$status_code (`actual`) not equal to 200 (`expected`).\n\n[ FAIL 1 | WARN 0 | SKIP 0 | PASS 3 ]\n";

describe('firstFailure', () => {
  it("names pytest's short test summary line", () => {
    expect(firstFailure(presetNamed('pytest'), PYTEST)).toBe('FAILED test_a.py::test_status - AssertionError: GET /users returned 503');
  });
  it("takes the message pytest's summary cut at the terminal's width whole from its E line", () => {
    expect(PYTEST_CUT).toContain('Inter...');
    expect(firstFailure(presetNamed('pytest'), PYTEST_CUT)).toBe(
      'FAILED test_a.py::test_report - test_a.ApiError: 500 on GET /v1/report: Internal Server Error (the stand-in API broke on purpose)',
    );
  });
  it("names RSpec's first failure with its expectation", () => {
    expect(firstFailure(presetNamed('rspec'), RSPEC)).toBe('Users API lists users Failure/Error: expect(503).to eq(200) expected: 200 got: 503');
  });
  it("names node --test's failing test and its error", () => {
    expect(firstFailure(presetNamed('node'), NODE)).toBe('lists users: Expected values to be strictly equal: 503 !== 200');
  });
  it("names testthat's first failed expectation, with and without the rules", () => {
    expect(firstFailure(presetNamed('testthat'), TESTTHAT)).toBe('Failure (test-d.R:3): lists users: `status` not equal to 200.');
    expect(firstFailure(presetNamed('testthat'), TESTTHAT_RULED)).toBe('Failure (test-users.R:12:3): lists users: resp$status_code (`actual`) not equal to 200 (`expected`).');
  });
  it("gives an R error's message, not its class vector nor the call it came from (httr2, as testthat 3 prints it here)", () => {
    const httr2 = [
      '── Error (\'test-x.R:2\'): report works ──────────────────────────────────────────',
      '<httr2_http_500/httr2_http/httr2_error/rlang_error/rlang_error/error/condition>',
      'Error in `httr2::req_perform(httr2::request("http://127.0.0.1:18765/v1/report"))`: HTTP 500 Internal Server Error.',
      'Backtrace:',
      ' 1. httr2::req_perform(httr2::request("http://127.0.0.1:18765/v1/report"))',
    ].join('\n');
    expect(firstFailure(presetNamed('testthat'), httr2)).toBe('Error (test-x.R:2): report works: HTTP 500 Internal Server Error.');
    const bullets = "── Error ('test-y.R:4:3'): lists ──\n<rlang_error/error/condition>\nError in `fetch_all()`:\n! The API answered 401 Unauthorized.\ni Check MYAPI_KEY.\nBacktrace:\n";
    expect(firstFailure(presetNamed('testthat'), bullets)).toBe('Error (test-y.R:4:3): lists: The API answered 401 Unauthorized.');
  });
  it('says nothing when the output shows no failure it knows', () => {
    expect(firstFailure(presetNamed('pytest'), 'Segmentation fault')).toBeUndefined();
    expect(firstFailure(presetNamed('rspec'), PYTEST)).toBeUndefined();
  });
  it('a custom command is read as any of the frameworks', () => {
    expect(firstFailure(presetNamed('custom'), PYTEST)).toMatch(/^FAILED test_a.py::test_status/);
  });
  it('clips a long failure to one line', () => {
    const long = `short test summary info\nFAILED t.py::x - ${'x'.repeat(500)}\n`;
    const reason = firstFailure(presetNamed('pytest'), long)!;
    expect(reason.length).toBeLessThanOrEqual(200);
    expect(reason.endsWith('…')).toBe(true);
  });
});

describe('environmentError', () => {
  it('recognises a library that will not load, in each runtime', () => {
    expect(environmentError("E   ModuleNotFoundError: No module named 'vcr'\n")).toBe("E ModuleNotFoundError: No module named 'vcr'");
    expect(environmentError('Error in library(vcr) : there is no package called ‘vcr’\nExecution halted\n')).toBe('Error in library(vcr) : there is no package called ‘vcr’');
    expect(environmentError('Error in `vcr::use_cassette()`:\n! The package "httr2" is required.\n')).toBe('! The package "httr2" is required.');
    expect(environmentError("kernel_require.rb:85:in `require': cannot load such file -- vcr (LoadError)")).toMatch(/cannot load such file -- vcr/);
    expect(environmentError("Error: Cannot find module 'nock'\nRequire stack:")).toBe("Error: Cannot find module 'nock'");
    expect(environmentError('/usr/bin/python3: No module named pytest')).toBe('/usr/bin/python3: No module named pytest');
  });
  it('a failed assertion is not an environment error', () => {
    for (const output of [PYTEST, RSPEC, NODE, TESTTHAT]) expect(environmentError(output)).toBeUndefined();
  });
});

describe('composeReason', () => {
  it('adds the first failure and the statuses to the base reason', () => {
    expect(composeReason('tests failed (exit code 1)', { failure: 'FAILED t.py::x - boom', statuses: 'new recording held 503 on GET /x (c.yaml)' })).toBe(
      'tests failed (exit code 1): FAILED t.py::x - boom; new recording held 503 on GET /x (c.yaml)',
    );
    expect(composeReason('tests failed (exit code 1)', {})).toBe('tests failed (exit code 1)');
  });
  it('an environment error is the cause: it replaces the first failure', () => {
    expect(composeReason('tests failed (exit code 4)', { environment: "No module named 'vcr'", failure: 'ERROR t.py' })).toBe("tests failed (exit code 4): environment error: No module named 'vcr'");
  });
  it('names at most three statuses', () => {
    const statuses = describeRecordedStatuses([{ cassette: 'a.yml', statuses: ['401 on GET /me', '503 on GET /x', '503 on GET /y', '429 on GET /z'] }, { cassette: 'b.yml', statuses: [] }]);
    expect(statuses).toBe('new recording held 401 on GET /me (a.yml), 503 on GET /x (a.yml), 503 on GET /y (a.yml) and 1 more');
    expect(describeRecordedStatuses([{ cassette: 'b.yml', statuses: [] }])).toBeUndefined();
  });
});
