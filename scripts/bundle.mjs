// Bundles the action and the CLI into dist/ and copies the record hooks and the reaper (a plain
// CommonJS program that src/run/reaper.ts starts and loads from beside the bundle) next to them.
// Each preset's hook/ folder lands at dist/frameworks/<preset>/hook/, and the plain CommonJS files
// hooks share (shared/*.cjs) beside them, so relative requires between hooks hold as in src/.
// esbuild rather than rollup: one step, deterministic output, about 0.3 s.
import { build } from 'esbuild';
import { copyFile, cp, mkdir, readdir, rm } from 'node:fs/promises';

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
for (const entry of await readdir('src/frameworks', { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  const from = `src/frameworks/${entry.name}`;
  const files = await readdir(from, { withFileTypes: true });
  if (files.some((file) => file.isDirectory() && file.name === 'hook')) await cp(`${from}/hook`, `dist/frameworks/${entry.name}/hook`, { recursive: true });
  for (const file of files.filter((file) => file.isFile() && file.name.endsWith('.cjs'))) {
    await mkdir(`dist/frameworks/${entry.name}`, { recursive: true });
    await copyFile(`${from}/${file.name}`, `dist/frameworks/${entry.name}/${file.name}`);
  }
}
await copyFile('src/run/reaper-process.cjs', 'dist/reaper-process.cjs');
