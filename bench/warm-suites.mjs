// The three generated projects of bench/warm.mjs (an R package tested with testthat + vcr 2 +
// httr2, a pytest-recording suite, an RSpec + VCR suite), each `files` test files of one request
// against the stand-in API (test/support/standin-api.mjs), plus the helper scripts the bench runs
// in the project: the old PSOCK batch scheme (R) and the in-process loops that time each file's
// own run in one already-loaded process (R, Python, Ruby). Every project starts without cassettes.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The environment variables the tests read the API's address and key from. */
export const URL_ENV = 'STANDIN_API_URL';
export const KEY_ENV = 'STANDIN_API_KEY';

const pad = (n, count) => String(n).padStart(String(count).length, '0');
/** The stand-in answers /items/1..3: file n asks for one of them. */
const itemOf = (n) => ((n - 1) % 3) + 1;
const NAMES = ['alpha', 'beta', 'gamma'];

async function put(dir, relative, text) {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

// ---- R: a package-shaped project, testthat + vcr 2 + httr2 ------------------------------------
export async function writeRProject(dir, files) {
  await put(dir, 'DESCRIPTION', [
    'Package: benchclient',
    'Title: Client for the Stand-in API (rerecord warm-worker bench)',
    'Version: 0.1.0',
    'Authors@R: person("rerecord", "bench", email = "bench@example.com", role = c("aut", "cre"))',
    'Description: A tiny httr2 client whose tests record with vcr 2.',
    'License: MIT',
    'Encoding: UTF-8',
    'Imports:',
    '    httr2 (>= 1.0.0)',
    'Suggests:',
    '    testthat (>= 3.0.0),',
    '    vcr (>= 2.0.0)',
    'Config/testthat/edition: 3',
    '',
  ].join('\n'));
  await put(dir, 'NAMESPACE', 'export(api_get)\nexport(api_json)\n');
  await put(dir, 'R/client.R', [
    '# GET a path of the API named by STANDIN_API_URL, the key in X-Api-Key (vcr 2 does not record it).',
    'api_get <- function(path) {',
    `  request <- httr2::request(Sys.getenv("${URL_ENV}", "http://127.0.0.1:9"))`,
    '  request <- httr2::req_url_path(request, path)',
    `  request <- httr2::req_headers(request, \`X-Api-Key\` = Sys.getenv("${KEY_ENV}"), .redact = "X-Api-Key")`,
    '  request <- httr2::req_error(request, is_error = function(response) FALSE)',
    '  httr2::req_perform(request)',
    '}',
    '',
    'api_json <- function(response) httr2::resp_body_json(response)',
    '',
  ].join('\n'));
  await put(dir, 'tests/testthat.R', 'library(testthat)\nlibrary(benchclient)\ntest_check("benchclient")\n');
  // vcr 2 defaults: cassettes in tests/testthat/_vcr.
  await put(dir, 'tests/testthat/helper-vcr.R', [
    `api_key <- Sys.getenv("${KEY_ENV}")`,
    'vcr::vcr_configure(filter_sensitive_data = if (nzchar(api_key)) list("<<<API_KEY>>>" = api_key))',
    '',
  ].join('\n'));
  for (let n = 1; n <= files; n++) {
    const item = itemOf(n);
    await put(dir, `tests/testthat/test-item-${pad(n, files)}.R`, [
      `test_that("item ${n} is read", {`,
      `  vcr::use_cassette("item-${pad(n, files)}", {`,
      `    res <- api_get("/items/${item}")`,
      '  })',
      '  expect_equal(httr2::resp_status(res), 200)',
      `  expect_equal(api_json(res)$item$name, "${NAMES[item - 1]}")`,
      '})',
      '',
    ].join('\n'));
  }
}

/**
 * The re-record script users come from, in R: batches of 20 files in name order; per batch a fresh
 * PSOCK cluster of `workers` R processes, each loading testthat, vcr and the package
 * (pkgload::load_all) once, then testthat::test_file() per file (load balanced); the cluster is
 * stopped, 0.5 s pause, next batch. Records everything (record = "all"; the project has no
 * cassettes anyway). Prints `OLD files=N failed=F` and the first failures.
 */
export const R_OLD_SCHEME = String.raw`
args <- commandArgs(trailingOnly = TRUE)
workers <- as.integer(args[[1L]]); batch_size <- as.integer(args[[2L]]); pause <- as.numeric(args[[3L]])
files <- sort(list.files("tests/testthat", pattern = "^test.*\\.[rR]$", full.names = TRUE))
files <- normalizePath(files)
batches <- split(files, ceiling(seq_along(files) / batch_size))
failed <- character()
for (i in seq_along(batches)) {
  if (i > 1L) Sys.sleep(pause)
  cl <- parallel::makePSOCKcluster(workers)
  parallel::clusterCall(cl, function(root) {
    setwd(root)
    suppressPackageStartupMessages({ library(testthat); library(vcr) })
    suppressMessages(pkgload::load_all(".", quiet = TRUE, helpers = FALSE))
    vcr::vcr_configure(record = "all")
    invisible(TRUE)
  }, getwd())
  results <- parallel::clusterApplyLB(cl, batches[[i]], function(file) {
    vcr::vcr_configure(record = "all")
    r <- tryCatch(as.data.frame(testthat::test_file(file, reporter = "silent", package = "benchclient",
      load_package = "none", stop_on_failure = FALSE)), error = function(e) NULL)
    ok <- !is.null(r) && !any(r$failed > 0L) && !any(r$error) && sum(r$nb) > 0L
    c(file = file, ok = ok)
  })
  parallel::stopCluster(cl)
  for (r in results) if (r[["ok"]] != "TRUE") failed <- c(failed, r[["file"]])
}
cat("OLD files=", length(files), " failed=", length(failed), "\n", sep = "")
if (length(failed) > 0L) cat("FAILED", head(failed, 5L), sep = "\n")
`;

/**
 * One R process that loads what the warm worker loads (testthat, vcr, the package, httr2), then
 * runs every test file with testthat::test_file() in turn, timing each: `TIME <file> <ms> <ok>`.
 */
export const R_IN_PROCESS = String.raw`
suppressPackageStartupMessages({ library(testthat); library(vcr) })
args <- testthat:::find_load_all_args("tests/testthat")
suppressMessages(pkgload::load_all("tests/testthat", export_all = args[["export_all"]], helpers = args[["helpers"]], quiet = TRUE))
invisible(requireNamespace("httr2"))
files <- normalizePath(sort(list.files("tests/testthat", pattern = "^test.*\\.[rR]$", full.names = TRUE)))
for (file in files) {
  start <- proc.time()[["elapsed"]]
  reporter <- testthat::ProgressReporter$new(show_praise = FALSE, max_failures = Inf)
  r <- tryCatch(as.data.frame(testthat::test_file(file, reporter = reporter, package = "benchclient",
    load_package = "none", stop_on_failure = FALSE)), error = function(e) NULL)
  ms <- (proc.time()[["elapsed"]] - start) * 1000
  ok <- !is.null(r) && !any(r$failed > 0L) && !any(r$error)
  cat("\nTIME", file, sprintf("%.1f", ms), ok, "\n")
}
`;

// ---- pytest: pytest-recording, one request per file ------------------------------------------
export async function writePytestProject(dir, files) {
  // pytest-recording is on PYTHONPATH (not installed): loaded by name; Debian's pytest-vcr, if any, off.
  await put(dir, 'pytest.ini', '[pytest]\ntestpaths = tests\naddopts = -p no:vcr -p pytest_recording.plugin -p no:cacheprovider\n');
  await put(dir, 'tests/conftest.py', [
    'import pytest',
    '',
    '',
    '@pytest.fixture(scope="module")',
    'def vcr_config():',
    '    # The key travels in X-Api-Key and must never land in a cassette; Host holds the port.',
    '    return {"filter_headers": ["x-api-key", "host", "user-agent"]}',
    '',
  ].join('\n'));
  await put(dir, 'tests/client.py', [
    '"""A tiny client for the stand-in API (not a test file)."""',
    'import json',
    'import os',
    'import urllib.error',
    'import urllib.request',
    '',
    '',
    'def get_json(path):',
    `    base = os.environ.get("${URL_ENV}", "http://127.0.0.1:9").rstrip("/")`,
    `    request = urllib.request.Request(base + path, headers={"X-Api-Key": os.environ.get("${KEY_ENV}", "")})`,
    '    try:',
    '        with urllib.request.urlopen(request) as response:',
    '            return response.status, json.loads(response.read())',
    '    except urllib.error.HTTPError as error:',
    '        return error.code, json.loads(error.read() or b"null")',
    '',
  ].join('\n'));
  for (let n = 1; n <= files; n++) {
    const item = itemOf(n);
    await put(dir, `tests/test_item_${pad(n, files)}.py`, [
      'import pytest',
      '',
      'from client import get_json',
      '',
      '',
      '@pytest.mark.vcr',
      `def test_item_${pad(n, files)}():`,
      `    status, body = get_json("/items/${item}")`,
      '    assert status == 200',
      `    assert body["item"]["name"] == "${NAMES[item - 1]}"`,
      '',
    ].join('\n'));
  }
}

/**
 * One Python process: pytest and vcrpy imported, then pytest.main() per file, timed, recording
 * (pytest-recording's default record mode is "none"; rerecord's hook records all).
 */
export const PY_IN_PROCESS = String.raw`
import glob, sys, time
import pytest, vcr  # noqa: F401 (loaded up front, as the warm worker does)
for file in sorted(glob.glob("tests/test_*.py")):
    start = time.perf_counter()
    code = pytest.main(["-q", "--record-mode=all", file])
    ms = (time.perf_counter() - start) * 1000
    sys.stdout.write("\nTIME %s %.1f %s\n" % (file, ms, "TRUE" if code == 0 else "FALSE"))
    sys.stdout.flush()
`;

// ---- RSpec: VCR + webmock, one request per file ---------------------------------------------
export async function writeRspecProject(dir, files) {
  await put(dir, '.rspec', '--require spec_helper\n');
  await put(dir, 'spec/spec_helper.rb', [
    "require 'json'",
    "require 'net/http'",
    "require 'vcr'",
    "require 'webmock/rspec'",
    '',
    `API_URL = ENV.fetch('${URL_ENV}', 'http://127.0.0.1:9')`,
    `API_KEY = ENV.fetch('${KEY_ENV}', '')`,
    '',
    'VCR.configure do |c|',
    "  c.cassette_library_dir = File.expand_path('cassettes', __dir__)",
    '  c.hook_into :webmock',
    '  c.configure_rspec_metadata!',
    "  c.filter_sensitive_data('<API_KEY>') { API_KEY }",
    'end',
    '',
    'module StandinApi',
    '  def api_get(path)',
    '    uri = URI.join(API_URL, path)',
    "    Net::HTTP.start(uri.host, uri.port) { |http| http.get(uri.request_uri, 'X-Api-Key' => API_KEY) }",
    '  end',
    'end',
    '',
    'RSpec.configure { |config| config.include StandinApi }',
    '',
  ].join('\n'));
  for (let n = 1; n <= files; n++) {
    const item = itemOf(n);
    await put(dir, `spec/item_${pad(n, files)}_spec.rb`, [
      `RSpec.describe 'item ${n}' do`,
      "  it 'is read' do",
      `    response = VCR.use_cassette('item_${pad(n, files)}') { api_get('/items/${item}') }`,
      "    expect(response.code).to eq('200')",
      `    expect(JSON.parse(response.body)['item']['name']).to eq('${NAMES[item - 1]}')`,
      '  end',
      'end',
      '',
    ].join('\n'));
  }
}

/** One Ruby process: rspec-core, VCR, webmock and the spec helper loaded, then RSpec::Core::Runner.run per file, timed. */
export const RB_IN_PROCESS = String.raw`
require 'rspec/core'
$LOAD_PATH.unshift(File.expand_path('spec'))
require 'spec_helper'
Dir.glob('spec/*_spec.rb').sort.each do |file|
  start = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  code = RSpec::Core::Runner.run([file], $stderr, $stdout)
  ms = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - start) * 1000
  RSpec.clear_examples
  $stdout.write(format("\nTIME %s %.1f %s\n", file, ms, code.zero? ? 'TRUE' : 'FALSE'))
  $stdout.flush
end
`;
