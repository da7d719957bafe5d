import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { findTestFiles, noTestFiles } from '../../../src/discover/test-files.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rerecord-discover-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('finding test files', () => {
  it('is a configuration error when the pattern matches nothing, naming test-dir, test-pattern and what is there', async () => {
    await mkdir(path.join(dir, 'tests/api'), { recursive: true });
    await writeFile(path.join(dir, 'tests/api/check_things.py'), '');
    await writeFile(path.join(dir, 'tests/conftest.py'), '');
    await writeFile(path.join(dir, 'tests/data.json'), '{}');
    const error = await findTestFiles(dir, 'tests', '**/test_*.py').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      'test-pattern "**/test_*.py" matched no file under test-dir "tests"; it holds 3 other files (2 .py, 1 .json), e.g. tests/api/check_things.py, tests/conftest.py, tests/data.json: set test-pattern to match the test files',
    );
  });

  it('says so when the test folder does not exist or is empty', async () => {
    await expect(findTestFiles(dir, 'spec', '**/*_spec.rb')).rejects.toThrow(/^test-dir "spec" is not a folder in /);
    await mkdir(path.join(dir, 'spec'));
    await expect(findTestFiles(dir, 'spec', '**/*_spec.rb')).rejects.toThrow('test-pattern "**/*_spec.rb" matched no file under test-dir "spec", which holds no files at all');
  });

  it('lists matches sorted, relative to the working directory', async () => {
    await mkdir(path.join(dir, 'tests/b'), { recursive: true });
    await writeFile(path.join(dir, 'tests/b/test_z.py'), '');
    await writeFile(path.join(dir, 'tests/test_a.py'), '');
    expect(await findTestFiles(dir, 'tests', '**/test_*.py')).toEqual(['tests/b/test_z.py', 'tests/test_a.py']);
    expect(noTestFiles('t', '*.js', ['t/a.txt'])).toContain('1 other file (1 .txt)');
  });
});
