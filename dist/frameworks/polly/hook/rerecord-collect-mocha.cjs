// rerecord's collection reporter for mocha + Polly: asks mocha itself which tests each file holds,
// without running one, and which of them Polly's setupMocha records.
//
//   mocha --dry-run --reporter /abs/path/rerecord-collect-mocha.cjs <files>
//
// Environment: RERECORD_COLLECT_OUTPUT, the file to write: JSON lines, one per test Polly would
// record, {"file": "/abs/test/a.test.js", "recording": "Suite/inner suite/test title"}: the name
// setupMocha gives (the titles from the outermost titled suite down, joined by "/"). rerecord turns
// it into Polly's path (each part `<slug>_<fnv1a>`, under the recordings folder).
//
// Why it looks like this:
// - `--dry-run` loads every file and builds the suites (titles from loops and variables included)
//   but runs no test and no hook; the reporter still sees each test.
// - A test is Polly's when a beforeEach hook of its suite or an outer one is setupMocha's: its
//   function calls Polly's generateRecordingName (the one thing that hook does).
// - Plain CommonJS with no dependency: mocha loads it by path, in the project's own node.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- mocha loads a reporter by path as CommonJS */

const fs = require('node:fs');

const POLLY_HOOK = /generateRecordingName/;

function pollySetUp(suite) {
  for (let at = suite; at; at = at.parent) {
    if ((at._beforeEach || []).some((hook) => POLLY_HOOK.test(String(hook.fn)))) return true;
  }
  return false;
}

function recordingName(test) {
  const parts = [test.title];
  for (let parent = test.parent; parent && parent.title; parent = parent.parent) parts.push(parent.title);
  return parts.reverse().join('/');
}

function RerecordCollectReporter(runner) {
  const lines = [];
  runner.on('test', (test) => {
    if (!test.file || !pollySetUp(test.parent)) return;
    lines.push(JSON.stringify({ file: test.file, recording: recordingName(test) }));
  });
  runner.once('end', () => {
    fs.writeFileSync(process.env.RERECORD_COLLECT_OUTPUT, lines.map((line) => `${line}\n`).join(''));
  });
}

module.exports = RerecordCollectReporter;
