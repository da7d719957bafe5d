// npm run demo: re-record part of the node --test + nock test project against a stand-in API on
// 127.0.0.1 (three files by priority pattern, one of which fails and is restored). Needs nothing but Node.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStandinApi } from '../test/support/standin-api.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const key = `demo-${Math.random().toString(36).slice(2)}`;
const work = await mkdtemp(path.join(os.tmpdir(), 'rerecord-demo-'));
const project = path.join(work, 'project');
const fixture = (name) => readFile(path.join(project, 'test', 'fixtures', name), 'utf8');
const generation = async (name) => JSON.parse(await fixture(name))[0].response.generation;

await cp(path.join(repo, 'test', 'projects', 'node-nock'), project, { recursive: true });
await symlink(path.join(repo, 'node_modules'), path.join(project, 'node_modules'), 'dir');
const api = await startStandinApi({ key, generation: 'g2' });
try {
  const boomBefore = await fixture('boom.json');
  console.log(`Stand-in API on ${api.url} now answers generation g2; the project's fixtures hold g1.`);
  console.log(`$ STANDIN_API_KEY=*** rerecord run --api-key-env STANDIN_API_KEY --cassette-functions withFixture --priority --priority-patterns items,users,boom --retries 0\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(repo, 'dist', 'cli.js'), 'run', '--api-key-env', 'STANDIN_API_KEY', '--cassette-functions', 'withFixture', '--priority', '--priority-patterns', 'items,users,boom', '--retries', '0', '--workers', '4'],
      { cwd: project, stdio: 'inherit', env: { ...process.env, STANDIN_API_KEY: key, STANDIN_API_URL: api.url } },
    );
    child.on('close', resolve);
  });
  console.log(`\nrerecord exited ${code} (1: some files failed; their fixtures were restored).`);
  console.log(`items.json now holds generation ${await generation('items.json')} (was g1).`);
  console.log(`boom.json (its test failed against a 500) is byte-identical to before: ${(await fixture('boom.json')) === boomBefore}.`);
  console.log(`Failure log (.rerecord/failures.txt):\n${await readFile(path.join(project, '.rerecord', 'failures.txt'), 'utf8')}`);
} finally {
  await api.close();
  await rm(work, { recursive: true, force: true });
}
