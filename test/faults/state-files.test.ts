// rerecord's own files (.rerecord/, the failure log) and its config file cannot be used to read or
// write anything else, never lose what they held, and never show their bytes in a message. Each
// case injects the fault for real (committed and planted symlinks, .rerecord moved away mid-run, a
// credentials file in a state file's place, a test file named with a newline, a full 2 MB tmpfs,
// the config file named as a cassette) on the built CLI and real child processes, then checks the
// sha256 of every file in the project and beside it, and that no test process survived.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { git } from '../support/projects.js';
import { cleanEnv, runAction } from '../support/run-bundle.js';
import { startStandinResults } from '../support/standin-results.mjs';
import { cassetteYaml, customFlags, rerecord, treeHashes, useFaultProjects, writesRecording as writes, type FaultProject } from '../support/fault-project.js';
import { CASSETTES, expectOutsideUntouched, fileResult, projectHashes, recording, usePytestProjects } from '../support/pytest-fault-project.js';

const faults = useFaultProjects();

async function project(tests: Record<string, string>, cassettes: Record<string, string | Buffer>): Promise<FaultProject> {
  const p = await faults.project(tests, cassettes);
  // A credentials file beside the project: the file a planted link or a replaced state file exposes.
  await writeFile(path.join(p.outside, 'credentials'), CREDENTIALS);
  return p;
}

const CREDENTIALS = '[default]\naws_access_key_id = AKIAFAKEEXAMPLE12345\naws_secret_access_key = fakeSecretKeyDoNotUse/0123456789abcdef\n';
const JSON_CREDENTIALS = '{"type": "service_account", "private_key_id": "fakekeyid0123456789", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIfakefake\\n"}\n';
/** No message may carry any of these: they exist only inside the credentials files. */
const expectNothingQuoted = (output: string) => {
  for (const piece of ['[default]', 'aws_', 'AKIAFAKE', 'fakeSecret', 'service_account', 'fakekeyid', 'PRIVATE KEY', 'MIIfake']) expect(output).not.toContain(piece);
};

const commit = (dir: string) => {
  git(dir, 'add', '-A');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'state');
};
const MANIFEST = `${JSON.stringify({ version: 1, files: { 'tests/a.sh': { cassettes: ['fixtures/a.yml'], durationMs: 100 } } }, null, 2)}\n`;

describe("rerecord's own files are never read or written through a symlink", () => {
  it.each(['.rerecord/.gitignore', '.rerecord/manifest.json', '.rerecord/failures.txt', '.rerecord/failures.json', '.rerecord/lock'])(
    'a committed %s linked to a file outside: run (and plan, for what plan reads) exits 2 naming it, and nothing in or beside the project changes',
    async (file) => {
      const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
      await mkdir(path.join(p.dir, '.rerecord'));
      await symlink('../../outside/credentials', path.join(p.dir, file));
      commit(p.dir);
      const before = await treeHashes(p.dir, ['.git']);
      const outside = await treeHashes(p.outside);
      // The failure log is written by run alone (and read by --mode failures): plan has no business with it.
      for (const command of file.includes('failures') ? ['run'] : ['run', 'plan']) {
        const result = await rerecord(p, [command, ...customFlags(p.token)]);
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toContain(`${file}: expected a regular file that rerecord writes, found a symlink; rerecord never reads or writes its own files through a symlink`);
        expectNothingQuoted(result.stdout + result.stderr);
      }
      expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
      expect(await treeHashes(p.outside)).toEqual(outside);
    },
  );

  it('.rerecord itself a symlink to a folder outside: run, plan and recover exit 2 naming it; no lock, backup or report lands there', async () => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    await mkdir(path.join(p.outside, 'state'));
    await writeFile(path.join(p.outside, 'state', 'manifest.json'), MANIFEST);
    await symlink('../outside/state', path.join(p.dir, '.rerecord'));
    commit(p.dir);
    const before = await treeHashes(p.dir, ['.git']);
    const outside = await treeHashes(p.outside);
    for (const command of ['run', 'plan', 'recover']) {
      const result = await rerecord(p, command === 'recover' ? ['recover'] : [command, ...customFlags(p.token)]);
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('.rerecord: expected a real folder, found a symlink; rerecord keeps its own files only in real folders inside the working directory');
    }
    expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
    expect(await treeHashes(p.outside)).toEqual(outside);
  });

  it.each([
    ['under a symlinked folder', 'logs', async (p: FaultProject) => symlink('../outside', path.join(p.dir, 'logs')), 'logs: expected a real folder, found a symlink'],
    [
      'itself a symlink',
      'logs/failures.txt',
      async (p: FaultProject) => {
        await mkdir(path.join(p.dir, 'logs'));
        await symlink('../../outside/credentials', path.join(p.dir, 'logs/failures.txt'));
      },
      'logs/failures.txt: expected a regular file that rerecord writes, found a symlink',
    ],
    [
      'with its JSON twin a symlink',
      'logs/failures.json',
      async (p: FaultProject) => {
        await mkdir(path.join(p.dir, 'logs'));
        await symlink('../../outside/credentials', path.join(p.dir, 'logs/failures.json'));
      },
      'logs/failures.json: expected a regular file that rerecord writes, found a symlink',
    ],
  ])('a configured failure log %s is exit 2 before any test runs, naming %s', async (_how, _name, plant, message) => {
    const p = await project({ 'a.sh': `# use_cassette("a")\ntouch "$FIX/../ran"\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    await plant(p);
    const before = await treeHashes(p.dir, ['.git']);
    const outside = await treeHashes(p.outside);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--failure-log', 'logs/failures.txt'])]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`failure-log: ${message}`);
    expect(existsSync(path.join(p.dir, 'ran'))).toBe(false);
    expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
    expect(await treeHashes(p.outside)).toEqual(outside);
  });

  it('links a test plants in .rerecord/ while rerecord runs are never written through: the reports and the manifest are refused, saying so', async () => {
    const plant = (name: string) => `rm -f ".rerecord/${name}" && ln -s "$PWD/../outside/credentials" ".rerecord/${name}"`;
    const p = await project(
      { 'a.sh': `# use_cassette("a")\n${writes('a')}\n${plant('manifest.json')}\n${plant('failures.txt')}\n${plant('failures.json')}\nexit 1`, 'b.sh': `# use_cassette("b")\n${writes('b')}` },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    await mkdir(path.join(p.dir, '.rerecord'));
    await writeFile(path.join(p.dir, '.rerecord/manifest.json'), MANIFEST);
    commit(p.dir);
    const before = await treeHashes(p.dir);
    const outside = await treeHashes(p.outside);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--workers', '1', '--batch-size', '1'])]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/could not write the failure log \.rerecord\/failures\.txt: \.rerecord\/failures\.(json|txt): expected a regular file that rerecord writes, found a symlink/);
    expect(result.stderr).toMatch(/could not write \.rerecord\/manifest\.json: \.rerecord\/manifest\.json: expected a regular file that rerecord writes, found a symlink/);
    expectNothingQuoted(result.stdout + result.stderr);
    expect(await treeHashes(p.outside)).toEqual(outside);
    for (const name of ['manifest.json', 'failures.txt', 'failures.json']) expect((await lstat(path.join(p.dir, '.rerecord', name))).isSymbolicLink(), name).toBe(true);
    // a.sh failed: its cassette is back; b.sh passed: its recording is kept.
    const after = await treeHashes(p.dir);
    expect(after['fixtures/a.yml']).toBe(before['fixtures/a.yml']);
    expect(await readFile(path.join(p.dir, 'fixtures/b.yml'), 'utf8')).toContain('fresh');
    expect({ ...after, 'fixtures/b.yml': 'kept' }).toEqual({ ...before, 'fixtures/b.yml': 'kept' });
  });
  it('on a runner, links a test plants in place of the failure log are never uploaded: the artifact holds nothing from behind them', async () => {
    const plant = (name: string) => `rm -f ".rerecord/${name}" && ln -s "$PWD/../outside/credentials" ".rerecord/${name}"`;
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}\n${plant('failures.txt')}\n${plant('failures.json')}\nexit 1` }, { 'a.yml': cassetteYaml('old a') });
    const outside = await treeHashes(p.outside);
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const inputs = { framework: 'custom', 'test-dir': 'tests', 'test-pattern': '*.sh', 'cassette-dir': 'fixtures', 'cassette-functions': 'use_cassette', 'cassette-path': '{name}.yml', command: `sh {file} ${p.token}`, retries: '0' };
      const run = await runAction(inputs, { cwd: p.dir, env: cleanEnv(results.env()) });
      expect(run.code, run.stdout).toBe(1);
      for (const artifact of results.artifacts) for (const bytes of Object.values(artifact.files)) expectNothingQuoted(Buffer.from(bytes as Uint8Array).toString('latin1'));
      expect(run.stdout).toMatch(/could not upload the failure log: refusing to upload the failure log: \.rerecord\/failures\.txt: expected a regular file that rerecord writes, found a symlink/);
      expectNothingQuoted(run.stdout + run.stderr + run.summary);
      expect(results.artifacts.map((artifact) => artifact.name)).not.toContain('rerecord-failures');
    } finally {
      await results.close();
    }
    expect(await treeHashes(p.outside)).toEqual(outside);
  });

  it('a test that moves .rerecord away and plants a link to a folder outside in its place: the real folder is put back, the run says so, the recordings stand; nothing lands outside', async () => {
    const p = await project(
      {
        'a.sh': `# use_cassette("a")\n${writes('a')}\nmv .rerecord .rerecord-moved && ln -s ../outside/state .rerecord\nexit 0`,
        'b.sh': `# use_cassette("b")\n${writes('b')}`,
      },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    await mkdir(path.join(p.outside, 'state'));
    const before = await treeHashes(p.dir);
    const outside = await treeHashes(p.outside);
    // One at a time: a file running beside the one that moves the folder could still write behind the link before the next look.
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--workers', '1', '--json'])]);
    expect(result.code, result.stderr).toBe(0);
    const files = (JSON.parse(result.stdout) as { files: Array<{ file: string; status: string; warnings: string[] }> }).files;
    expect(files.find((file) => file.file === 'tests/a.sh')).toMatchObject({ status: 'succeeded' });
    expect(files.find((file) => file.file === 'tests/a.sh')!.warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/^rerecord's folder \.rerecord\/ was moved to \.rerecord-moved and a symlink put in its place while the run went on: put back; what stood in its place is in \.rerecord\/recovered\/\d+-in-place-of-rerecord$/),
    ]));
    expect(files.find((file) => file.file === 'tests/b.sh')).toMatchObject({ status: 'succeeded' });
    expect((await lstat(path.join(p.dir, '.rerecord'))).isDirectory()).toBe(true);
    expect(existsSync(path.join(p.dir, '.rerecord-moved'))).toBe(false);
    expect(await readFile(path.join(p.dir, '.rerecord/failures.txt'), 'utf8')).toBe('');
    const after = await treeHashes(p.dir);
    for (const name of ['a', 'b']) expect(await readFile(path.join(p.dir, `fixtures/${name}.yml`), 'utf8')).toContain('fresh');
    const recorded = { 'fixtures/a.yml': 'kept', 'fixtures/b.yml': 'kept' };
    expect({ ...after, ...recorded }).toEqual({ ...before, ...recorded });
    expect(await treeHashes(p.outside)).toEqual(outside);
  });
});

describe('no message quotes a state file', () => {
  it.each([
    ['replaced by a credentials file', async (file: string) => writeFile(file, CREDENTIALS), 'not a manifest written by rerecord'],
    ['replaced by a JSON credentials file', async (file: string) => writeFile(file, JSON_CREDENTIALS), 'not a manifest written by rerecord'],
    ['linked to a credentials file', async (file: string) => symlink('../../outside/credentials', file), 'expected a regular file that rerecord writes, found a symlink'],
  ])('.rerecord/manifest.json %s: run, plan and audit exit 2 naming it and what was expected, and show none of its bytes', async (_how, plant, expected) => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    await mkdir(path.join(p.dir, '.rerecord'));
    await plant(path.join(p.dir, '.rerecord/manifest.json'));
    commit(p.dir);
    const before = await treeHashes(p.dir, ['.git']);
    for (const command of ['run', 'plan', 'audit']) {
      const result = await rerecord(p, [command, ...customFlags(p.token)]);
      expect(result.code, `${command}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`.rerecord/manifest.json: ${expected}`);
      expectNothingQuoted(result.stdout + result.stderr);
    }
    expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
  });

  it.each([
    ['failures.json replaced by a credentials file', 'failures.json', CREDENTIALS, /\.rerecord\/failures\.json: not a failure report written by rerecord/],
    ['failures.json replaced by a JSON credentials file', 'failures.json', JSON_CREDENTIALS, /\.rerecord\/failures\.json: not a failure report written by rerecord/],
    ['failures.txt (without a JSON twin) replaced by a credentials file', 'failures.txt', CREDENTIALS, /\.rerecord\/failures\.txt: 3 of the 3 files it lists are outside the test folder tests \(entries 1, 2 and 3, not shown\)/],
  ])('%s: --mode failures exits 2 naming it, quoting nothing', async (_how, name, content, message) => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    await mkdir(path.join(p.dir, '.rerecord'));
    await writeFile(path.join(p.dir, '.rerecord', name), content);
    const before = await treeHashes(p.dir, ['.git']);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--mode', 'failures'])]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expectNothingQuoted(result.stdout + result.stderr);
    expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
  });
});

describe('the failure log', () => {
  const NEWLINE_TEST = 'a\nb.sh';
  type RunJson = { files: Array<{ file: string; status: string }> };

  it('a failing test file whose name holds a newline takes one escaped line; --mode failures re-runs exactly it, from the JSON twin or from the text alone', async () => {
    const p = await project(
      { [NEWLINE_TEST]: `# use_cassette("n")\n${writes('n')}\nexit 1`, 'ok.sh': `# use_cassette("ok")\n${writes('ok')}`, 'b.sh': `# use_cassette("b")\n${writes('b')}` },
      { 'n.yml': cassetteYaml('old n'), 'ok.yml': cassetteYaml('old ok'), 'b.yml': cassetteYaml('old b') },
    );
    const first = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(first.code, first.stderr).toBe(1);
    expect(await readFile(path.join(p.dir, '.rerecord/failures.txt'), 'utf8')).toBe('"tests/a\\nb.sh"\n');
    const report = JSON.parse(await readFile(path.join(p.dir, '.rerecord/failures.json'), 'utf8')) as { toRerun: string[] };
    expect(report.toRerun).toEqual([`tests/${NEWLINE_TEST}`]);

    for (const source of ['the JSON twin', 'the text alone']) {
      if (source === 'the text alone') await rm(path.join(p.dir, '.rerecord/failures.json'));
      const before = await treeHashes(p.dir);
      const again = await rerecord(p, ['run', ...customFlags(p.token, ['--mode', 'failures', '--json'])]);
      expect(again.code, `${source}: ${again.stderr}`).toBe(1);
      expect((JSON.parse(again.stdout) as RunJson).files.map((file) => [file.file, file.status])).toEqual([[`tests/${NEWLINE_TEST}`, 'failed']]);
      expect(again.stderr).not.toMatch(/not a test file|outside the test folder/);
      // It failed again: every cassette as it was.
      expect(await treeHashes(p.dir)).toEqual(before);
    }
  });

  it('a full disk (a 2 MB tmpfs holding the failure log) leaves the last log whole, not truncated, and --mode failures still reads it', async () => {
    const p = await project(
      { 'a.sh': `# use_cassette("a")\n${writes('a')}\n[ -e logs/full ] && { head -c 3000000 /dev/zero > logs/filler; head -c 6000 /dev/zero | tr '\\0' x; }\nexit 1`, 'b.sh': `# use_cassette("b")\n${writes('b')}` },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    const logs = path.join(p.dir, 'logs');
    await mkdir(logs);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', logs]);
    try {
      const flags = customFlags(p.token, ['--failure-log', 'logs/failures.txt', '--workers', '1']);
      const first = await rerecord(p, ['run', ...flags]);
      expect(first.code, first.stderr).toBe(1);
      const lastLog = await treeHashes(logs);
      expect(await readFile(path.join(logs, 'failures.txt'), 'utf8')).toBe('tests/a.sh\n');
      // The second time, a.sh fills the disk before it fails, and prints enough that its report needs
      // more room than the last one held: written in place, it would be cut off where the disk ran out.
      await writeFile(path.join(logs, 'full'), '');
      const before = await treeHashes(p.dir);
      const outside = await treeHashes(p.outside);
      const second = await rerecord(p, ['run', ...flags]);
      expect(second.code, second.stderr).toBe(1);
      expect(second.stderr).toMatch(/could not write the failure log logs\/failures\.txt: .*ENOSPC/);
      const now = await treeHashes(logs);
      expect({ 'failures.txt': now['failures.txt'], 'failures.json': now['failures.json'] }).toEqual({ 'failures.txt': lastLog['failures.txt'], 'failures.json': lastLog['failures.json'] });
      expect(Object.keys(now).sort()).toEqual(['failures.json', 'failures.txt', 'filler', 'full']);
      const after = await treeHashes(p.dir);
      for (const file of Object.keys(before).filter((name) => !name.startsWith('logs/'))) {
        if (file === 'fixtures/b.yml') continue; // re-recorded by b.sh, which passed
        expect(after[file], file).toBe(before[file]);
      }
      expect(await treeHashes(p.outside)).toEqual(outside);
      // The whole log from the run before is still what --mode failures runs.
      await rm(path.join(logs, 'filler'));
      await rm(path.join(logs, 'full'));
      const resumed = await rerecord(p, ['run', ...flags, '--mode', 'failures', '--json']);
      expect((JSON.parse(resumed.stdout) as RunJson).files.map((file) => file.file), resumed.stderr).toEqual(['tests/a.sh']);
    } finally {
      execFileSync('umount', ['-l', logs]);
    }
  });
});

describe('the config file is never a cassette', () => {
  const CONFIG = 'retries: 0\nbatch-delay: 0s\n';
  it.each([
    ['a cassette folder of .', '.rerecord', ['--cassette-dir', '.']],
    ['a cassette named ../.rerecord', '../.rerecord', []],
  ])('%s mapping .rerecord.yml: refused in the plan with the reason; the file stays in place while the test runs', async (_how, name, flags) => {
    const p = await project(
      {
        'c.sh': `# use_cassette("${name}")\n# use_cassette("${flags.length > 0 ? 'fixtures/c' : 'c'}")\ncmp -s .rerecord.yml "$FIX/../config-copy" || { echo ".rerecord.yml was moved aside"; exit 1; }\n${writes('c')}`,
      },
      { 'c.yml': cassetteYaml('old c') },
    );
    await writeFile(path.join(p.dir, '.rerecord.yml'), CONFIG);
    await writeFile(path.join(p.dir, 'config-copy'), CONFIG);
    commit(p.dir);
    const before = await treeHashes(p.dir);
    const outside = await treeHashes(p.outside);

    const plan = await rerecord(p, ['plan', ...customFlags(p.token, flags)]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain(`tests/c.sh: cassette ".rerecord.yml" is rerecord's config file .rerecord.yml, never a cassette; refused`);
    const result = await rerecord(p, ['run', ...customFlags(p.token, [...flags, '--json'])]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { files: Array<{ status: string }> }).files.map((file) => file.status)).toEqual(['succeeded']);
    const after = await treeHashes(p.dir);
    expect(await readFile(path.join(p.dir, 'fixtures/c.yml'), 'utf8')).toContain('fresh');
    expect({ ...after, 'fixtures/c.yml': 'kept' }).toEqual({ ...before, 'fixtures/c.yml': 'kept' });
    expect(await treeHashes(p.outside)).toEqual(outside);
  });
});

describe('a record hook asked for the config file or a test file (pytest + vcrpy)', () => {
  const projects = usePytestProjects('state-files-key-7c1d');
  it('refuses .rerecord.yml before touching it; a test file a name resolves to at run time goes back from its backup', async () => {
    const asks = (cassette: string, check = '') => `from standin import api_vcr, get_json
import os

def test_records():${check}
    with api_vcr.use_cassette("${cassette}"):
        status, body = get_json("/items")
    assert status == 200
`;
    // tests/vcr_cassettes/../../.rerecord.yml is the config file; ../test_c_victim.py is a test file.
    const project = await projects.create(
      {
        'test_a_config.py': asks('../../.rerecord.yml'),
        'test_b_testfile.py': asks('../test_c_victim.py'),
        'test_c_victim.py': recording('c_victim'),
      },
      { '.rerecord.yml': 'retries: 0\n' },
    );
    const before = await projectHashes(project.dir);

    const { code, json } = await projects.run(project, ['--workers', '1', '--warm', 'off']);

    expect(code).toBe(1);
    expect(fileResult(json, 'test_a_config.py').status).toBe('failed');
    expect(fileResult(json, 'test_a_config.py').reason).toMatch(/RuntimeError: rerecord: refusin/);
    const report = JSON.parse(await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8')) as { files: Array<{ file: string; outputTail: string }> };
    expect(report.files.find((file) => file.file === 'tests/test_a_config.py')?.outputTail).toMatch(/rerecord: refusing cassette \S*\.rerecord\.yml: .*or is \.rerecord\.yml\); nothing was touched/);
    expect(fileResult(json, 'test_b_testfile.py').status).toBe('failed');
    expect(fileResult(json, 'test_b_testfile.py').reason).toMatch(/test_c_victim\.py \(a test file or the config file, never a cassette; put back from its backup\)/);
    const after = await projectHashes(project.dir);
    // test_c_victim.py re-recorded its own cassette; everything else, the config and the test file included, is as it was.
    expect({ ...after, [`${CASSETTES}/c_victim.yaml`]: 'kept' }).toEqual({ ...before, [`${CASSETTES}/c_victim.yaml`]: 'kept' });
    await expectOutsideUntouched(project);
  });
});
