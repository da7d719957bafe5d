// The record hooks ship as plain files beside this module: src/frameworks/hooks in the source
// tree, dist/hooks in the bundle (the bundler copies them there).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function hookDirectory(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'hooks');
}
