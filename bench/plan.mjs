// npm run bench: how long `rerecord plan` takes on big pytest suites, as ratios against reading
// the same files in a Node process (same machine, same run), so the numbers travel between machines.
//
//   node bench/plan.mjs [--tests 10000] [--megabytes 5] [--runs 3] [--keep]
//
// Suites: (1) --tests test functions in files of 50, marked, parametrized and use_cassette'd the
// way real suites are; (2) one test file of --megabytes MB, and one of half that size: planning
// linear in source size takes about twice as long on the big one. Needs dist/ (npm run bundle).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { die, flag, parseFlags, run } from './common.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'dist', 'cli.js');

const opts = parseFlags({ tests: 10000, megabytes: 5, runs: 3, keep: false }, {
  '--tests': flag.whole('tests', 1),
  '--megabytes': flag.whole('megabytes', 1),
  '--runs': flag.whole('runs', 1),
  '--keep': flag.on('keep'),
});

const HEADER = 'import pytest\nimport vcr\n\nfrom standin import get_json\n\nmy_vcr = vcr.VCR(cassette_library_dir="tests/cassettes")\n\n';

/** One test function, cycling through the shapes mapping has to read. */
function testFunction(n) {
  switch (n % 4) {
    case 0:
      return `@pytest.mark.vcr\ndef test_plain_${n}():\n    """Docstring with a def inside: def nope()."""\n    status, _ = get_json("/items")  # comment\n    assert status == 200\n\n`;
    case 1:
      return `@pytest.mark.vcr\n@pytest.mark.parametrize("item_id, name", [(1, "alpha"), (2, "beta")], ids=["one", "two"])\ndef test_param_${n}(item_id, name):\n    assert get_json(f"/items/{item_id}")[0] == 200\n\n`;
    case 2:
      return `def test_call_${n}():\n    with my_vcr.use_cassette("call_${n}.yaml"):\n        assert get_json("/users")[0] == 200\n\n`;
    default:
      return `class TestGroup${n}:\n    @pytest.mark.vcr\n    def test_method(self):\n        payload = {\n            "a": [1, 2, 3],\n            "b": "x",\n        }\n        assert payload\n\n`;
  }
}

async function project(files) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-plan-'));
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  await writeFile(path.join(dir, 'pyproject.toml'), '[project.optional-dependencies]\ntest = ["pytest-recording"]\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n');
  await writeFile(path.join(dir, 'tests/conftest.py'), '@pytest.fixture\ndef vcr_config():\n    return {"filter_headers": ["x-api-key"]}\n');
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, 'tests', name), text);
  return dir;
}

function suiteOfTests(count) {
  const files = {};
  for (let start = 0; start < count; start += 50) {
    let text = HEADER;
    for (let n = start; n < Math.min(count, start + 50); n++) text += testFunction(n);
    files[`test_part_${String(start / 50).padStart(4, '0')}.py`] = text;
  }
  return files;
}

function bigFile(bytes) {
  let text = HEADER;
  for (let n = 0; text.length < bytes; n++) text += testFunction(n);
  return { 'test_big.py': text };
}

// Reading the test files is the floor: a Node process that walks the folder and reads every file.
// Both are timed in CPU time, which the other processes of a busy machine do not inflate.
const READ_ALL = `
const fs = require('node:fs'); const path = require('node:path');
let bytes = 0;
const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
  const full = path.join(dir, e.name);
  if (e.isDirectory()) walk(full); else bytes += fs.readFileSync(full, 'utf8').length; } };
walk(process.argv[1]); console.log(bytes);`;

const CPU_USAGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cpu-usage.mjs');

/** Median CPU time (user + system) of a Node process over --runs runs. */
async function medianCpu(label, args, cwd) {
  const times = [];
  for (let i = 0; i < opts.runs; i++) {
    const result = await run(process.execPath, ['--import', pathToFileURL(CPU_USAGE).href, ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    if (result.code !== 0) die(`${label} failed (${result.code}): ${result.stderr}`);
    const cpu = /rerecord-bench-cpu-ms (\S+)\s*$/.exec(result.stderr);
    if (!cpu) die(`${label}: no CPU time reported`);
    times.push(Number(cpu[1]));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function measure(label, dir) {
  const read = await medianCpu(`reading ${label}`, ['-e', READ_ALL, path.join(dir, 'tests')], dir);
  const plan = await medianCpu(`plan on ${label}`, [cli, 'plan', '--json', '--framework', 'pytest'], dir);
  return { label, readMs: read, planMs: plan, ratio: plan / read };
}

const dirs = [];
try {
  const suite = await project(suiteOfTests(opts.tests));
  const big = await project(bigFile(opts.megabytes * 1024 * 1024));
  const half = await project(bigFile((opts.megabytes * 1024 * 1024) / 2));
  dirs.push(suite, big, half);
  const rows = [
    await measure(`${opts.tests} test functions in ${Math.ceil(opts.tests / 50)} files`, suite),
    await measure(`one ${opts.megabytes} MB test file`, big),
    await measure(`one ${opts.megabytes / 2} MB test file`, half),
  ];
  console.log(`rerecord plan on generated pytest suites (CPU time, median of ${opts.runs}; ratio = plan / reading the same files in a node process)`);
  for (const row of rows) console.log(`  ${row.label.padEnd(40)} plan ${String(Math.round(row.planMs)).padStart(6)} ms   read ${String(Math.round(row.readMs)).padStart(5)} ms   ratio ${row.ratio.toFixed(1)}x`);
  const growth = rows[1].planMs / rows[2].planMs;
  console.log(`  planning time, ${opts.megabytes} MB file / ${opts.megabytes / 2} MB file: ${growth.toFixed(2)} (2.0 is linear; node start-up, common to both, pulls it lower)`);
} finally {
  if (!opts.keep) await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  else console.log(`kept: ${dirs.join(' ')}`);
}
