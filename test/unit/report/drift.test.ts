import { describe, expect, it } from 'vitest';
import type { CassetteDiff } from '../../../src/cassettes/diff.js';
import { driftCounts, driftMarkdown, driftText } from '../../../src/report/drift.js';
import type { FileResult } from '../../../src/run/execute.js';

const changed = (cassette: string, paths: number): CassetteDiff => ({
  cassette,
  status: 'changed',
  changes: [
    {
      request: 'GET /items',
      kind: 'changed',
      index: 0,
      body: {
        added: Array.from({ length: Math.min(paths, 20) }, (_, i) => `$.items[${i}].price`),
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
    cassettes: Array.from({ length: unchanged }, (_, i) => ({ cassette: `n${i}.yml`, outcome: 'unchanged' as const })),
  };
}

describe('drift report', () => {
  const results = [file('t/a.R', [changed('f/items.yml', 3)], 2), file('t/b.R', [{ cassette: 'f/new.yml', status: 'added', changes: [] }], 1)];

  it('counts changed, added and noise-only cassettes', () => {
    expect(driftCounts(results)).toEqual({ changed: 1, added: 1, noiseOnly: 3 });
  });

  it('names the JSON paths in Markdown and text', () => {
    expect(driftMarkdown(results)).toContain('1 cassettes changed, 1 added, 3 differed only by noise (old bytes kept)');
    expect(driftMarkdown(results)).toContain('`f/items.yml` changed (t/a.R)');
    expect(driftMarkdown(results)).toContain('$.items[0].price');
    expect(driftText(results)).toMatch(/changed f\/items\.yml\n\s+GET \/items: body \+\$\.items\[0\]\.price/);
  });

  it('stays within its size budget, saying how much it left out', () => {
    const many = Array.from({ length: 400 }, (_, i) => file(`t/${i}.R`, [changed(`f/c${i}.yml`, 50)]));
    const markdown = driftMarkdown(many, 20_000);
    expect(Buffer.byteLength(markdown)).toBeLessThan(21_000);
    expect(markdown).toMatch(/… \d+ more cassettes not shown/);
  });
});
