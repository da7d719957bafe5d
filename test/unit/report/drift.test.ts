import { describe, expect, it } from 'vitest';
import type { CassetteDiff } from '../../../src/cassettes/diff.js';
import { driftCounts, driftEntries, driftMarkdown, driftText } from '../../../src/report/drift.js';
import type { FileResult } from '../../../src/results/run-outcome.js';

const changed = (cassette: string, paths: number): CassetteDiff => ({
  cassette,
  status: 'changed',
  changes: [
    {
      request: 'GET /items',
      kind: 'changed',
      index: 0,
      status: { from: 200, to: 200 },
      body: {
        added: Array.from({ length: Math.min(paths, 20) }, (_, i) => ({ path: `$.items[${i}].price`, count: 1, to: `${i}` })),
        removed: [],
        changed: [],
        counts: { added: paths, removed: 0, changed: 0 },
      },
    },
  ],
});

function file(name: string, drift: CassetteDiff[], unchanged = 0): FileResult {
  return {
    file: name,
    status: 'succeeded',
    attempts: 1,
    durationMs: 10,
    exitCode: 0,
    reason: '',
    output: '',
    journaled: undefined,
    warnings: [],
    drift,
    cassettes: Array.from({ length: unchanged }, (_, i) => ({ cassette: `${name}-n${i}.yml`, outcome: 'unchanged' as const })),
  };
}

describe('drift report', () => {
  const results = [file('t/a.R', [changed('f/items.yml', 3)], 2), file('t/b.R', [{ cassette: 'f/new.yml', status: 'added', changes: [] }], 1)];

  it('counts changed, added and noise-only cassettes', () => {
    expect(driftCounts(results)).toEqual({ changed: 1, added: 1, noiseOnly: 3 });
  });

  it('names the JSON paths in Markdown and text', () => {
    expect(driftMarkdown(results)).toContain('1 cassette changed, 1 added, 3 differed only by noise (old bytes kept)');
    expect(driftMarkdown(results)).toContain('`f/items.yml` changed (t/a.R)');
    expect(driftMarkdown(results)).toContain('$.items[0].price');
    expect(driftText(results)).toMatch(/changed f\/items\.yml\n\s+GET \/items: body \+\$\.items\[0\]\.price 0/);
  });

  it('counts and lists a cassette shared by two test files once, naming both files', () => {
    const shared = [file('t/a.R', [changed('f/shared.yml', 1)], 0), file('t/b.R', [changed('f/shared.yml', 1)], 0)];
    expect(driftCounts(shared)).toEqual({ changed: 1, added: 0, noiseOnly: 0 });
    const markdown = driftMarkdown(shared);
    expect(markdown.match(/f\/shared\.yml/g)).toHaveLength(1);
    expect(markdown).toContain('`f/shared.yml` changed (t/a.R, t/b.R)');
    expect(driftText(shared).match(/f\/shared\.yml/g)).toHaveLength(1);
    expect(driftEntries(shared)).toEqual([expect.objectContaining({ files: ['t/a.R', 't/b.R'] })]);
  });

  it('counts a noise-only cassette shared by two files once, and not at all when another run of it drifted', () => {
    const twice = [file('t/a.R', [], 0), file('t/b.R', [], 0)];
    twice[0]!.cassettes.push({ cassette: 'f/s.yml', outcome: 'unchanged' });
    twice[1]!.cassettes.push({ cassette: 'f/s.yml', outcome: 'unchanged' });
    expect(driftCounts(twice).noiseOnly).toBe(1);
    twice[1]!.drift.push(changed('f/s.yml', 1));
    expect(driftCounts(twice)).toEqual({ changed: 1, added: 0, noiseOnly: 0 });
  });

  it('shows status changes, content types and old -> new values, escaped for Markdown', () => {
    const diff: CassetteDiff = {
      cassette: 'f/x.yml',
      status: 'changed',
      changes: [
        {
          request: 'GET /search?q=a',
          kind: 'changed',
          index: 0,
          status: { from: 404, to: 200 },
          requestChange: { from: 'GET https://h/search?q=a', to: 'GET https://h/search?q=b', parts: ['query'] },
          contentType: { from: 'text/html', to: 'application/json' },
        },
        {
          request: 'GET /items',
          kind: 'changed',
          index: 1,
          status: { from: 200, to: 200 },
          body: { added: [], removed: [], changed: [{ path: '$.name', count: 1, from: '"<b>|x"', to: '"y"' }], counts: { added: 0, removed: 0, changed: 1 } },
        },
      ],
    };
    const markdown = driftMarkdown([file('t/x.R', [diff])]);
    expect(markdown).toContain('GET https://h/search?q=a -&gt; GET https://h/search?q=b (query changed): status 404 -&gt; 200; content type text/html -&gt; application/json');
    expect(markdown).toContain('~$.name "&lt;b&gt;\\|x" -&gt; "y"');
  });

  it('stays within its size budget, saying how much it left out', () => {
    const many = Array.from({ length: 400 }, (_, i) => file(`t/${i}.R`, [changed(`f/c${i}.yml`, 50)]));
    const markdown = driftMarkdown(many, 20_000);
    expect(Buffer.byteLength(markdown)).toBeLessThan(21_000);
    expect(markdown).toMatch(/… \d+ more cassettes not shown/);
  });
});
