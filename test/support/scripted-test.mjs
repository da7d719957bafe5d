// A "test file" whose behaviour its spec file describes, for runner tests through framework custom:
//   node scripted-test.mjs SPEC.json
// SPEC: { "writes": ["abs cassette path", ...], "failUntilAttempt": 1, "sleepMs": 0, "events": "abs log path" }
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const specFile = process.argv[2];
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const counter = `${specFile}.attempts`;
const attempt = (existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0) + 1;
writeFileSync(counter, String(attempt));
const name = path.basename(specFile);
if (spec.events) appendFileSync(spec.events, `start ${name}\n`);
await new Promise((resolve) => setTimeout(resolve, spec.sleepMs ?? 0));
for (const cassette of spec.writes ?? []) {
  mkdirSync(path.dirname(cassette), { recursive: true });
  writeFileSync(cassette, `fresh from ${name}, attempt ${attempt}\n`);
}
if (spec.events) appendFileSync(spec.events, `end ${name}\n`);
process.exit(attempt < (spec.failUntilAttempt ?? 0) ? 1 : 0);
