// npm run bench (second suite): throughput of rerecord's cassette checks against the cheapest
// baselines, all measured in this one run on the same inputs (report ratios; absolutes vary).
//
//   node bench/cassettes.mjs [--corpus-mb 200] [--audit-cassettes 50000] [--yaml-mb N] [--reps 3]
//                            [--seed 20240601] [--keep]
//
// 1. Leak scan: findLeaks(text, 3 secrets) + findTokenShapes(text) over a generated corpus of R vcr
//    YAML cassettes (20 KB-2 MB each), against String/Buffer indexOf of one fixed string, and against
//    the scan before every spelling was added (hex, \u and %-escapes in both cases, wrapped base64),
//    kept below as `previousFindLeaks`: the new spellings may cost at most 1.5x that scan.
// 2. Diff: parseCassette(old) + parseCassette(new) + diffCassettes over each cassette and its
//    re-recorded twin, against the `yaml` package's parse() of both texts. --yaml-mb caps how much of
//    the corpus the (slow) `yaml` baseline runs on (default: all of it); its ratio is taken on those
//    same cassettes.
// 3. Audit: `rerecord audit --json` of a generated testthat project with N cassettes, against
//    `grep -rlF` and a plain Node read of every file.
// Cassettes are generated one at a time and dropped after use, so memory stays at a few MB of text.
// Planted secrets and tokens, noise-only and changed twins, and audit counts are verified: any
// mismatch exits 1. Needs dist/ (npm run bundle) for the audit.
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { fileURLToPath, pathToFileURL, URLSearchParams } from 'node:url';
import { build } from 'esbuild';
import YAML from 'yaml';
import { makeInteractions, reRecord, rng, toVcrYaml } from './cassette-gen.mjs';
import { die, flag, parseFlags, pool, run, timed } from './common.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(benchDir, '..');
const cli = path.join(repo, 'dist', 'cli.js');

// ---- options -------------------------------------------------------------------------------
const opts = parseFlags({ corpusMb: 200, auditCassettes: 50_000, yamlMb: Infinity, reps: 3, seed: 20240601, keep: false }, {
  '--corpus-mb': flag.whole('corpusMb', 1),
  '--audit-cassettes': flag.whole('auditCassettes', 20),
  '--yaml-mb': flag.whole('yamlMb', 0),
  '--reps': flag.whole('reps', 1),
  '--seed': flag.whole('seed', 0),
  '--keep': flag.on('keep'),
});

/** A failed correctness check: the numbers would mean nothing. */
function fail(section, message) {
  die(`FAIL (${section}): ${message}: refusing to report a benchmark of wrong results`);
}

const MB = 1e6;
const VOLATILE = { volatileHeaders: [], volatileFields: [] };
/** Secrets planted in the corpus (and one never planted, to catch false positives). */
const SECRETS = [
  { name: 'api-key', value: 'rrk_live_4fQ9/xZ+2mB=7wLp' },
  { name: 'extra-secrets[1]', value: 'b3nchS3cr3tT0k3n7781' },
  { name: 'extra-secrets[2]', value: 'never-planted-9q8w7e6r' },
];
const ABSENT = 'zq~absent~needle~0427'; // the baseline's fixed string: never found, so every scan reads the whole text

// ---- the leak scan as it was before every spelling (the 1.5x baseline) ----------------------
// Spellings: raw, 3 URL forms (upper-case escapes), 4 JSON forms (lower-case \u), base64 and
// base64url at 3 alignments; one indexOf loop per spelling; overlapping hits merged.
function previousSpellings(value) {
  if (value.length < 6) return [];
  const bytes = Buffer.from(value, 'utf8');
  const aligned = (filler, alphabet) => {
    const encoded = Buffer.concat([Buffer.alloc(filler), bytes]).toString(alphabet);
    return encoded.slice(Math.ceil((8 * filler) / 6), Math.floor((8 * (filler + bytes.length)) / 6));
  };
  const component = encodeURIComponent(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  const texts = [
    value,
    component,
    component.replace(/%20/g, '+'),
    new URLSearchParams([['k', value]]).toString().slice(2),
    escaped,
    escaped.replace(/\//g, '\\/'),
    escaped.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    escaped.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`),
    ...[0, 1, 2].map((f) => aligned(f, 'base64')),
    ...[0, 1, 2].map((f) => aligned(f, 'base64url')),
  ];
  const floor = Math.min(8, value.length);
  return [...new Set(texts)].filter((text) => text.length >= floor);
}

function previousFindLeaks(text, secrets) {
  const seen = new Set();
  const hits = [];
  for (const secret of secrets) {
    for (const needle of previousSpellings(secret.value)) {
      if (seen.has(needle)) continue;
      seen.add(needle);
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) hits.push({ start: at, end: at + needle.length });
    }
  }
  hits.sort((a, b) => a.start - b.start || b.end - a.end);
  const regions = [];
  for (const hit of hits) {
    const last = regions.at(-1);
    if (last && hit.start < last.end) last.end = Math.max(last.end, hit.end);
    else regions.push({ ...hit });
  }
  return regions;
}

// ---- helpers -------------------------------------------------------------------------------
/** Runs `fn` `reps` times; the median time and the last value. */
function medianOf(reps, fn) {
  const times = [];
  let value;
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    value = fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { ms: times[(reps - 1) >> 1], value };
}

const mbps = (bytes, ms) => bytes / MB / (ms / 1000);
const pad = (text, n) => String(text).padEnd(n);
const lpad = (text, n) => String(text).padStart(n);
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const f3 = (x) => x.toFixed(3);
const r3 = (x) => +x.toFixed(3);
const r1 = (x) => +x.toFixed(1);

function table(title, header, rows) {
  console.log(title);
  console.log(`  ${pad(header[0], 46)}${header.slice(1).map((h) => lpad(h, 11)).join('')}`);
  for (const row of rows) console.log(`  ${pad(row[0], 46)}${row.slice(1).map((c) => lpad(c, 11)).join('')}`);
  console.log('');
}

// ---- the code under test, bundled from src/ ------------------------------------------------
const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-bench-cassettes-'));
process.on('exit', () => {
  if (opts.keep) process.stderr.write(`bench: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));

const modulePath = path.join(work, 'checks.mjs');
const bundled = await build({
  stdin: {
    contents: [
      "export { parseCassette } from './src/cassettes/formats/index.ts';",
      "export { diffCassettes } from './src/cassettes/diff.ts';",
      "export { findLeaks, findTokenShapes } from './src/cassettes/leaks.ts';",
    ].join('\n'),
    resolveDir: repo,
    loader: 'ts',
    sourcefile: 'bench-entry.ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile: modulePath,
  logLevel: 'warning',
  metafile: true,
  // CommonJS dependencies (yaml) call require(); give the ESM bundle one, as scripts/bundle.mjs does.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const { parseCassette, diffCassettes, findLeaks, findTokenShapes } = await import(pathToFileURL(modulePath).href);
// src/ is edited concurrently: name the YAML reader parseCassette was bundled with, so numbers from
// different days can be told apart.
const bundledInputs = Object.keys(bundled.metafile.inputs);
const yamlReaders = [
  ['js-yaml', /node_modules\/js-yaml\//],
  ['yaml', /node_modules\/yaml\//],
  ['fast-yaml subset', /src\/cassettes\/formats\/fast-yaml\.ts$/],
].filter(([, pattern]) => bundledInputs.some((input) => pattern.test(input))).map(([name]) => name);

console.log(`rerecord cassette bench: corpus ${opts.corpusMb} MB, audit ${opts.auditCassettes} cassettes, seed ${opts.seed}, ${os.cpus().length} CPU(s), node ${process.version}, load avg ${os.loadavg()[0].toFixed(2)}`);
console.log(`parseCassette bundled with YAML reader(s): ${yamlReaders.join(' + ') || 'none found'}`);
console.log('');
const suiteStart = performance.now();

// ---- 1 + 2: leak scan and diff over one generated corpus -----------------------------------
const corpusRandom = rng(opts.seed);
const sizes = [];
for (let total = 0; total < opts.corpusMb * MB; ) {
  const size = corpusRandom.logUniform(20_000, 2_000_000);
  sizes.push(size);
  total += size;
}
const count = sizes.length;
// Planted leaks: cassette index -> what goes in it. Each spelling is expected exactly once there.
const plantAt = new Set();
while (plantAt.size < Math.min(8, count)) plantAt.add(corpusRandom.int(0, count - 1));
const plantList = [...plantAt];
const basic = (secret) => Buffer.from(`bench:${secret}`).toString('base64');
const plans = new Map();
const expectedLeaks = new Map(); // `${index}|${secret}|${encoding}` -> count
const expectedTokens = new Map(); // `${index}|${kind}` -> count
const expect = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
plantList.forEach((index, k) => {
  const plan = {};
  const [a, b] = SECRETS;
  // One spelling of the api key (or the second secret's base64) each, the second secret raw in every third.
  const spellings = [
    ['rawHeader', a.value, a.name, 'raw'],
    ['urlQuery', encodeURIComponent(a.value), a.name, 'url-encoded'],
    ['basicAuth', basic(a.value), a.name, 'base64'],
    ['basicAuth', basic(b.value), b.name, 'base64'],
    ['rawHeader', Buffer.from(a.value).toString('hex').toUpperCase(), a.name, 'hex'],
    // Wrapped every 20 characters with an escaped \n, as a JSON or YAML writer stores a wrapped blob.
    ['basicAuth', (basic(a.value).match(/.{1,20}/g) ?? []).join('\\n'), a.name, 'base64-wrapped'],
  ];
  const [field, text, name, encoding] = spellings[k % spellings.length];
  plan[field] = text;
  expect(expectedLeaks, `${index}|${name}|${encoding}`);
  if (k % 3 === 0) {
    plan.bodyEcho = b.value;
    expect(expectedLeaks, `${index}|${b.name}|raw`);
  }
  if (k === 1) {
    plan.token = `ghp_${corpusRandom.alnum(36)}`;
    expect(expectedTokens, `${index}|github-token`);
  }
  if (k === 2) {
    plan.token = `AKIA${corpusRandom.alnum(16).toUpperCase()}`;
    expect(expectedTokens, `${index}|aws-access-key`);
  }
  plans.set(index, plan);
});
// Which twins get a real change (~10%, at least one) and which cassettes the `yaml` baseline covers.
const changedAt = new Set(sizes.map((_, i) => i).filter(() => corpusRandom.random() < 0.1));
if (changedAt.size === 0) changedAt.add(0);
const yamlBudget = opts.yamlMb === Infinity ? Infinity : opts.yamlMb * MB;
const yamlAt = new Set();
{
  // Spread the sample over the corpus: every k-th cassette, k from the budget.
  const stride = yamlBudget === Infinity ? 1 : Math.max(1, Math.round((opts.corpusMb * MB) / Math.max(1, yamlBudget)));
  let used = 0;
  for (let i = 0; i < count && used < yamlBudget; i += stride) {
    yamlAt.add(i);
    used += sizes[i];
  }
}

// Warm-up (JIT) on small cassettes outside the corpus, so the first corpus cassettes are not penalised.
{
  const warm = rng(opts.seed ^ 0x5a5a);
  for (let i = 0; i < 12; i++) {
    const its = makeInteractions(warm, 60_000, { startMs: 1.75e12 });
    const text = toVcrYaml(its);
    const twin = toVcrYaml(reRecord(warm, its, { addField: i % 2 === 0 }));
    findLeaks(text, SECRETS);
    previousFindLeaks(text, SECRETS);
    findTokenShapes(text);
    text.indexOf(ABSENT);
    Buffer.from(text).indexOf(ABSENT);
    diffCassettes('warm', parseCassette(text, 'w.yml'), parseCassette(twin, 'w.yml'), VOLATILE);
    YAML.parse(text);
  }
}

const leak = { bytes: 0, stringIndexOf: 0, bufferIndexOf: 0, findLeaks: 0, previous: 0, tokens: 0 };
const diff = { bytes: 0, parse: 0, diff: 0, noiseOnly: 0, changed: 0, interactions: 0 };
const yamlSample = { cassettes: 0, bytes: 0, yaml: 0, ours: 0 };
const gotLeaks = new Map();
const gotTokens = new Map();
let genMs = 0;
process.stderr.write(`bench: leak scan + diff over ${count} cassettes (${f1(sizes.reduce((a, b) => a + b, 0) / MB)} MB target)...\n`);
for (let i = 0; i < count; i++) {
  const g0 = performance.now();
  const r = rng(opts.seed * 31 + i);
  const interactions = makeInteractions(r, sizes[i], { startMs: 1.75e12 + i * 3.6e6, planted: plans.get(i) });
  const text = toVcrYaml(interactions);
  const twin = toVcrYaml(reRecord(r, interactions, { addField: changedAt.has(i) }));
  const buffer = Buffer.from(text);
  const bytes = buffer.length;
  const twinBytes = Buffer.byteLength(twin);
  genMs += performance.now() - g0;

  // 1. leak scan; baselines first and last alternate so neither always runs on a colder cache.
  const first = i % 2 === 0;
  const baselines = () => [medianOf(opts.reps, () => text.indexOf(ABSENT)), medianOf(opts.reps, () => buffer.indexOf(ABSENT))];
  const before = first ? baselines() : undefined;
  const l = medianOf(opts.reps, () => findLeaks(text, SECRETS));
  const old = first ? undefined : medianOf(opts.reps, () => previousFindLeaks(text, SECRETS));
  const t = medianOf(opts.reps, () => findTokenShapes(text));
  const previous = old ?? medianOf(opts.reps, () => previousFindLeaks(text, SECRETS));
  const [s, b] = before ?? baselines();
  if (s.value !== -1 || b.value !== -1) fail('leak scan', `baseline needle found in cassette ${i}`);
  leak.bytes += bytes;
  leak.stringIndexOf += s.ms;
  leak.bufferIndexOf += b.ms;
  leak.findLeaks += l.ms;
  leak.previous += previous.ms;
  leak.tokens += t.ms;
  for (const finding of l.value) expect(gotLeaks, `${i}|${finding.secret}|${finding.encoding}`);
  for (const finding of t.value) expect(gotTokens, `${i}|${finding.kind}`);

  // 2. diff: parse both, diff; the verdict must be noise-only unless a field was added.
  const p0 = performance.now();
  const oldCassette = parseCassette(text, `fixtures/c${i}.yml`);
  const next = parseCassette(twin, `fixtures/c${i}.yml`);
  const p1 = performance.now();
  const verdict = diffCassettes(`c${i}`, oldCassette, next, VOLATILE);
  const p2 = performance.now();
  const want = changedAt.has(i) ? 'changed' : 'noise-only';
  if (verdict.status !== want) fail('diff', `cassette ${i}: expected ${want}, got ${verdict.status}: ${JSON.stringify(verdict.changes).slice(0, 400)}`);
  if (oldCassette.interactions.length !== interactions.length) fail('diff', `cassette ${i}: parsed ${oldCassette.interactions.length} interactions, wrote ${interactions.length}`);
  diff.bytes += bytes + twinBytes;
  diff.parse += p1 - p0;
  diff.diff += p2 - p1;
  diff.interactions += interactions.length;
  diff[want === 'changed' ? 'changed' : 'noiseOnly'] += 1;

  // 2b. the `yaml` package's parse() of both texts, on the sample.
  if (yamlAt.has(i)) {
    const y0 = performance.now();
    YAML.parse(text);
    YAML.parse(twin);
    yamlSample.yaml += performance.now() - y0;
    yamlSample.ours += p2 - p0;
    yamlSample.bytes += bytes + twinBytes;
    yamlSample.cassettes += 1;
  }
}

function sameCounts(want, got) {
  const keys = new Set([...want.keys(), ...got.keys()]);
  return [...keys].filter((key) => want.get(key) !== got.get(key)).map((key) => `${key}: want ${want.get(key) ?? 0}, got ${got.get(key) ?? 0}`);
}
const leakErrors = sameCounts(expectedLeaks, gotLeaks);
if (leakErrors.length) fail('leak scan', `findLeaks found other leaks than planted: ${leakErrors.slice(0, 10).join('; ')}`);
const tokenErrors = sameCounts(expectedTokens, gotTokens);
if (tokenErrors.length) fail('leak scan', `findTokenShapes found other tokens than planted: ${tokenErrors.slice(0, 10).join('; ')}`);
const plantedLeaks = [...expectedLeaks.values()].reduce((a, b) => a + b, 0);
const plantedTokens = [...expectedTokens.values()].reduce((a, b) => a + b, 0);

const scanMs = leak.findLeaks + leak.tokens;
table(
  `1. Leak scan: ${count} R vcr cassettes, ${f1(leak.bytes / MB)} MB, ${SECRETS.length} secrets (${plantedLeaks} planted leaks + ${plantedTokens} tokens found exactly); median of ${opts.reps} per cassette`,
  ['scan', 'seconds', 'MB/s', 'x indexOf'],
  [
    ['String.indexOf(one fixed string) [baseline]', f3(leak.stringIndexOf / 1000), f1(mbps(leak.bytes, leak.stringIndexOf)), '1.00'],
    ['Buffer.indexOf(one fixed string)', f3(leak.bufferIndexOf / 1000), f1(mbps(leak.bytes, leak.bufferIndexOf)), f2(leak.bufferIndexOf / leak.stringIndexOf)],
    ['findLeaks(text, 3 secrets)', f3(leak.findLeaks / 1000), f1(mbps(leak.bytes, leak.findLeaks)), f2(leak.findLeaks / leak.stringIndexOf)],
    ['previous findLeaks (fewer spellings)', f3(leak.previous / 1000), f1(mbps(leak.bytes, leak.previous)), f2(leak.previous / leak.stringIndexOf)],
    ['findTokenShapes(text)', f3(leak.tokens / 1000), f1(mbps(leak.bytes, leak.tokens)), f2(leak.tokens / leak.stringIndexOf)],
    ['findLeaks + findTokenShapes', f3(scanMs / 1000), f1(mbps(leak.bytes, scanMs)), f2(scanMs / leak.stringIndexOf)],
  ],
);

const spellingRatio = leak.findLeaks / leak.previous;
const withTokensRatio = (leak.findLeaks + leak.tokens) / (leak.previous + leak.tokens);
console.log(
  `   every spelling vs the previous scan, same corpus: findLeaks ${f2(spellingRatio)}x, findLeaks + findTokenShapes ${f2(withTokensRatio)}x (limit 1.50x: ${spellingRatio <= 1.5 ? 'within' : 'OVER'})`,
);
console.log('');

const oursMs = diff.parse + diff.diff;
const sampleAll = yamlSample.cassettes === count;
table(
  `2. Diff: ${count} cassette pairs, ${f1(diff.bytes / MB)} MB old+new (MB/s counts both texts), ${diff.interactions} interactions; ${diff.noiseOnly} noise-only + ${diff.changed} changed, all verdicts right`,
  ['step', 'seconds', 'MB/s', 'share'],
  [
    ['parseCassette(old) + parseCassette(new)', f2(diff.parse / 1000), f1(mbps(diff.bytes, diff.parse)), `${f1((100 * diff.parse) / oursMs)}%`],
    ['diffCassettes', f2(diff.diff / 1000), f1(mbps(diff.bytes, diff.diff)), `${f1((100 * diff.diff) / oursMs)}%`],
    ['parse + parse + diff (ours)', f2(oursMs / 1000), f1(mbps(diff.bytes, oursMs)), '100%'],
  ],
);
const yamlRatio = yamlSample.yaml / yamlSample.ours;
table(
  `   vs yaml.parse() of both texts, on ${sampleAll ? 'the same' : `a sample of ${yamlSample.cassettes} of the`} cassettes (${f1(yamlSample.bytes / MB)} MB)`,
  ['scheme', 'seconds', 'MB/s', 'x ours'],
  [
    ['yaml.parse(old) + yaml.parse(new) [baseline]', f2(yamlSample.yaml / 1000), f1(mbps(yamlSample.bytes, yamlSample.yaml)), f2(yamlRatio)],
    ['ours: parse + parse + diff (same cassettes)', f2(yamlSample.ours / 1000), f1(mbps(yamlSample.bytes, yamlSample.ours)), '1.00'],
  ],
);

// ---- 3: audit of a generated testthat project ----------------------------------------------
const N = opts.auditCassettes;
const ORPHANS = Math.min(10, Math.floor(N / 10));
const PER_FILE = 100;
const project = path.join(work, 'project');
const fixtures = path.join(project, 'tests', 'fixtures');
const testDir = path.join(project, 'tests', 'testthat');
await mkdir(fixtures, { recursive: true });
await mkdir(testDir, { recursive: true });
process.stderr.write(`bench: writing a testthat project with ${N} cassettes...\n`);
const setup = await timed(async () => {
  const ar = rng(opts.seed ^ 0xa0d17);
  const RES = ['users', 'repos', 'items', 'orders', 'invoices', 'projects', 'events', 'comments'];
  const width = String(N).length;
  const names = Array.from({ length: N }, (_, i) => (i < N - ORPHANS ? `${RES[i % RES.length]}_${String(i).padStart(width, '0')}` : `legacy_orphan_${i}`));
  // Planted findings, each in its own cassette.
  const pick = new Set();
  while (pick.size < 11) pick.add(ar.int(0, N - 1));
  const [p0, p1, p2, p3, p4, p5, p6, p7, s0, s1, x0] = [...pick];
  const planted = new Map([
    [p0, { rawHeader: SECRETS[0].value }],
    [p1, { urlQuery: encodeURIComponent(SECRETS[0].value) }],
    [p2, { basicAuth: basic(SECRETS[0].value) }],
    [p3, { bodyEcho: SECRETS[1].value }],
    [p4, { rawHeader: SECRETS[0].value }],
    [p5, { token: `ghp_${ar.alnum(36)}` }],
    [p6, { token: `AKIA${ar.alnum(16).toUpperCase()}` }],
  ]);
  const poisoned = new Set([p7, x0]);
  const stale = new Set([s0, s1]);
  const now = Date.now();
  const texts = names.map((_, i) => {
    const startMs = stale.has(i) ? now - 120 * 86_400_000 : now - ar.int(1, 10 * 86_400) * 1000;
    const its = makeInteractions(ar, ar.int(600, 2200), { startMs, planted: planted.get(i), maxBodyBytes: 1500 });
    return toVcrYaml(its, { status500: poisoned.has(i) });
  });
  let bytes = 0;
  await pool(names.map((name, i) => [name, texts[i]]), 64, async ([name, text]) => {
    bytes += Buffer.byteLength(text);
    await writeFile(path.join(fixtures, `${name}.yml`), text);
  });
  await writeFile(
    path.join(testDir, 'helper-vcr.R'),
    'library(vcr)\n\nvcr_configure(\n  dir = "../fixtures",\n  filter_request_headers = list("X-Api-Key" = "<<<API_KEY>>>")\n)\n\napi_get <- function(path) httr::GET(paste0(Sys.getenv("API_URL"), path))\n',
  );
  const used = names.slice(0, N - ORPHANS);
  const files = Math.ceil(used.length / PER_FILE);
  for (let f = 0; f < files; f++) {
    const blocks = used.slice(f * PER_FILE, (f + 1) * PER_FILE).map(
      (name) => `test_that("${name} answers", {\n  use_cassette("${name}", {\n    res <- api_get("/v1/${name.replace('_', '/')}")\n  })\n  expect_equal(httr::status_code(res), 200)\n})\n`,
    );
    await writeFile(path.join(testDir, `test-${String(f + 1).padStart(4, '0')}.R`), `# Generated by bench/cassettes.mjs\n\n${blocks.join('\n')}`);
  }
  const git = async (...args) => {
    const { code, stderr } = await run('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: project });
    if (code !== 0) die(`git ${args[0]} in ${project} exited ${code}: ${stderr.trim().slice(-500)}`);
  };
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '--no-verify', '-m', 'cassettes');
  return {
    bytes, files,
    expected: { cassettes: N, testFiles: files, secret: 5, token: 2, poisoned: poisoned.size, stale: stale.size, orphan: ORPHANS, missing: 0, unreadable: 0, shared: 0 },
    rawSecretFiles: 2,
  };
});
const { bytes: auditBytes, expected, rawSecretFiles } = setup.value;

if (!existsSync(cli)) die(`${cli} not found: run \`npm run bundle\` first (npm run bench does)`);
const relFixtures = path.join('tests', 'fixtures');
async function grepOnce() {
  const { ms, value } = await timed(() => run('grep', ['-rlF', SECRETS[0].value, relFixtures], { cwd: project }));
  if (value.code !== 0) die(`grep exited ${value.code}: ${value.stderr.trim().slice(-500)}`);
  const hits = value.stdout.trim().split('\n').filter(Boolean).length;
  if (hits !== rawSecretFiles) fail('audit', `grep -rlF found the raw secret in ${hits} files, planted in ${rawSecretFiles}`);
  return ms;
}
async function readAllOnce() {
  return (
    await timed(async () => {
      const names = await readdir(fixtures);
      let chars = 0;
      await pool(names, 32, async (name) => (chars += (await readFile(path.join(fixtures, name), 'utf8')).length));
      if (names.length !== N) fail('audit', `read ${names.length} files, wrote ${N}`);
      return chars;
    })
  ).ms;
}
async function auditOnce() {
  const env = { ...process.env, RERECORD_EXTRA_SECRETS: SECRETS.map((s) => s.value).join('\n') };
  const { ms, value } = await timed(() => run(process.execPath, [cli, 'audit', '--json', '--working-directory', project], { cwd: project, env }));
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    process.stderr.write(`--- audit stderr (last 3000 chars) ---\n${value.stderr.slice(-3000)}\n`);
    fail('audit', `printed no JSON document (exit ${value.code})`);
  }
  if (value.code !== 0 && value.code !== 1) fail('audit', `exited ${value.code}: ${value.stderr.slice(-1000)}`);
  const got = { cassettes: doc.cassettes, testFiles: doc.testFiles, ...doc.counts };
  const wrong = Object.entries(expected).filter(([key, want]) => got[key] !== want);
  if (wrong.length) fail('audit', `JSON disagrees with the generated project: ${wrong.map(([k, w]) => `${k} want ${w}, got ${got[k]}`).join('; ')}`);
  if (value.code !== (expected.secret + expected.token > 0 ? 1 : 0)) fail('audit', `exited ${value.code} with ${expected.secret} secret findings (fail-on error)`);
  return ms;
}
async function planOnce() {
  const { ms, value } = await timed(() => run(process.execPath, [cli, 'plan', '--json', '--working-directory', project], { cwd: project }));
  let doc;
  try {
    doc = JSON.parse(value.stdout);
  } catch {
    fail('audit', `plan printed no JSON document (exit ${value.code}): ${value.stderr.slice(-1000)}`);
  }
  if (value.code !== 0 || doc.selected !== expected.testFiles) fail('audit', `plan exited ${value.code} and selected ${doc.selected} files, expected ${expected.testFiles}`);
  return ms;
}
const median = (list) => [...list].sort((a, b) => a - b)[(list.length - 1) >> 1];
process.stderr.write('bench: audit and its baselines...\n');
const readMs = [];
const grepMs = [];
const auditMs = [];
const planMs = [];
// Interleaved, three rounds: each measurement sees the same (warm) page cache.
for (let round = 0; round < 3; round++) {
  readMs.push(await readAllOnce());
  grepMs.push(await grepOnce());
  if (round < 2) {
    auditMs.push(await auditOnce());
    planMs.push(await planOnce());
  }
}
const startups = [];
for (let i = 0; i < 3; i++) startups.push((await timed(() => run(process.execPath, [cli, '--version']))).ms);

// Where audit's time goes, re-done in this process on the same files: read, parse, scan.
const breakdown = await (async () => {
  const names = (await readdir(fixtures)).sort();
  const texts = [];
  const read = await timed(() => pool(names, 32, async (name) => texts.push(await readFile(path.join(fixtures, name), 'utf8'))));
  const parse = await timed(() => {
    for (const text of texts) parseCassette(text, 'x.yml');
  });
  const scan = await timed(() => {
    for (const text of texts) {
      findLeaks(text, SECRETS);
      findTokenShapes(text);
    }
  });
  return { readMs: read.ms, parseMs: parse.ms, scanMs: scan.ms };
})();

const a = median(auditMs);
const g = median(grepMs);
const rd = median(readMs);
const st = median(startups);
const pl = median(planMs);
table(
  `3. Audit: ${N} cassettes (${f1(auditBytes / MB)} MB) in ${expected.testFiles} test files, git-committed; counts verified (setup ${f1(setup.ms / 1000)} s); median of 3 (audit, plan: of 2)`,
  ['scheme', 'seconds', 'MB/s', 'audit / x'],
  [
    ['grep -rlF SECRET tests/fixtures [baseline]', f2(g / 1000), f1(mbps(auditBytes, g)), f2(a / g)],
    ['Node fs.readFile of all files (in-process)', f2(rd / 1000), f1(mbps(auditBytes, rd)), f2(a / rd)],
    ['rerecord audit --json (whole CLI process)', f2(a / 1000), f1(mbps(auditBytes, a)), '1.00'],
    ['  rerecord plan --json (discovery, source scan)', f2(pl / 1000), '', `${f1((100 * pl) / a)}%`],
    ['  in-process: parseCassette of all', f2(breakdown.parseMs / 1000), f1(mbps(auditBytes, breakdown.parseMs)), `${f1((100 * breakdown.parseMs) / a)}%`],
    ['  in-process: findLeaks + findTokenShapes', f2(breakdown.scanMs / 1000), f1(mbps(auditBytes, breakdown.scanMs)), `${f1((100 * breakdown.scanMs) / a)}%`],
    ['  node dist/cli.js --version (start-up)', f2(st / 1000), '', `${f1((100 * st) / a)}%`],
  ],
);

const totalS = (performance.now() - suiteStart) / 1000;
console.log(`generation (not timed in any row) took ${f1(genMs / 1000)} s; whole suite ${f1(totalS)} s. Ratios are what matter; load avg now ${os.loadavg()[0].toFixed(2)}.`);

const figures = {
  seed: opts.seed, yamlReaders, cpus: os.cpus().length, node: process.version, loadAvg1m: r3(os.loadavg()[0]), reps: opts.reps,
  leakScan: {
    cassettes: count, mb: r1(leak.bytes / MB), secrets: SECRETS.length, plantedLeaks, plantedTokens,
    mbPerS: { stringIndexOf: r1(mbps(leak.bytes, leak.stringIndexOf)), bufferIndexOf: r1(mbps(leak.bytes, leak.bufferIndexOf)), findLeaks: r1(mbps(leak.bytes, leak.findLeaks)), findTokenShapes: r1(mbps(leak.bytes, leak.tokens)), both: r1(mbps(leak.bytes, scanMs)) },
    ratioToStringIndexOf: { findLeaks: r3(leak.findLeaks / leak.stringIndexOf), findTokenShapes: r3(leak.tokens / leak.stringIndexOf), both: r3(scanMs / leak.stringIndexOf) },
  },
  diff: {
    cassettes: count, mbBothTexts: r1(diff.bytes / MB), interactions: diff.interactions, noiseOnly: diff.noiseOnly, changed: diff.changed,
    mbPerS: { parse: r1(mbps(diff.bytes, diff.parse)), diff: r1(mbps(diff.bytes, diff.diff)), ours: r1(mbps(diff.bytes, oursMs)) },
    diffShareOfOurs: r3(diff.diff / oursMs),
    yamlBaseline: { cassettes: yamlSample.cassettes, mb: r1(yamlSample.bytes / MB), yamlMbPerS: r1(mbps(yamlSample.bytes, yamlSample.yaml)), oursMbPerS: r1(mbps(yamlSample.bytes, yamlSample.ours)), yamlOverOurs: r3(yamlRatio) },
  },
  audit: {
    cassettes: N, mb: r1(auditBytes / MB), testFiles: expected.testFiles, setupS: r1(setup.ms / 1000),
    seconds: { audit: r3(a / 1000), grep: r3(g / 1000), readAll: r3(rd / 1000), cliStartup: r3(st / 1000), plan: r3(pl / 1000), inProcessParse: r3(breakdown.parseMs / 1000), inProcessScan: r3(breakdown.scanMs / 1000) },
    ratio: { auditOverGrep: r3(a / g), auditOverRead: r3(a / rd) },
    parseShareOfAudit: r3(breakdown.parseMs / a), scanShareOfAudit: r3(breakdown.scanMs / a),
  },
  suiteS: r1(totalS),
};
console.log(`BENCH_JSON ${JSON.stringify(figures)}`);
