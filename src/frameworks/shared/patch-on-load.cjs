// Shared by the Node record hooks: patch the project's own copy of a library (nock,
// @pollyjs/core) the moment it has finished loading, whoever requires it first.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS by nature */
const path = require('node:path');
const Module = require('node:module');

/**
 * Resolve from the project (and the test file's folder), so that the very copy the tests load is
 * patched, not one next to the hook. Null when the project does not have the package.
 */
function resolveFromProject(packageName) {
  const paths = [process.cwd()];
  const testFile = process.argv[1];
  if (testFile) paths.push(path.dirname(path.resolve(testFile)));
  try {
    return require.resolve(packageName, { paths });
  } catch {
    return null;
  }
}

/** Calls `patch(exports)` once, when the project's `packageName` has loaded; false when it has none. */
function patchWhenLoaded(packageName, patch) {
  const main = resolveFromProject(packageName);
  if (!main) return false;
  const originalLoad = Module._load;
  let patched = false;
  Module._load = function rerecordLoad(...args) {
    const exports = originalLoad.apply(this, args);
    const cached = require.cache[main];
    // The library's own internal requires pass here too while its main file runs: wait until it is done.
    if (!patched && cached && cached.loaded && exports === cached.exports) {
      patched = true;
      patch(exports);
      if (Module._load === rerecordLoad) Module._load = originalLoad;
    }
    return exports;
  };
  return true;
}

module.exports = { patchWhenLoaded };
