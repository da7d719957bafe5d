// Shared by the Node record hooks: step 1 of the journal protocol (../JOURNAL.md) for a cassette
// opened for the first time in this process: back it up, journal it, then delete it, so that the
// library records it anew.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature */
const fs = require('node:fs');
const path = require('node:path');
const { refuseOutsideRoot } = require('./confine.cjs');

const journal = process.env.RERECORD_JOURNAL;
const backupDir = process.env.RERECORD_BACKUP_DIR;

/** Whether this process records for rerecord: without both, a hook deletes and journals nothing. */
const recording = Boolean(journal && backupDir);

// The order matters: a SIGKILL at any point leaves either an untouched cassette or a journal line
// whose backup is already complete.
function startFresh(cassette) {
  refuseOutsideRoot(cassette);
  const existed = fs.existsSync(cassette);
  let backup = null;
  if (existed) backup = copyToBackupDir(cassette);
  fs.appendFileSync(journal, JSON.stringify({ cassette, existed, backup }) + '\n');
  if (existed) fs.rmSync(cassette, { force: true });
}

// Several test processes share one backup dir: COPYFILE_EXCL makes picking `<n>-<basename>` race-free.
function copyToBackupDir(cassette) {
  for (let n = 1; ; n++) {
    const target = path.join(backupDir, `${n}-${path.basename(cassette)}`);
    try {
      fs.copyFileSync(cassette, target, fs.constants.COPYFILE_EXCL);
      return target;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
}

module.exports = { recording, startFresh };
