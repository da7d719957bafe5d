// The publish job of a matrix sees every shard or publishes nothing: a shard whose artifact is
// missing is named; the job summary holds the merged failure table.
import { describe, expect, it } from 'vitest';
import { cleanEnv, runAction } from '../support/run-bundle.js';
import { startStandinResults } from '../support/standin-results.mjs';
import { useOrigins, useStandinApi, useTempProjects } from '../support/suite.js';
import { git } from '../support/git-repos.js';

const KEY = 'matrix-9a8b7c6d-secret';
const standin = useStandinApi(KEY, 'g2');
const projects = useTempProjects();
const COMMON = { 'api-key': KEY, 'api-key-env': 'STANDIN_API_KEY', 'cassette-functions': 'withFixture', retries: '0', mode: 'priority', 'priority-patterns': 'items,users,shared,dynamic,boom' };

const originOf = useOrigins();

describe('a three-shard matrix', () => {
  it("with shard 2's artifact missing, the publish step fails naming shard 2/3 and publishes nothing", async () => {
    const { origin, checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const jobEnv = (job: string) => cleanEnv({ ...results.env({ jobBackendId: job }), STANDIN_API_URL: standin.api.url });
      for (const index of [1, 3]) await runAction({ ...COMMON, shard: `${index}/3` }, { cwd: await checkout(), env: jobEnv(`shard-${index}`) });
      const mainBefore = git(origin, 'rev-parse', 'main');
      for (const shard of [{ shard: '1/3' }, {}] as Array<Record<string, string>>) {
        const published = await runAction({ ...COMMON, step: 'publish', publish: 'commit', ...shard }, { cwd: await checkout(), env: jobEnv('publish') });
        expect(published.code, published.stdout).not.toBe(0);
        expect(published.stdout).toContain('missing shard 2/3 (no rerecord-shard-2-of-3 artifact)');
        expect(published.stdout).not.toMatch(/missing shards? [^\n]*1\/3/);
      }
      expect(git(origin, 'rev-parse', 'main')).toBe(mainBefore);
    } finally {
      await results.close();
    }
  });

  it("the publish step's summary holds the merged failure table", async () => {
    const { checkout } = await originOf(await projects.copy('test/projects/node-nock'));
    const results = await startStandinResults({ repository: 'acme/widgets' });
    try {
      const jobEnv = (job: string) => cleanEnv({ ...results.env({ jobBackendId: job }), STANDIN_API_URL: standin.api.url });
      for (const index of [1, 2, 3]) await runAction({ ...COMMON, shard: `${index}/3` }, { cwd: await checkout(), env: jobEnv(`shard-${index}`) });
      const published = await runAction({ ...COMMON, step: 'publish', publish: 'none' }, { cwd: await checkout(), env: jobEnv('publish') });
      expect(published.code, published.stdout).toBe(0);
      expect(published.summary).toMatch(/\| `test\/boom\.test\.js` \| ❌ failed \| tests failed \(exit code 1\): [^|]+\|/);
      expect(published.summary).toContain('Full failure report (output, reason and attempts of every file)');
    } finally {
      await results.close();
    }
  });
});
