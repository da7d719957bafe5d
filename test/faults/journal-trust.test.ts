// A test can write to its own record-hook journal ($RERECORD_JOURNAL): the lines it forges are held
// to what recovery holds them to. A forged line naming a test file as a new cassette would have
// the file deleted on restore; one whose backup is .git/config or a file outside the project would
// have that file copied into a cassette. Real pytest + vcrpy, the hook's own journal, the built CLI.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASSETTES, expectOutsideUntouched, fileResult, projectHashes, recording, usePytestProjects } from '../support/pytest-fault-project.js';

const KEY = 'journal-3e9a-secret';
const projects = usePytestProjects(KEY);

describe('forged journal lines', () => {
  it.each(['warm', 'fresh'])('are refused (%s processes): no test file deleted, nothing copied in from .git/ or outside, the cassettes back byte for byte', async (processes) => {
    const forges = (lines: string) => `    import json, os
    with open(os.environ["RERECORD_JOURNAL"], "a") as journal:
        for line in json.loads(${JSON.stringify(lines)}):
            journal.write(json.dumps(line) + "\\n")
    assert False, "fails after forging its journal"
`;
    const project = await projects.create({ 'test_a_forges.py': recording('a_forges'), 'test_b_victim.py': recording('b_victim') });
    const at = (relative: string) => path.join(project.dir, relative);
    const lines = JSON.stringify([
      { cassette: at('tests/test_b_victim.py'), existed: false, backup: null },
      { cassette: at('pytest.ini'), existed: false, backup: null },
      { cassette: at(`${CASSETTES}/b_victim.yaml`), existed: true, backup: at('.git/config') },
      { cassette: at(`${CASSETTES}/c_never_recorded.yaml`), existed: true, backup: path.join(project.outside, 'victim.yaml') },
    ]);
    await writeFile(at('tests/test_a_forges.py'), recording('a_forges', forges(lines)));
    const before = await projectHashes(project.dir);

    const { code, json } = await projects.run(project, ['--warm', processes === 'warm' ? 'on' : 'off', '--workers', '1']);

    expect(code).toBe(1);
    const forged = fileResult(json, 'test_a_forges.py');
    expect(forged.status).toBe('failed');
    expect(forged.reason).toMatch(/AssertionError: fails after for/);
    const after = await projectHashes(project.dir);
    // b_victim.yaml was re-recorded by its own (passing) file; everything else is as it was.
    expect({ ...after, [`${CASSETTES}/b_victim.yaml`]: 'rerecorded' }).toEqual({ ...before, [`${CASSETTES}/b_victim.yaml`]: 'rerecorded' });
    expect(await readFile(at(`${CASSETTES}/b_victim.yaml`), 'utf8')).toContain('"generation":"g2"');
    expect(fileResult(json, 'test_b_victim.py').status).toBe('succeeded');
    await expectOutsideUntouched(project);
  });
});

describe('a cassette named after the key', () => {
  it('fails its file: the file is removed, and neither the report nor the logs spell the key', async () => {
    const namedAfterKey = `from standin import api_vcr, get_json
import os


def test_records():
    with api_vcr.use_cassette("acct-" + os.environ["STANDIN_API_KEY"] + ".yaml"):
        status, body = get_json("/items")
    assert status == 200
`;
    const project = await projects.create({ 'test_a_named.py': namedAfterKey });
    const before = await projectHashes(project.dir);

    const result = await projects.run(project, ['--workers', '1']);

    expect(result.code).toBe(1);
    expect(fileResult(result.json, 'test_a_named.py').reason).toMatch(/^the new recording tests\/vcr_cassettes\/acct-<<<API_KEY>>>\.yaml has api-key \(raw\) in its path: a secret is never written as a file name; it was removed$/);
    expect(await projectHashes(project.dir)).toEqual(before);
    const logs = `${JSON.stringify(result.json)}${result.stderr}${await readFile(path.join(project.dir, '.rerecord/failures.json'), 'utf8')}`;
    expect(logs).not.toContain(KEY);
    await expectOutsideUntouched(project);
  });
});

describe('a key the API echoed into a gzip-compressed answer', () => {
  it('is found inside the compressed body vcrpy keeps as !!binary: the file fails, nothing is kept; audit finds it in a committed cassette too', async () => {
    const echoes = `from standin import api_vcr, BASE_URL
import gzip, json, os, urllib.request


def test_echo():
    with api_vcr.use_cassette("a_echo.yaml"):
        request = urllib.request.Request(BASE_URL + "/echo", headers={"X-Api-Key": os.environ["STANDIN_API_KEY"], "Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            body = json.loads(gzip.decompress(response.read()))
    assert body["generation"] == "g2"
`;
    const project = await projects.create({ 'test_a_echo.py': echoes });
    const before = await projectHashes(project.dir);

    const result = await projects.run(project, ['--workers', '1', '--on-leak', 'redact']);

    const cassette = await readFile(path.join(project.dir, CASSETTES, 'a_echo.yaml'), 'utf8').catch(() => '(none)');
    expect(result.code, `${JSON.stringify(result.json.files)}\n${result.stderr}\n${cassette}`).toBe(1);
    expect(fileResult(result.json, 'test_a_echo.py').reason).toMatch(/^leaked secret: tests\/vcr_cassettes\/a_echo\.yaml:\d+: api-key inside a body stored as gzip in base64 \(a compressed or encoded body cannot be redacted in place\)/);
    expect(await projectHashes(project.dir)).toEqual(before);

    // The same recording, committed by someone else: audit sees into it.
    const { gzipSync } = await import('node:zlib');
    const binary = gzipSync(JSON.stringify({ headers: { 'x-api-key': KEY } })).toString('base64').match(/.{1,60}/g)!.join('\n        ');
    await writeFile(path.join(project.dir, CASSETTES, 'a_echo.yaml'), `interactions:\n- request:\n    body: null\n    headers: {}\n    method: GET\n    uri: http://api.test/echo\n  response:\n    body:\n      string: !!binary |\n        ${binary}\n    headers:\n      Content-Encoding:\n      - gzip\n    status:\n      code: 200\n      message: OK\nversion: 1\n`);
    const audit = await projects.cli(project, ['audit', '--framework', 'pytest', '--api-key-env', 'STANDIN_API_KEY', '--json']);
    expect(audit.code).toBe(1);
    expect(audit.stdout).toMatch(/holds api-key inside a body stored as gzip in base64/);
    expect(audit.stdout).not.toContain(KEY);
  });
});
