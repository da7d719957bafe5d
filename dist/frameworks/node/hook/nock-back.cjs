// rerecord's record hook for nock back (nock 13/14), loaded with
//   NODE_OPTIONS="--require /abs/path/nock-back.cjs"   (path in double quotes if it has spaces)
// while the orchestrator runs `node --test /abs/path/file.test.js`.
//
// Environment: RERECORD_JOURNAL (JSON-lines file to append to), RERECORD_BACKUP_DIR (existing dir).
// Without both, the hook does nothing: it never deletes a fixture it cannot journal.
// RERECORD_MODE=replay instead pins nock back to 'lockdown' (recorded fixtures only, every other
// request refused) and journals, backs up and deletes nothing: rerecord's replay check.
//
// Why it works lazily:
// - `node --test` (Node 20) passes NODE_OPTIONS on to the child it spawns per test file, so this
//   file runs in the runner AND in the child. Only the child loads nock, so the hook waits for
//   nock to be loaded and does its work there: no double journal, and the runner stays untouched.
// - nock reads NOCK_BACK_MODE once when it loads and test code may call `nock.back.setMode(...)`
//   later, so the hook patches the loaded nock right after it loads and pins the mode to 'record'.
// - `import nock from 'nock'` in an .mjs file goes through the CommonJS loader (Module._load) as
//   well, so the same wrapper sees it and patches the one shared instance.
// - `import { back } from 'nock'` cannot be used with nock 14 at all: nock builds its exports
//   with Object.assign, which Node's CommonJS export detection does not see, so that import is a
//   SyntaxError ("Named export 'back' not found") in the test itself, hook or no hook. If a nock
//   version ever exposes it, Node reads named exports after Module._load returns, i.e. after the
//   patch below, so it would get the patched `back`.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature */

const path = require('node:path');
const { recording, startFresh } = require('../../shared/journal.cjs');
const { patchWhenLoaded } = require('../../shared/patch-on-load.cjs');

const replaying = process.env.RERECORD_MODE === 'replay';

if (replaying || recording) patchWhenLoaded('nock', (exports) => patchNock(exports));

function patchNock(nock) {
  const back = nock.back;
  const setMode = back.setMode;
  // Whatever mode anyone asks for (NOCK_BACK_MODE already applied at load, or a setMode call in
  // test code), nock back stays in 'record': a missing fixture is recorded, then saved by nockDone().
  // Replaying, it stays in 'lockdown': a request no fixture holds fails the test.
  const mode = replaying ? 'lockdown' : 'record';
  back.setMode = function pinMode() {
    setMode.call(back, mode);
  };
  setMode.call(back, mode);
  if (replaying) return;

  const seen = new Set();
  // A Proxy rather than a wrapper function: reads and writes such as `nock.back.fixtures = dir`
  // or `nock.back.currentMode` still reach nock's own Back, which is what nock reads.
  nock.back = new Proxy(back, {
    apply(target, thisArg, args) {
      const [name] = args;
      if (target.fixtures && typeof name === 'string') {
        // Same path nock computes (path.join), made absolute against cwd as nock's fs calls do.
        const fixture = path.resolve(path.join(target.fixtures, name));
        if (!seen.has(fixture)) {
          seen.add(fixture);
          startFresh(fixture);
        }
      }
      return Reflect.apply(target, thisArg, args);
    },
  });
}

