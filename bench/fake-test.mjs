// Stand-in for one test file: reads its duration (ms) from the file given as argv[2], either a
// bare number or JSON {"ms": N}, and sleeps that long with setTimeout (no CPU burn). Exit 0.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node fake-test.mjs FILE\n');
  process.exit(2);
}
const text = readFileSync(file, 'utf8').trim();
const ms = text.startsWith('{') ? Number(JSON.parse(text).ms) : Number(text);
if (!Number.isFinite(ms) || ms < 0) {
  process.stderr.write(`fake-test: no duration in ${file}\n`);
  process.exit(2);
}
setTimeout(() => process.exit(0), ms);
