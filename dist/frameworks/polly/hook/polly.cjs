// rerecord's record hook for Polly.js 6 (@pollyjs/core with the fs persister), loaded with
//   NODE_OPTIONS="--require /abs/path/polly.cjs"   (path in double quotes if it has spaces)
// while the orchestrator runs the test command (`node --test /abs/path/file.test.js`).
//
// Environment: RERECORD_JOURNAL (JSON-lines file to append to), RERECORD_BACKUP_DIR (existing dir).
// Without both, the hook does nothing: it never deletes a recording it cannot journal.
// RERECORD_MODE=replay instead pins mode 'replay' with recordIfMissing off (a request no recording
// holds is an error) and journals, backs up and deletes nothing: rerecord's replay check.
//
// Why it works this way:
// - No environment variable sets Polly's mode, and the mode comes from `new Polly(name, {mode})`,
//   `polly.configure({mode})`, `polly.replay()` or `polly.mode = ...` in test code. So the hook
//   patches Polly.prototype (shared by every import style) right after @pollyjs/core loads:
//   `configure` ends in mode 'record', and the `mode` setter turns every mode but 'stopped'
//   (what `polly.stop()` sets) into 'record'. Record mode drops entries not requested this run.
// - `node --test` passes NODE_OPTIONS on to each test file's child: the runner never loads Polly,
//   so it does nothing there. `import { Polly } from '@pollyjs/core'` in .mjs files loads Polly's
//   CommonJS build through Module._load as well, so one lazy wrapper sees both module systems.
// - The recording file is `<recordingsDir>/<slug>_<hash>/recording.har`, computed by the fs
//   persister's API#filenameFor for every read, write and delete. The hook wraps that method: the
//   first time a file is named in this process it is backed up, journaled and deleted. configure()
//   names the instance's own file at once (the "open"), so a test killed mid-request is journaled
//   too; per-route `.recordingName(...)` overrides are caught when they are first read or saved.
// Limits: only the fs persister is hooked; Jest's module registry bypasses Module._load.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature */

const path = require('node:path');
const { recording, startFresh } = require('../../shared/journal.cjs');
const { patchWhenLoaded } = require('../../shared/patch-on-load.cjs');

const replaying = process.env.RERECORD_MODE === 'replay';
const pinnedMode = replaying ? 'replay' : 'record';

if (replaying || recording) patchWhenLoaded('@pollyjs/core', (exports) => patchPolly(exports.Polly));

function patchPolly(Polly) {
  const proto = Polly.prototype;
  const modeProperty = Object.getOwnPropertyDescriptor(proto, 'mode');
  Object.defineProperty(proto, 'mode', {
    ...modeProperty,
    set(mode) {
      modeProperty.set.call(this, mode === 'stopped' ? mode : pinnedMode);
    },
  });

  const configure = proto.configure;
  proto.configure = function configureForRecording(...args) {
    const result = configure.apply(this, args);
    // mergeConfigs wrote config.mode directly, bypassing the setter.
    this.config.mode = pinnedMode;
    if (replaying) {
      this.config.recordIfMissing = false;
      return result;
    }
    open(this);
    return result;
  };

  // `polly.recordingName = 'other'` after construction opens that recording too.
  const nameProperty = Object.getOwnPropertyDescriptor(proto, 'recordingName');
  Object.defineProperty(proto, 'recordingName', {
    ...nameProperty,
    set(name) {
      nameProperty.set.call(this, name);
      open(this);
    },
  });
}

function open(polly) {
  if (replaying) return; // replay reads the recordings as they are
  const api = polly.persister && polly.persister.api;
  if (api && typeof api.filenameFor === 'function') {
    hookFilenames(Object.getPrototypeOf(api));
    api.filenameFor(polly.recordingId);
  }
}

const hookedApis = new WeakSet();
const seen = new Set();

function hookFilenames(apiProto) {
  if (hookedApis.has(apiProto)) return;
  hookedApis.add(apiProto);
  const filenameFor = apiProto.filenameFor;
  apiProto.filenameFor = function filenameForFreshRecording(...args) {
    const file = filenameFor.apply(this, args);
    // The fs persister resolves a relative recordingsDir against the working directory.
    const absolute = path.resolve(file);
    if (!seen.has(absolute)) {
      seen.add(absolute);
      startFresh(absolute);
    }
    return file;
  };
}

