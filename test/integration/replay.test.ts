// The replay check under every preset: a test file whose request carries the current time in its
// query records fine, cannot replay (the library's strict mode finds no match), and is restored
// with the replay reason, while a sibling file is kept and verified. With `verify: none` the same
// run keeps it. The stamped file is added to a temp copy of each project at run time, so the
// projects' other tests keep their counts.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotTree } from '../support/projects.js';
import { runCli } from '../support/run-bundle.js';
import { useStandinApi, useTempProjects } from '../support/suite.js';
import { requireRStack } from '../support/vendor.js';

const KEY = 'replay-7c1d2e-secret';
const PYTHON = process.env.RERECORD_TEST_PYTHON ?? '/usr/bin/python3';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();

interface Row {
  project: string;
  args: string[];
  /** The sibling: a file of the project that replays. */
  sibling: string;
  /** The test file added at run time, and its source. */
  stamped: { file: string; source: string };
  /** Where the stamped file's recording lands (a prefix for Polly's hashed folders), relative to the project. */
  cassette: string;
  /** A cassette of the project copied to `cassette` first, so the restore is byte for byte; none for Polly. */
  seedFrom?: string;
  /** The cassette folder, relative to the project. */
  cassetteDir: string;
  /** How the library's strict replay mode says it has no recording for the request. */
  miss: RegExp;
  env?: () => Record<string, string>;
}

const NODE_STAMPED = `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withFixture, getJson } = require('./helpers/api');

test('lists the items as of now', () =>
  withFixture('clock.json', async () => {
    const { status } = await getJson('/items?now=' + Date.now() + '.' + process.hrtime.bigint());
    assert.equal(status, 200);
  }));
`;

const COMMON = ['--retries', '0', '--workers', '2', '--timeout', '120s', '--api-key-env', 'STANDIN_API_KEY', '--mode', 'priority'];

function vcr2Libs(): Record<string, string> {
  return { R_LIBS: requireRStack() };
}

const ROWS: Record<string, Row> = {
  'testthat (vcr 1)': {
    project: 'test/projects/testthat',
    args: ['--framework', 'testthat', '--priority-patterns', 'test-clock,test-items'],
    sibling: 'tests/testthat/test-items.R',
    stamped: {
      file: 'tests/testthat/test-clock.R',
      source: `test_that("lists the items as of now", {
  use_cassette("clock", {
    res <- api_get(paste0("/items?now=", sprintf("%.6f", as.numeric(Sys.time()))))
  })
  expect_equal(httr::status_code(res), 200)
})
`,
    },
    cassette: 'tests/fixtures/clock.yml',
    seedFrom: 'tests/fixtures/items.yml',
    cassetteDir: 'tests/fixtures',
    miss: /vcr does not know how to handle/,
  },
  'testthat (vcr 2)': {
    project: 'test/projects/testthat-vcr2',
    args: ['--framework', 'testthat', '--priority-patterns', 'test-clock,test-items'],
    sibling: 'tests/testthat/test-items.R',
    stamped: {
      file: 'tests/testthat/test-clock.R',
      source: `test_that("lists the items as of now", {
  vcr::local_cassette("clock")
  request <- httr2::request(Sys.getenv("STANDIN_API_URL", "http://127.0.0.1:9"))
  request <- httr2::req_url_path(request, "/items")
  request <- httr2::req_url_query(request, now = sprintf("%.6f", as.numeric(Sys.time())))
  request <- httr2::req_headers(request, \`X-Api-Key\` = Sys.getenv("STANDIN_API_KEY"), .redact = "X-Api-Key")
  res <- httr2::req_perform(request)
  expect_equal(httr2::resp_status(res), 200)
})
`,
    },
    cassette: 'tests/testthat/_vcr/clock.yml',
    cassetteDir: 'tests/testthat/_vcr',
    miss: /Failed to find matching request in active cassette/,
    env: vcr2Libs,
  },
  'node (nock back)': {
    project: 'test/projects/node-nock',
    args: ['--framework', 'node', '--cassette-functions', 'withFixture', '--priority-patterns', 'clock,items'],
    sibling: 'test/items.test.js',
    stamped: { file: 'test/clock.test.js', source: NODE_STAMPED },
    cassette: 'test/fixtures/clock.json',
    seedFrom: 'test/fixtures/items.json',
    cassetteDir: 'test/fixtures',
    miss: /Nock: No match for request/,
    // The project would record in this mode: only the hook's lockdown makes the replay strict.
    env: () => ({ NOCK_BACK_MODE: 'record' }),
  },
  polly: {
    project: 'test/projects/polly',
    args: ['--framework', 'polly', '--cassette-functions', 'withRecording', '--priority-patterns', 'clock,items'],
    sibling: 'test/items.test.js',
    stamped: {
      file: 'test/clock.test.js',
      source: `'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { withRecording, getJson } = require('./helpers/polly');

test('lists the items as of now', () =>
  withRecording('clock', async () => {
    const { status } = await getJson('/items?now=' + Date.now() + '.' + process.hrtime.bigint());
    assert.equal(status, 200);
  }));
`,
    },
    cassette: 'test/__recordings__/clock_',
    cassetteDir: 'test/__recordings__',
    // The project would record in this mode: only the hook's replay mode makes the replay strict.
    env: () => ({ POLLY_MODE: 'record' }),
    miss: /Recording for the following request is not found and `recordIfMissing` is `false`/,
  },
  'pytest (vcrpy)': {
    project: 'test/projects/pytest',
    args: ['--framework', 'pytest', '--command', `${PYTHON} -m pytest -q -p no:cacheprovider {file}`, '--priority-patterns', 'test_clock,test_items'],
    sibling: 'tests/test_items.py',
    stamped: {
      file: 'tests/test_clock.py',
      source: `import time

from standin import api_vcr, get_json


def test_lists_items_as_of_now():
    with api_vcr.use_cassette("clock.yaml"):
        status, _body = get_json("/items?now=%d" % time.time_ns())
    assert status == 200
`,
    },
    cassette: 'tests/vcr_cassettes/clock.yaml',
    seedFrom: 'tests/vcr_cassettes/items.yaml',
    cassetteDir: 'tests/vcr_cassettes',
    miss: /CannotOverwriteExistingCassetteException/,
  },
  'rspec (Ruby VCR)': {
    project: 'test/projects/rspec',
    args: ['--framework', 'rspec', '--priority-patterns', 'clock_spec,items_spec'],
    sibling: 'spec/items_spec.rb',
    stamped: {
      file: 'spec/clock_spec.rb',
      // The project matches on method + path; this cassette matches the query too, as a project that cares about it would.
      source: `RSpec.describe 'clock' do
  it 'lists the items as of now' do
    response = VCR.use_cassette('clock', match_requests_on: %i[method path query]) do
      api_get("/items?now=#{Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond)}")
    end
    expect(response.code).to eq('200')
  end
end
`,
    },
    cassette: 'spec/cassettes/clock.yml',
    seedFrom: 'spec/cassettes/items.yml',
    cassetteDir: 'spec/cassettes',
    miss: /VCR does not know how to handle/,
  },
  'custom (with replay-command)': {
    project: 'test/projects/node-nock',
    // No hook: the helper's own NOCK_BACK_MODE records what rerecord moved aside, and replays in lockdown.
    args: [
      '--framework',
      'custom',
      '--test-dir',
      'test',
      '--test-pattern',
      '*.test.js',
      '--cassette-dir',
      'test/fixtures',
      '--cassette-functions',
      'withFixture',
      '--command',
      'env NOCK_BACK_MODE=record node --test {file}',
      '--replay-command',
      'env NOCK_BACK_MODE=lockdown node --test {file}',
      '--priority-patterns',
      'clock,items',
    ],
    sibling: 'test/items.test.js',
    stamped: { file: 'test/clock.test.js', source: NODE_STAMPED },
    cassette: 'test/fixtures/clock.json',
    seedFrom: 'test/fixtures/items.json',
    cassetteDir: 'test/fixtures',
    miss: /Nock: No match for request/,
  },
};

interface ReportedFile {
  file: string;
  status: string;
  reason: string;
  verified: boolean | string;
  cassettes: Array<{ cassette: string; outcome: string }>;
}

async function prepare(row: Row) {
  const project = await projects.copy(row.project);
  await mkdir(path.join(project.dir, row.cassetteDir), { recursive: true });
  await mkdir(path.dirname(path.join(project.dir, row.stamped.file)), { recursive: true });
  await writeFile(path.join(project.dir, row.stamped.file), row.stamped.source);
  if (row.seedFrom) {
    await mkdir(path.dirname(path.join(project.dir, row.cassette)), { recursive: true });
    await copyFile(path.join(project.dir, row.seedFrom), path.join(project.dir, row.cassette));
  }
  return project;
}

async function run(dir: string, row: Row, extra: string[]) {
  const result = await runCli(['run', '--json', ...COMMON, ...row.args, ...extra], { cwd: dir, env: standin.env(row.env?.() ?? {}) });
  let document: { files: ReportedFile[] };
  try {
    document = JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON document (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  const byFile = Object.fromEntries(document.files.map((file) => [file.file, file]));
  return { result, byFile, files: document.files };
}

const ofStamped = (row: Row, tree: Map<string, Buffer>) => [...tree].filter(([file]) => file.startsWith(row.cassette));

describe.each(Object.entries(ROWS))('replay check: %s', (_name, row) => {
  it('restores the file whose recording carries the time, with the replay reason; keeps and verifies its sibling', async () => {
    const project = await prepare(row);
    const before = await snapshotTree(project.dir, row.cassetteDir);

    const { result, byFile, files } = await run(project.dir, row, []);

    expect(files.map((file) => file.file).sort(), result.stderr).toEqual([row.sibling, row.stamped.file].sort());
    const stamped = byFile[row.stamped.file]!;
    expect(stamped.status, JSON.stringify(stamped)).toBe('failed');
    expect(stamped.reason).toMatch(/^recording does not replay: \S/);
    expect(stamped.reason).toMatch(row.miss);
    expect(stamped.verified).toBe(false);
    expect(result.code).toBe(1);
    const after = await snapshotTree(project.dir, row.cassetteDir);
    expect(ofStamped(row, after)).toEqual(ofStamped(row, before));

    const sibling = byFile[row.sibling]!;
    expect(sibling, JSON.stringify(sibling)).toMatchObject({ status: 'succeeded', verified: true });
    expect(sibling.cassettes.filter((c) => c.outcome === 're-recorded' || c.outcome === 'recorded').length).toBeGreaterThan(0);
  });

  it('keeps it with verify: none, and says it was not verified', async () => {
    const project = await prepare(row);
    const before = await snapshotTree(project.dir, row.cassetteDir);

    const { result, byFile } = await run(project.dir, row, ['--verify', 'none']);

    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(byFile[row.stamped.file]).toMatchObject({ status: 'succeeded', verified: 'skipped: verify is none' });
    expect(byFile[row.sibling]).toMatchObject({ status: 'succeeded', verified: 'skipped: verify is none' });
    const after = await snapshotTree(project.dir, row.cassetteDir);
    const recorded = ofStamped(row, after);
    expect(recorded.length).toBe(1);
    expect(recorded).not.toEqual(ofStamped(row, before));
    expect(recorded[0]![1].toString('utf8')).toMatch(/now=/);
  });
});

describe('replay check: custom without replay-command', () => {
  it('keeps the recordings unverified and the summary says so', async () => {
    const row = ROWS['custom (with replay-command)']!;
    const project = await prepare(row);
    const args = row.args.filter((_arg, index) => row.args[index] !== '--replay-command' && row.args[index - 1] !== '--replay-command');
    const result = await runCli(['run', ...COMMON, ...args], { cwd: project.dir, env: standin.env() });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/2 re-recorded files not verified by replay \(no replay-command for framework custom\)/);
  });
});
