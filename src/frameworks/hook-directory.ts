// The record hooks ship as plain files: `<preset>/hook/` in the source tree, and the same tree under
// dist/frameworks/ in the bundle (scripts/bundle.mjs copies every preset's hook folder there), so
// that a hook's relative require (../../shared/confine.cjs) holds in both.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding one preset's hook files. */
export function hookDirectory(presetName: string): string {
  return path.join(frameworksRoot(), presetName, 'hook');
}

/** Where the preset folders are: beside this module in the source, `frameworks/` beside the bundle. */
function frameworksRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundled = path.join(here, 'frameworks');
  return existsSync(bundled) ? bundled : here;
}
