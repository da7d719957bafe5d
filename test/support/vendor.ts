// The third-party stacks the tests run against, vendored in test/vendor/ (see its README):
//   r-stack   vcr 2.1.0 + httr2 1.3.0 and what they need, as source packages, built once into a
//             private R library in a cache folder named after the sources;
//   py-stack  pytest-recording, importable from its folder (PYTHONPATH).
// `npm run test:all` builds the R library before the tests run; a test started on its own finds
// the same folder, and fails (never skips) saying how to build it when it is not there.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './projects.js';

export const VENDOR = path.join(REPO_ROOT, 'test', 'vendor');
export const R_STACK_SOURCES = path.join(VENDOR, 'r-stack');
export const PY_STACK = path.join(VENDOR, 'py-stack');

/**
 * Where the vcr 2 library is built: RERECORD_TEST_R_LIBS_VCR2 when set, else the cache folder
 * scripts/test-all.sh builds (its name: the first 16 hex of sha256(install.sh, then the tarballs'
 * names one a line), so changed sources build afresh and unchanged ones are reused).
 */
export function rStackLibrary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RERECORD_TEST_R_LIBS_VCR2) return env.RERECORD_TEST_R_LIBS_VCR2;
  const tarballs = readdirSync(R_STACK_SOURCES).filter((name) => name.endsWith('.tar.gz')).sort();
  const id = createHash('sha256')
    .update(readFileSync(path.join(R_STACK_SOURCES, 'install.sh')))
    .update(tarballs.map((name) => `${name}\n`).join(''))
    .digest('hex')
    .slice(0, 16);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'rerecord', `r-stack-${id}`);
}

/** The built vcr 2 library, or an error that says how to build it. */
export function requireRStack(): string {
  const library = rStackLibrary();
  if (!existsSync(path.join(library, '.complete'))) {
    throw new Error(
      `the vcr 2 R library is not built in ${library}: run \`npm run test:all\` once (it builds it), ` +
        `or \`bash test/vendor/r-stack/install.sh ${library}\` (needs Debian r-base-dev libcurl4-openssl-dev)`,
    );
  }
  return library;
}
