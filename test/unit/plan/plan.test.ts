import { describe, expect, it } from 'vitest';
import { testthat } from '../../../src/frameworks/testthat/index.js';
import { buildPlan, type PlanInput } from '../../../src/plan/plan.js';
import { EMPTY_MANIFEST } from '../../../src/state/manifest.js';

const DAY = 86_400_000;
const NOW = new Date('2026-11-23T00:00:00Z');

function plan(overrides: Partial<PlanInput>) {
  return buildPlan({
    mode: 'all',
    testDir: 'tests/testthat',
    priorityPatterns: [],
    failureLog: undefined,
    failureLogPath: '.rerecord/failures.txt',
    testFiles: [
      { file: 'tests/testthat/test-fresh.R', source: 'use_cassette("fresh", {})' },
      { file: 'tests/testthat/test-old.R', source: 'use_cassette("fresh", {}); use_cassette("old", {})' },
      { file: 'tests/testthat/test-never.R', source: 'use_cassette("never", {})' },
      { file: 'tests/testthat/test-none.R', source: 'test_that("x", {})' },
    ],
    preset: testthat,
    cassetteDir: 'tests/fixtures',
    cassetteFunctions: [],
    manifest: EMPTY_MANIFEST,
    shard: { index: 1, count: 1 },
    cassetteExists: (cassette) => !cassette.includes('never'),
    ...overrides,
  });
}

describe('buildPlan', () => {
  it('stale: files with a recording older than max-age or none at all, not files without cassettes', () => {
    const recorded: Record<string, Date> = {
      'tests/fixtures/fresh.yml': new Date(NOW.getTime() - 2 * DAY),
      'tests/fixtures/old.yml': new Date(NOW.getTime() - 40 * DAY),
    };
    const result = plan({ mode: 'stale', recordedAt: (cassette) => recorded[cassette], now: NOW, maxAgeMs: 30 * DAY });
    expect(result.files.map((f) => f.file)).toEqual(['tests/testthat/test-old.R', 'tests/testthat/test-never.R']);
  });

  it('keeps files sharing a cassette in one lane and knows every mapping', () => {
    const result = plan({});
    expect(result.lanes.map((lane) => lane.files.map((f) => f.file))).toContainEqual(['tests/testthat/test-fresh.R', 'tests/testthat/test-old.R']);
    expect(result.mappings).toHaveLength(4);
    expect(result.shared).toEqual([{ cassette: 'tests/fixtures/fresh.yml', files: ['tests/testthat/test-fresh.R', 'tests/testthat/test-old.R'] }]);
  });

  it('missing: a cassette its test may never write (possible, or unwritten when it last passed) selects nothing, and one line says so', () => {
    const spread = { ...testthat, mapFile: () => ({ cassettes: ['tests/fixtures/maybe.yml'], unresolved: [], possible: ['tests/fixtures/maybe.yml'] }) };
    const possible = plan({ mode: 'missing', preset: spread, cassetteExists: () => false });
    expect(possible.files).toEqual([]);
    expect(possible.uncounted).toBe('not counted missing: 4 possible cassettes (a mark spread over tests that may make no request)');
    expect(possible.notes).toEqual([]);
    const manifest = { version: 1 as const, files: { 'tests/testthat/test-never.R': { cassettes: [], unwritten: ['tests/fixtures/never.yml'] } } };
    const unwritten = plan({ mode: 'missing', manifest });
    expect(unwritten.files).toEqual([]);
    expect(unwritten.mappings.find((m) => m.file === 'tests/testthat/test-never.R')?.unwritten).toEqual(['tests/fixtures/never.yml']);
    expect(unwritten.uncounted).toBe('not counted missing: 1 cassette left unwritten when their test file last passed');
    expect(plan({ mode: 'all', manifest })).not.toHaveProperty('uncounted');
    // Nor does stale count it (never recorded would be stale on every run); a recorded one has an age.
    const stale = (cassetteExists: (c: string) => boolean) =>
      plan({ mode: 'stale', manifest, cassetteExists, recordedAt: (c) => (cassetteExists(c) ? new Date(NOW.getTime() - DAY) : undefined), now: NOW, maxAgeMs: 30 * DAY }).files.map((f) => f.file);
    expect(stale((cassette) => !cassette.includes('never'))).toEqual([]);
    expect(stale(() => true)).toEqual([]);
    expect(plan({ mode: 'stale', manifest, recordedAt: () => new Date(NOW.getTime() - 40 * DAY), now: NOW, maxAgeMs: 30 * DAY }).files).toHaveLength(2);
  });

  it('missing: files that use a cassette not recorded yet', () => {
    expect(plan({ mode: 'missing' }).files.map((f) => f.file)).toEqual(['tests/testthat/test-never.R']);
  });

  it('shards split the selection and report the full count', () => {
    const first = plan({ shard: { index: 1, count: 2 } });
    const second = plan({ shard: { index: 2, count: 2 } });
    expect(first.selectedCount).toBe(4);
    expect([...first.files, ...second.files].map((f) => f.file).sort()).toEqual(plan({}).files.map((f) => f.file).sort());
  });
});
