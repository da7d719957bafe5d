// The pull request's title and body: `pr-title` and `pr-body` templates filled from the run, and
// rerecord's own body when `pr-body` is empty.
import { describe, expect, it } from 'vitest';
import type { CassetteDiff } from '../../../src/cassettes/diff.js';
import { readRunnerContext } from '../../../src/config/runner-context.js';
import { pullRequestBody, pullRequestTexts, type PublishSource } from '../../../src/publish/publish.js';

const changed = (cassette: string): CassetteDiff => ({
  cassette,
  status: 'changed',
  changes: [{ request: 'GET /items', kind: 'changed', index: 0, status: { from: 200, to: 200 }, body: { added: [{ path: '$.items[0].price', count: 1, to: '9' }], removed: [], changed: [], counts: { added: 1, removed: 0, changed: 0 } } }],
});

const results: PublishSource[] = [
  { file: 'test/items.test.js', status: 'succeeded', drift: [changed('fixtures/items.json')], cassettes: [{ cassette: 'fixtures/items.json', outcome: 're-recorded' }] },
  { file: 'test/new.test.js', status: 'succeeded', drift: [{ cassette: 'fixtures/new.json', status: 'added', changes: [] }], cassettes: [{ cassette: 'fixtures/new.json', outcome: 'recorded' }] },
  { file: 'test/boom.test.js', status: 'failed', reason: 'HTTP 500 Internal Server Error.', drift: [], cassettes: [] },
];
const failed = ['test/boom.test.js'];
const onRunner = readRunnerContext({ GITHUB_REPOSITORY: 'acme/widgets', GITHUB_RUN_ID: '77', GITHUB_SERVER_URL: 'https://github.com' }, '/');
const offRunner = readRunnerContext({}, '/');
const RUN = 'https://github.com/acme/widgets/actions/runs/77';

describe('pull request texts', () => {
  it('is rerecord\'s own body when pr-body is empty, the title as given', () => {
    const texts = pullRequestTexts({ prTitle: 'Refresh HTTP cassettes', prBody: undefined, runner: onRunner }, results, failed);
    expect(texts.title).toBe('Refresh HTTP cassettes');
    expect(texts.body).toBe(pullRequestBody(results, failed, RUN));
    expect(texts.body).toMatch(/^Re-recorded by rerecord: 1 cassette changed, 1 added, 0 differed only by noise \(old bytes kept\)\. \[Workflow run\]\(https:\/\/github\.com\/acme\/widgets\/actions\/runs\/77\)\.\n\n### Drift\n/);
    expect(texts.body).toContain('$.items[0].price');
    expect(texts.body).toContain('### Not re-recorded (1; their old cassettes are kept)');
    expect(texts.body).toContain('- `test/boom.test.js`: HTTP 500 Internal Server Error.');
  });

  it('fills every placeholder of pr-title and pr-body, each once', () => {
    const texts = pullRequestTexts(
      {
        prTitle: 'Cassettes: {changed-count} changed, {failed-count} failed ({headline})',
        prBody: 'Run: {run-url}\n\n{drift}\n\n{failed}\n\nLiteral {"a": 1}',
        runner: onRunner,
      },
      results,
      failed,
    );
    expect(texts.title).toBe('Cassettes: 2 changed, 1 failed (1 cassette changed, 1 added, 0 differed only by noise (old bytes kept))');
    expect(texts.body.startsWith(`Run: ${RUN}\n\n### Drift\n`)).toBe(true);
    expect(texts.body).toContain('`fixtures/items.json` changed (test/items.test.js)');
    expect(texts.body).toContain('### Not re-recorded (1; their old cassettes are kept)\n\nEach file\'s output is in the [failure report](' + RUN + '#artifacts)');
    expect(texts.body.endsWith('Literal {"a": 1}')).toBe(true);
    expect(texts.body).not.toMatch(/\{(drift|failed|run-url)\}/);
  });

  it('leaves {failed} and {run-url} empty when nothing failed and off a runner; a title filled to nothing is the default', () => {
    const texts = pullRequestTexts({ prTitle: ' {run-url} ', prBody: '[{run-url}]({failed})', runner: offRunner }, results.slice(0, 2), []);
    expect(texts.body).toBe('[]()');
    expect(texts.title).toBe('Refresh HTTP cassettes');
  });

  it('does not fill placeholders a value brings along', () => {
    const tricky: PublishSource[] = [{ file: 'test/x.test.js', status: 'failed', reason: 'expected {drift} in the body', drift: [], cassettes: [] }];
    const texts = pullRequestTexts({ prTitle: 't', prBody: '{failed}', runner: offRunner }, tricky, ['test/x.test.js']);
    expect(texts.body).toContain('- `test/x.test.js`: expected {drift} in the body');
    expect(texts.body).not.toContain('### Drift');
  });
});
