// Tier test/process: needs a free loopback port (the real @actions/artifact client against a stand-in backend).
// The real @actions/artifact client against the loopback stand-in of GitHub's artifact backend.
// The client reads its environment at call time, except GITHUB_API_URL (for `findBy`), which
// @actions/github reads once when first loaded: it is set before any test here loads the client.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { artifactNameForShard, artifactStore, type ArtifactStore } from '../../../src/github/artifacts.js';
import { readRunnerContext } from '../../../src/config/runner-context.js';
import { startStandinResults } from '../../support/standin-results.mjs';

type Standin = Awaited<ReturnType<typeof startStandinResults>>;

// The runner context is read when each call is made, as an entry point reads it at start: each test sets the variables first.
const store = () => artifactStore(readRunnerContext(process.env, process.cwd()));
const uploadFiles = (...args: Parameters<ArtifactStore['upload']>) => store().upload(...args);
const downloadArtifactsByPrefix = (...args: Parameters<ArtifactStore['downloadByPrefix']>) => store().downloadByPrefix(...args);
const downloadFromRun = (...args: Parameters<ArtifactStore['downloadFromRun']>) => store().downloadFromRun(...args);

const RUNNER_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_API_URL', 'GITHUB_SERVER_URL', 'GITHUB_RETENTION_DAYS', 'GITHUB_WORKSPACE'];
const FILES: Record<string, Buffer> = {
  'cassettes/users.json': Buffer.from('{"interactions":[{"request":{"url":"https://api.example.test/users"}}]}\n'),
  'cassettes/nested/items.yml': Buffer.from('http_interactions:\n- request:\n    uri: https://api.example.test/items\n'),
  'cassettes/nested/deeper/blob.bin': Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256)),
};

let standin: Standin;
let scratch: string;
let saved: Record<string, string | undefined>;
const outer: Record<string, string | undefined> = {};

beforeAll(async () => {
  standin = await startStandinResults({ runId: 5000 });
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rerecord-artifacts-'));
  for (const name of RUNNER_VARIABLES) outer[name] = process.env[name];
  process.env.GITHUB_API_URL = standin.url;
  process.env.GITHUB_SERVER_URL = 'https://github.com';
});

afterAll(async () => {
  restore(outer);
  await standin?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  saved = Object.fromEntries(RUNNER_VARIABLES.map((name) => [name, process.env[name]]));
  delete process.env.ACTIONS_RUNTIME_TOKEN;
  delete process.env.ACTIONS_RESULTS_URL;
  delete process.env.GITHUB_RETENTION_DAYS;
});

afterEach(() => restore(saved));

function restore(values: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** The environment an action step of job `jobBackendId` (default: the standin's job) would have. */
function asJob(jobBackendId?: string): void {
  const env = standin.env(jobBackendId ? { jobBackendId } : {});
  process.env.ACTIONS_RUNTIME_TOKEN = env.ACTIONS_RUNTIME_TOKEN;
  process.env.ACTIONS_RESULTS_URL = env.ACTIONS_RESULTS_URL;
}

async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<string[]> {
  const written: string[] = [];
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
    written.push(file);
  }
  return written;
}

async function readTree(root: string, prefix = ''): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const entry of await readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, await readTree(root, relative));
    else out[relative] = await readFile(path.join(root, relative));
  }
  return out;
}

const fresh = (label: string) => mkdtemp(path.join(scratch, `${label}-`));
describe('uploadFiles', () => {
  it('uploads nested files under their paths relative to the root, byte for byte', async () => {
    asJob();
    const root = await fresh('upload');
    const files = await writeTree(root, FILES);
    const result = await uploadFiles('cassettes-roundtrip', files, root, { retentionDays: 3 });

    const stored = standin.artifacts.find((artifact) => artifact.name === 'cassettes-roundtrip');
    expect(stored).toBeDefined();
    expect(result).toEqual({ id: stored!.id, size: stored!.zip.length });
    expect(stored!.contentType).toBe('application/zip');
    expect(stored!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stored!.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 2 * 86400_000);
    const inZip = stored!.files;
    expect(Object.keys(inZip).sort()).toEqual(Object.keys(FILES).sort());
    for (const [relative, bytes] of Object.entries(FILES)) expect(inZip[relative]!.equals(bytes)).toBe(true);
    // What the client actually sent: twirp create, Azure Put Block(s) + Put Block List, twirp finalize.
    const sent = standin.requests.join('\n');
    expect(sent).toMatch(/POST \/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/CreateArtifact/);
    expect(sent).toMatch(/PUT \/devstoreaccount1\/actions-results\/[0-9a-f]+\.zip comp=block\n/);
    expect(sent).toMatch(/PUT \/devstoreaccount1\/actions-results\/[0-9a-f]+\.zip comp=blocklist/);
    expect(sent).toMatch(/FinalizeArtifact/);
  });

  it('hands the compression level to the client: 0 stores the entries, 9 deflates them; out of range is refused', async () => {
    asJob();
    const root = await fresh('levels');
    const files = await writeTree(root, { 'cassettes/big.json': JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: i, name: 'same text' }))) });
    await uploadFiles('level-0', files, root, { compressionLevel: 0 });
    await uploadFiles('level-9', files, root, { compressionLevel: 9 });
    const stored = (name: string) => standin.artifacts.find((artifact) => artifact.name === name)!;
    expect(stored('level-0').methods).toEqual({ 'cassettes/big.json': 0 });
    expect(stored('level-9').methods).toEqual({ 'cassettes/big.json': 8 });
    expect(stored('level-9').size).toBeLessThan(stored('level-0').size);
    await expect(uploadFiles('level-10', files, root, { compressionLevel: 10 })).rejects.toThrow(/compression must be a whole number from 0 to 9, not 10/);
    expect(standin.artifacts.some((artifact) => artifact.name === 'level-10')).toBe(false);
  });

  it('downloads it back into a fresh folder, byte-identical', async () => {
    asJob();
    const destination = await fresh('download');
    const downloaded = await downloadArtifactsByPrefix('cassettes-roundtrip', destination);
    expect(downloaded).toEqual([{ name: 'cassettes-roundtrip', directory: path.join(destination, 'cassettes-roundtrip') }]);
    expect(await readTree(downloaded[0]!.directory)).toEqual(FILES);
  });

  it('refuses files outside the root, paths the service rejects, and a name used twice', async () => {
    asJob();
    const root = await fresh('bad');
    const [inside] = await writeTree(root, { 'a.json': '{}' });
    const outside = path.join(scratch, 'outside.json');
    await writeFile(outside, '{}');
    await expect(uploadFiles('bad-root', [inside!, outside], root, {})).rejects.toThrow(/outside\.json is not inside/);
    const [colon] = await writeTree(root, { 'GET:users.json': '{}' });
    await expect(uploadFiles('bad-path', [colon!], root, {})).rejects.toThrow(/GET:users\.json contains a colon/);
    await expect(uploadFiles('bad-empty', [], root, {})).rejects.toThrow(/no files given/);
    await uploadFiles('twice', [inside!], root, {});
    await expect(uploadFiles('twice', [inside!], root, {})).rejects.toThrow(/409.*already exists/);
  });
});

describe('downloadArtifactsByPrefix', () => {
  it('fetches every shard of the run into its own folder, and only those', async () => {
    const shards = [1, 2].map((index) => artifactNameForShard('rerecord-failures', { index, count: 2 }));
    for (const [i, name] of shards.entries()) {
      asJob(`shard-job-${i + 1}`); // each matrix shard is its own job of the same run
      const root = await fresh(`shard${i + 1}`);
      const files = await writeTree(root, { [`spec/cassettes/shard${i + 1}.yml`]: `shard ${i + 1}\n` });
      await uploadFiles(name, files, root, {});
    }
    asJob('publish-job');
    const destination = await fresh('publish');
    const downloaded = await downloadArtifactsByPrefix('rerecord-failures', destination);
    expect(downloaded.map((d) => d.name)).toEqual(['rerecord-failures-1-of-2', 'rerecord-failures-2-of-2']);
    for (const [i, { directory }] of downloaded.entries()) {
      expect(directory).toBe(path.join(destination, shards[i]!));
      expect(await readTree(directory)).toEqual({ [`spec/cassettes/shard${i + 1}.yml`]: Buffer.from(`shard ${i + 1}\n`) });
    }
    expect(await downloadArtifactsByPrefix('no-such-prefix', destination)).toEqual([]);
  });

  it('will not extract into a folder holding other files', async () => {
    asJob();
    const destination = await fresh('busy');
    await writeTree(destination, { 'cassettes-roundtrip/stale.yml': 'old' });
    await expect(downloadArtifactsByPrefix('cassettes-roundtrip', destination)).rejects.toThrow(/not empty/);
  });
});

describe('downloadFromRun', () => {
  const findBy = (workflowRunId: number, token = standin.githubToken) => {
    const [repositoryOwner, repositoryName] = standin.repository.split('/') as [string, string];
    return { token, workflowRunId, repositoryOwner, repositoryName };
  };

  it('downloads an artifact of another run through the REST API', async () => {
    standin.seedRun(4100, [
      { name: 'rerecord-failures', files: { 'failures.json': '["spec/users_spec.rb"]\n', 'cassettes/a.yml': 'a: 1\n' } },
      { name: 'other', files: { 'x.txt': 'x' } },
    ]);
    const destination = path.join(await fresh('other-run'), 'previous');
    // No ACTIONS_* variables: only a token and the API are needed.
    expect(await downloadFromRun('rerecord-failures', destination, findBy(4100))).toBe(destination);
    expect(await readTree(destination)).toEqual({ 'failures.json': Buffer.from('["spec/users_spec.rb"]\n'), 'cassettes/a.yml': Buffer.from('a: 1\n') });
  });

  it('reads back what the real client uploaded, addressed by run id', async () => {
    const destination = await fresh('by-run-id');
    expect(await downloadFromRun('cassettes-roundtrip', destination, findBy(standin.runId))).toBe(destination);
    expect(await readTree(destination)).toEqual(FILES);
  });

  it('answers undefined when the run has no such artifact, or it has expired', async () => {
    standin.seedRun(4200, [{ name: 'rerecord-failures', files: { 'f.json': '[]' }, expired: true }]);
    expect(await downloadFromRun('rerecord-failures', await fresh('missing'), findBy(4200))).toBeUndefined();
    expect(await downloadFromRun('not-there', await fresh('missing'), findBy(4100))).toBeUndefined();
  });

  it('says so when the token is refused', async () => {
    await expect(downloadFromRun('rerecord-failures', await fresh('denied'), findBy(4100, 'wrong-token'))).rejects.toThrow(
      /Could not list the artifacts of run 4100 .*Bad credentials/,
    );
  });
});

describe('outside a runner', () => {
  it('explains that artifacts need a GitHub Actions runner', async () => {
    const root = await fresh('no-env');
    const files = await writeTree(root, { 'a.json': '{}' });
    await expect(uploadFiles('no-env', files, root, {})).rejects.toThrow(/artifacts need a GitHub Actions runner.*ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL are not set/);
    process.env.ACTIONS_RUNTIME_TOKEN = standin.runtimeToken;
    await expect(downloadArtifactsByPrefix('x', root)).rejects.toThrow(/GitHub Actions runner, and ACTIONS_RESULTS_URL is not set/);
    expect(standin.artifacts.some((artifact) => artifact.name === 'no-env')).toBe(false);
  });

  it('explains that GitHub Enterprise Server has no artifact backend for this client', async () => {
    asJob();
    process.env.GITHUB_SERVER_URL = 'https://github.example.com';
    const root = await fresh('ghes');
    const files = await writeTree(root, { 'a.json': '{}' });
    await expect(uploadFiles('ghes', files, root, {})).rejects.toThrow(/GITHUB_SERVER_URL is https:\/\/github\.example\.com.*Enterprise Server/);
  });
});
