// Shared by the Node record hooks: a cassette path is only backed up and deleted when it lies
// inside RERECORD_ROOT (the project rerecord runs in), outside .git/ and .rerecord/, and is not
// rerecord's config file .rerecord.yml.
// Symlinked folders are followed, as the library's own write would follow them.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature */
const fs = require('node:fs');
const path = require('node:path');

function realOrNull(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/** Throws (failing the test, touching nothing) when `file` must not be touched. */
function refuseOutsideRoot(file) {
  const root = process.env.RERECORD_ROOT;
  if (!root) return;
  let folder = path.dirname(path.resolve(file));
  const rest = [path.basename(file)];
  while (!realOrNull(folder) && path.dirname(folder) !== folder) {
    rest.unshift(path.basename(folder));
    folder = path.dirname(folder);
  }
  const resolved = path.join(realOrNull(folder) || folder, ...rest);
  const relative = path.relative(realOrNull(root) || root, resolved);
  const first = relative.split(path.sep)[0];
  if (relative === '' || first === '..' || path.isAbsolute(relative) || first === '.git' || first === '.rerecord' || relative === '.rerecord.yml') {
    throw new Error(`rerecord: refusing cassette ${file}: it lies outside the project ${root} (or inside .git/ or .rerecord/, or is .rerecord.yml); nothing was touched`);
  }
}

module.exports = { refuseOutsideRoot };
