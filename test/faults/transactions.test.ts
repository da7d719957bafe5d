// "A cassette whose re-record did not fully succeed is back, byte for byte, whatever happens", and
// "nothing outside the project is touched": each case injects the fault for real on the built CLI
// and real child processes, then checks the sha256 of every file in the project and beside it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../support/run-bundle.js';
import {
  cassetteYaml,
  customFlags,
  rerecord,
  startRerecord,
  treeHashes,
  waitForFile,
  useFaultProjects,
  writesRecording as writes,
} from '../support/fault-project.js';

// No test process, nor anything it started, outlives the run (the reaper's promise): checked after each test.
const { project } = useFaultProjects();

const report = async (dir: string) => JSON.parse(await readFile(path.join(dir, '.rerecord/failures.json'), 'utf8')) as { files: Array<{ file: string; status: string; reason: string }> };
const reasonOf = async (dir: string, file: string) => (await report(dir)).files.find((entry) => entry.file === file)?.reason ?? '';

describe('rerecord killed with SIGKILL mid-run', () => {
  it('the next command puts every cassette back byte for byte, says what it recovered, and leaves no transaction behind', async () => {
    const p = await project(
      {
        'a.sh': `# use_cassette("a")\n${writes('a')}\ntouch "$FIX/../started-a"\nsleep 30`,
        'b.sh': `# use_cassette("b")\nprintf 'half a recor' > "$FIX/b.yml"\nsleep 30`,
      },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    const before = await treeHashes(p.dir);
    const outside = await treeHashes(p.outside);
    const run = startRerecord(p, ['run', ...customFlags(p.token)]);
    await waitForFile(path.join(p.dir, 'started-a'));
    run.kill('SIGKILL');
    await run.finished;
    // The dead run's transaction is in the project's git directory, where cleaning the work tree cannot reach it.
    expect(existsSync(path.join(p.dir, '.git/rerecord'))).toBe(true);

    const recovered = await rerecord(p, ['recover']);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stdout).toMatch(/recovered 1 interrupted run/);
    expect(recovered.stdout).toMatch(/restored fixtures\/a\.yml/);
    const after = await treeHashes(p.dir);
    delete after['started-a'];
    expect(after).toEqual(before);
    expect(await treeHashes(p.outside)).toEqual(outside);
    expect(existsSync(path.join(p.dir, '.git/rerecord'))).toBe(false);
    expect(existsSync(path.join(p.dir, '.rerecord/lock'))).toBe(false);
  });

  it('a plain run after the kill recovers first, then re-records', async () => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n[ -e "$FIX/../second" ] || { touch "$FIX/../started"; sleep 30; }\n${writes('a', 'new')}` }, { 'a.yml': cassetteYaml('old a') });
    const before = await treeHashes(p.dir);
    const run = startRerecord(p, ['run', ...customFlags(p.token)]);
    await waitForFile(path.join(p.dir, 'started'));
    run.kill('SIGKILL');
    await run.finished;
    expect(existsSync(path.join(p.dir, 'fixtures/a.yml'))).toBe(false); // moved aside by the dead run
    await writeFile(path.join(p.dir, 'second'), '');

    const again = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/recovered 1 interrupted run \(rerecord run \(pid \d+/);
    expect(await readFile(path.join(p.dir, 'fixtures/a.yml'), 'utf8')).toContain('new');
    expect(before['fixtures/a.yml']).toBeDefined();
  });
});

describe('errors stay with their file', () => {
  it('a folder left where the cassette was fails that file and puts the cassette back; the other file is kept', async () => {
    const p = await project(
      {
        'dir.sh': `# use_cassette("d")\nmkdir -p "$FIX/d.yml/inner" && echo x > "$FIX/d.yml/inner/f"`,
        'ok.sh': `# use_cassette("ok")\n${writes('ok')}`,
      },
      { 'd.yml': cassetteYaml('old d'), 'ok.yml': cassetteYaml('old ok') },
    );
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code, result.stderr).toBe(1);
    expect((await treeHashes(p.dir))['fixtures/d.yml']).toBe(before['fixtures/d.yml']);
    expect(await readFile(path.join(p.dir, 'fixtures/ok.yml'), 'utf8')).toContain('fresh');
    expect(await reasonOf(p.dir, 'tests/dir.sh')).toMatch(/fixtures\/d\.yml is a folder, not a recording/);
    // The folder the test left is kept for a person to look at, not deleted.
    expect(existsSync(path.join(p.dir, '.rerecord/recovered'))).toBe(true);
  });

  it('a FIFO where a cassette should be fails that file with the reason, touches nothing, and the run goes on', async () => {
    const p = await project({ 'fifo.sh': `# use_cassette("f")\n${writes('f')}`, 'ok.sh': `# use_cassette("ok")\n${writes('ok')}` }, { 'ok.yml': cassetteYaml('old ok') });
    execFileSync('mkfifo', [path.join(p.dir, 'fixtures/f.yml')]);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code, result.stderr).toBe(1);
    expect(await reasonOf(p.dir, 'tests/fifo.sh')).toMatch(/^internal error: .*f\.yml is not a regular file/);
    expect(await readFile(path.join(p.dir, 'fixtures/ok.yml'), 'utf8')).toContain('fresh');
  });

  it('a passing test that leaves a truncated recording fails and gets the old bytes back', async () => {
    const p = await project({ 't.sh': `# use_cassette("t")\nprintf 'http_interactions:\\n- request:\\n    method: [get' > "$FIX/t.yml"` }, { 't.yml': cassetteYaml('old t') });
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code).toBe(1);
    expect(await reasonOf(p.dir, 'tests/t.sh')).toMatch(/new recording fixtures\/t\.yml is not readable/);
    expect(await treeHashes(p.dir)).toEqual(before);
  });

  it('a full disk (a 2 MB tmpfs as the cassette folder) fails the file that hit it and restores its cassette', async () => {
    const p = await project(
      { 'big.sh': `# use_cassette("big")\nhead -c 3000000 /dev/zero > "$FIX/big.yml" || exit 1\n${writes('big')}`, 'ok.sh': `# use_cassette("ok")\n${writes('ok')}` },
      {},
    );
    const fixtures = path.join(p.dir, 'fixtures');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', fixtures]);
    try {
      await writeFile(path.join(fixtures, 'big.yml'), cassetteYaml('old big'));
      await writeFile(path.join(fixtures, 'ok.yml'), cassetteYaml('old ok'));
      const before = await treeHashes(p.dir);
      // One at a time: run alongside, the other file would hit the full disk too (and rightly fail).
      const result = await rerecord(p, ['run', ...customFlags(p.token, ['--workers', '1'])]);
      expect(result.code, result.stderr).toBe(1);
      expect(await readFile(path.join(fixtures, 'big.yml'), 'utf8')).toBe(cassetteYaml('old big'));
      expect((await treeHashes(p.dir))['fixtures/big.yml']).toBe(before['fixtures/big.yml']);
      expect(await readFile(path.join(fixtures, 'ok.yml'), 'utf8')).toContain('fresh');
    } finally {
      execFileSync('umount', ['-l', fixtures]);
    }
  });

  it('a recording far too large to read (300 MB, sparse) fails its file without reading it, and the old bytes come back', async () => {
    const p = await project({ 'huge.sh': `# use_cassette("huge")\ntruncate -s 300M "$FIX/huge.yml"`, 'ok.sh': `# use_cassette("ok")\n${writes('ok')}` }, { 'huge.yml': cassetteYaml('old huge'), 'ok.yml': cassetteYaml('old ok') });
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code, result.stderr).toBe(1);
    expect(await reasonOf(p.dir, 'tests/huge.sh')).toMatch(/new recording fixtures\/huge\.yml is 300 MB, over the 256 MB rerecord can check/);
    expect(await readFile(path.join(p.dir, 'fixtures/huge.yml'), 'utf8')).toBe(cassetteYaml('old huge'));
    expect(await readFile(path.join(p.dir, 'fixtures/ok.yml'), 'utf8')).toContain('fresh');
  });

  it('a failure log that becomes unwritable mid-run is a warning at each checkpoint; the run goes on and ends non-zero saying so', async () => {
    const p = await project(
      { 'a.sh': `# use_cassette("a")\n${writes('a')}\nrm -rf logs && echo not-a-folder > logs`, 'b.sh': `# use_cassette("b")\nwhile [ ! -f logs ]; do sleep 0.1; done\n${writes('b')}` },
      { 'a.yml': cassetteYaml('old a'), 'b.yml': cassetteYaml('old b') },
    );
    await mkdir(path.join(p.dir, 'logs'));
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--failure-log', 'logs/failures.txt', '--batch-size', '1', '--batch-delay', '0s'])]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/could not write the failure log logs\/failures\.txt/);
    expect(await readFile(path.join(p.dir, 'fixtures/a.yml'), 'utf8')).toContain('fresh');
    expect(await readFile(path.join(p.dir, 'fixtures/b.yml'), 'utf8')).toContain('fresh');
  });

  it('an unwritable failure log location is exit 2 before any test runs', async () => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    await writeFile(path.join(p.dir, 'not-a-folder'), 'x');
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--failure-log', 'not-a-folder/failures.txt'])]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the failure log's folder: .*not-a-folder is not a folder/);
    expect(await treeHashes(p.dir)).toEqual(before);
  });
});

describe('one run at a time', () => {
  it('a second run while one is running exits 2 naming the holder, and touches nothing', async () => {
    // The first run's test holds on until the second run has answered: no race with a busy machine.
    const held = `# use_cassette("a")\ntouch "$FIX/../started"\nwhile [ ! -e "$FIX/../release" ]; do sleep 0.05; done\n${writes('a')}`;
    const p = await project({ 'a.sh': held }, { 'a.yml': cassetteYaml('old a') });
    const first = startRerecord(p, ['run', ...customFlags(p.token)]);
    await waitForFile(path.join(p.dir, 'started'));
    const second = await rerecord(p, ['run', ...customFlags(p.token)]);
    // Reading beside it is fine, and says a run is on.
    const plan = await rerecord(p, ['plan', ...customFlags(p.token)]);
    await writeFile(path.join(p.dir, 'release'), '');
    expect(second.code).toBe(2);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/rerecord run \(pid \d+ on .*\) is re-recording in .* now: plan reads the cassettes as they are at this moment/);
    expect(second.stderr).toMatch(/another rerecord is running in .*: rerecord run \(pid \d+ on .*, started /);
    const done = await first.finished;
    expect(done.code, done.stderr).toBe(0);
    expect(await readFile(path.join(p.dir, 'fixtures/a.yml'), 'utf8')).toContain('fresh');
  });

  it('two files that write the same cassette under a name only run time knows are serialised, and both pass', async () => {
    // A custom command may journal what it opens itself, as the record hooks do (src/frameworks/JOURNAL.md).
    const journaling = `journal() { f="$FIX/$1.yml"; b="$RERECORD_BACKUP_DIR/$$-$1.yml"; if [ -e "$f" ]; then cp "$f" "$b"; printf '{"cassette":"%s","existed":true,"backup":"%s"}\\n' "$f" "$b" >> "$RERECORD_JOURNAL"; rm "$f"; else printf '{"cassette":"%s","existed":false,"backup":null}\\n' "$f" >> "$RERECORD_JOURNAL"; fi; }`;
    const shared = `${journaling}\nNAME=sha; NAME="$NAME"red\njournal "$NAME"\ntouch "$FIX/../overlap-$$"\nsleep 1\n[ "$(ls "$FIX/.." | grep -c overlap-)" -gt 1 ] && { rm -f "$FIX/../overlap-$$"; echo "ran at the same time as another writer"; exit 1; }\n${writes('shared')}\nrm -f "$FIX/../overlap-$$"`;
    const p = await project({ 'one.sh': shared, 'two.sh': shared }, { 'shared.yml': cassetteYaml('old shared') });
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--json'])]);
    const document = JSON.parse(result.stdout);
    expect(document.files.map((f: { status: string }) => f.status).sort(), result.stderr).toEqual(['succeeded', 'succeeded']);
    expect(await readFile(path.join(p.dir, 'fixtures/shared.yml'), 'utf8')).toContain('fresh');
  });
});

describe('confinement', () => {
  it('a cassette named ../../outside/victim is refused: the file outside is never read, moved or deleted', async () => {
    const p = await project({ 'esc.sh': `# use_cassette("../../outside/victim")\n# use_cassette("in")\n${writes('in')}` }, { 'in.yml': cassetteYaml('old in') });
    const outside = await treeHashes(p.outside);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.stderr).toMatch(/outside\/victim.*resolves outside the working directory; refused/);
    expect(await treeHashes(p.outside)).toEqual(outside);
    expect(await readFile(path.join(p.dir, 'fixtures/in.yml'), 'utf8')).toContain('fresh');
  });

  it('a committed manifest naming ., .git/HEAD and the test file itself deletes none of them', async () => {
    const p = await project({ 'a.sh': `# use_cassette("a")\nexit 1` }, { 'a.yml': cassetteYaml('old a') });
    await mkdir(path.join(p.dir, '.rerecord'), { recursive: true });
    await writeFile(path.join(p.dir, '.rerecord/manifest.json'), JSON.stringify({ version: 1, files: { 'tests/a.sh': { cassettes: ['.', '.git/HEAD', 'tests/a.sh', '../outside/victim.yml'] } } }));
    const before = await treeHashes(p.dir, []);
    const outside = await treeHashes(p.outside);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/"\.git\/HEAD" is inside git's own folder/);
    expect(result.stderr).toMatch(/"tests\/a\.sh" is a test file; refused/);
    const after = await treeHashes(p.dir, []);
    for (const file of Object.keys(before).filter((name) => name.startsWith('.git/') || name.startsWith('tests/') || name.startsWith('fixtures/'))) {
      if (file === '.git/index') continue;
      expect(after[file], file).toBe(before[file]);
    }
    expect(execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: p.dir, encoding: 'utf8' }).trim()).toBe('true');
    expect(await treeHashes(p.outside)).toEqual(outside);
  });

  it('a symlinked cassette whose file fails comes back as the same symlink', async () => {
    const p = await project({ 'l.sh': `# use_cassette("l")\n${writes('l')}\nexit 1` }, { 'target.yml': cassetteYaml('target') });
    await symlink('target.yml', path.join(p.dir, 'fixtures/l.yml'));
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code).toBe(1);
    expect(await treeHashes(p.dir)).toEqual(before);
    expect(before['fixtures/l.yml']).toBe('symlink:target.yml');
  });

  it.each([
    ['a failure log that is a cassette', ['--failure-log', 'fixtures/a.yml'], /failure-log: fixtures\/a\.yml is a cassette/],
    ['a failure log outside the project', ['--failure-log', '../outside/log.txt'], /--failure-log: expected a path inside the working directory/],
    ['a cassette folder outside the project', ['--cassette-dir', '../outside'], /--cassette-dir: expected a path inside the working directory/],
    ['a key variable the runtime depends on', ['--api-key-env', 'PATH'], /--api-key-env: .*PATH, which the test runtime or rerecord's record hooks depend on/],
    ['a key variable the hooks depend on', ['--api-key-env', 'NODE_OPTIONS'], /--api-key-env: .*NODE_OPTIONS/],
    ['a shard that would publish off a runner', ['--shard', '1/2', '--publish', 'pull-request'], /shard 1\/2 with publish pull-request: .*only|shard 1\/2 with publish pull-request: a shard hands its results/],
    ['a pull request with no token and no repository to open it in', ['--publish', 'pull-request'], /publish: pull-request needs a token .*\n- publish: pull-request needs GITHUB_REPOSITORY as owner\/name/],
    ['an artifact off a runner', ['--publish', 'artifact'], /publish: Cannot publish the cassettes as an artifact: artifacts need a GitHub Actions runner, and ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set/],
  ])('%s is exit 2 and touches nothing', async (_name, flags, message) => {
    const p = await project({ 'a.sh': `# use_cassette("a")\n${writes('a')}` }, { 'a.yml': cassetteYaml('old a') });
    const before = await treeHashes(p.dir, ['.git']);
    const outside = await treeHashes(p.outside);
    const result = await rerecord(p, ['run', ...customFlags(p.token, flags)], cleanEnv({ PATH: process.env.PATH }));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await treeHashes(p.dir, ['.git'])).toEqual(before);
    expect(await treeHashes(p.outside)).toEqual(outside);
  });
});

describe('nothing unverified is kept', () => {
  it('a failing test that rewrites a cassette the mapping missed gets it back from the run baseline', async () => {
    const p = await project({ 'm.sh': `# use_cassette("named")\n${writes('named')}\n${writes('hidden', 'a 500 from the API')}\nexit 1` }, { 'named.yml': cassetteYaml('old'), 'hidden.yml': cassetteYaml('old hidden') });
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--workers', '1'])]);
    expect(result.code).toBe(1);
    expect(await treeHashes(p.dir)).toEqual(before);
  });

  it('a cassette nobody names, changed while two files ran and one failed, goes back as the run found it', async () => {
    const p = await project(
      {
        'writer.sh': `# use_cassette("w")\n${writes('w')}\n${writes('hidden', 'written by one of two')}\ntouch "$FIX/../w-done"\nwhile [ ! -e "$FIX/../f-done" ]; do sleep 0.1; done`,
        'failer.sh': `# use_cassette("f")\nwhile [ ! -e "$FIX/../w-done" ]; do sleep 0.1; done\ntouch "$FIX/../f-done"\nexit 1`,
      },
      { 'w.yml': cassetteYaml('old w'), 'f.yml': cassetteYaml('old f'), 'hidden.yml': cassetteYaml('old hidden') },
    );
    const result = await rerecord(p, ['run', ...customFlags(p.token)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fixtures\/hidden\.yml changed while .* ran, and no journal or mapping names it; tests\/failer\.sh failed, so it was put back/);
    expect(await readFile(path.join(p.dir, 'fixtures/hidden.yml'), 'utf8')).toBe(cassetteYaml('old hidden'));
    expect(await readFile(path.join(p.dir, 'fixtures/w.yml'), 'utf8')).toContain('fresh');
  });

  it('a passing test that writes a new cassette nobody names, holding the key, fails the leak check and the file is removed', async () => {
    const key = 'sekrit-key-5f1e2d3c4b';
    const p = await project({ 'n.sh': `# use_cassette("named")\n${writes('named')}\n${writes('surprise', key)}` }, { 'named.yml': cassetteYaml('old') });
    const before = await treeHashes(p.dir);
    const result = await rerecord(p, ['run', ...customFlags(p.token, ['--workers', '1', '--api-key-env', 'MYAPI_KEY'])], cleanEnv({ MYAPI_KEY: key }));
    expect(result.code).toBe(1);
    expect(await reasonOf(p.dir, 'tests/n.sh')).toMatch(/leaked secret/);
    expect(await treeHashes(p.dir)).toEqual(before);
    expect(existsSync(path.join(p.dir, 'fixtures/surprise.yml'))).toBe(false);
  });
});
