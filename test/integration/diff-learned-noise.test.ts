// `rerecord diff` applies what earlier runs learned (the manifest's `noise`) and the volatile-paths
// input: the vcrpy pair recorded twice in a row (a random file id in a body and in a path) is a
// change without them and noise with them.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/run-bundle.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'unit', 'cassettes', 'fixtures', 'decoding');
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function project(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rr-learned-'));
  dirs.push(dir);
  await copyFile(path.join(FIXTURES, 'vcrpy-path-id-old.yaml'), path.join(dir, 'old.yaml'));
  await copyFile(path.join(FIXTURES, 'vcrpy-path-id-new.yaml'), path.join(dir, 'new.yaml'));
  return dir;
}

describe('rerecord diff with learned noise and volatile-paths', () => {
  it('a change without them; noise with the manifest\'s learned noise, or with the inputs', async () => {
    const dir = await project();
    const plain = await runCli(['diff', 'old.yaml', 'new.yaml'], { cwd: dir, env: cleanEnv() });
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stdout).toContain('(path changed)');

    const byInputs = await runCli(['diff', 'old.yaml', 'new.yaml', '--volatile-paths', '/v1/files/{*}', '--volatile-fields', 'id'], { cwd: dir, env: cleanEnv() });
    expect(byInputs.code, byInputs.stdout + byInputs.stderr).toBe(0);

    await mkdir(path.join(dir, '.rerecord'));
    const noise = { 'GET /v1/files/{*}': { fields: ['$.id'], headers: [], volatilePath: true }, 'POST /v1/files': { fields: ['$.id'], headers: [] } };
    await writeFile(path.join(dir, '.rerecord', 'manifest.json'), `${JSON.stringify({ version: 1, files: {}, noise }, null, 2)}\n`);
    const learned = await runCli(['diff', 'old.yaml', 'new.yaml', '--json'], { cwd: dir, env: cleanEnv() });
    expect(learned.code, learned.stdout + learned.stderr).toBe(0);
    expect(JSON.parse(learned.stdout)).toEqual([expect.objectContaining({ status: 'noise-only', changes: [] })]);
  });
});
