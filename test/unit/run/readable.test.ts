// The read-back check of a new recording, with the preset's declared cassette formats.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { custom } from '../../../src/frameworks/custom/index.js';
import { pytest } from '../../../src/frameworks/pytest/index.js';
import { checkReadable } from '../../../src/run/readable.js';

const VCRPY = `interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: http://127.0.0.1:8080/items
  response:
    body:
      string: '[]'
    headers: {}
    status:
      code: 200
      message: OK
version: 1
`;
const NOCK = JSON.stringify([{ scope: 'http://127.0.0.1:8080', method: 'GET', path: '/items', status: 200, response: [] }]);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-readable-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function recording(newText: string, oldText: string | undefined) {
  const cassette = path.join(dir, 'items.yaml');
  await writeFile(cassette, newText);
  let original: string | null = null;
  if (oldText !== undefined) {
    original = path.join(dir, 'items.yaml.before');
    await writeFile(original, oldText);
  }
  return [{ cassette, original }];
}
const relative = (file: string) => path.relative(dir, file);

describe('checkReadable with the preset\'s cassette formats', () => {
  it("fails a recording that turned from the library's format into another one", async () => {
    const result = await checkReadable(await recording(NOCK, VCRPY), relative, pytest);
    expect(result.failure).toBe('new recording items.yaml reads as a nock cassette, which framework pytest does not write (the old one was vcrpy); not kept');
  });

  it("keeps a recording in the library's own format, and a new one in another format with nothing to compare", async () => {
    expect(await checkReadable(await recording(VCRPY, VCRPY), relative, pytest)).toEqual({ failure: undefined, warnings: [] });
    expect(await checkReadable(await recording(NOCK, undefined), relative, pytest)).toEqual({ failure: undefined, warnings: [] });
  });

  it('accepts any format it reads for custom, whose library it does not know', async () => {
    expect((await checkReadable(await recording(NOCK, VCRPY), relative, custom)).failure).toBeUndefined();
  });

  it('names the format the preset writes when it keeps a recording it cannot read', async () => {
    const result = await checkReadable(await recording('just: [a, map]\n', undefined), relative, pytest);
    expect(result.failure).toBeUndefined();
    expect(result.warnings).toEqual([expect.stringMatching(/^items\.yaml: .*; rerecord cannot read this format \(framework pytest writes vcrpy cassettes\), so it was kept unchecked$/)]);
  });

  it('keeps a file the test wrote beside the cassettes, which no journal names and which claims no cassette format, without a warning', async () => {
    const [written] = await recording('frames: !!binary AAEC\n', undefined);
    const quiet = await checkReadable([{ ...written!, unnamed: true }], relative, pytest);
    expect(quiet).toEqual({ failure: undefined, warnings: [] });
    // One that claims the library's format is still checked, named or not.
    const [broken] = await recording('interactions:\n- request: {uri: "http', VCRPY);
    expect((await checkReadable([{ ...broken!, unnamed: true }], relative, pytest)).failure).toMatch(/is not readable/);
  });

  it('fails a new recording that no longer reads though the old one did, and a truncated one', async () => {
    expect((await checkReadable(await recording('just: [a, map]\n', VCRPY), relative, pytest)).failure).toMatch(/no longer reads as a cassette .* though the old one did$/);
    expect((await checkReadable(await recording('interactions:\n- request: {uri: "http', VCRPY), relative, pytest)).failure).toMatch(/is not readable .*truncated or half-written/);
  });
});
