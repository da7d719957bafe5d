// Bundles the action and the CLI into dist/ and copies the record hooks and the reaper (a plain
// CommonJS program that src/run/reaper.ts starts and loads from beside the bundle) next to them.
// esbuild rather than rollup: one step, deterministic output, about 0.3 s.
import { build } from 'esbuild';
import { copyFile, cp, mkdir, rm } from 'node:fs/promises';

// ESM bundles of CommonJS dependencies call require(); give them one.
const banner = "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);";

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  banner: { js: banner },
};
await build({ ...shared, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
await build({ ...shared, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: `#!/usr/bin/env node\n${banner}` } });
await cp('src/frameworks/hooks', 'dist/hooks', { recursive: true });
await copyFile('src/run/reaper-process.cjs', 'dist/reaper-process.cjs');
