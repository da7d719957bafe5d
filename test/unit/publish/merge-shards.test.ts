import { describe, expect, it } from 'vitest';
import { mergeShards } from '../../../src/publish/merge-shards.js';
import type { FailureEntry } from '../../../src/state/failure-log.js';
import { EMPTY_MANIFEST } from '../../../src/state/manifest.js';

function entry(file: string, unwritten: unknown): FailureEntry {
  return { file, status: 'succeeded', attempts: 1, durationMs: 5, exitCode: 0, reason: '', outputTail: '', cassettes: [], drift: [], warnings: [], unwritten: unwritten as string[] };
}

describe('mergeShards', () => {
  it('carries what each shard\'s passing files left unwritten into the merged manifest, strings only', () => {
    const report = (files: FailureEntry[]) => ({ version: 1 as const, startedAt: '', finishedAt: '', shard: '1/2', summary: { selected: 1, succeeded: 1, failed: 0, notRun: 0 }, toRerun: [], files });
    const merged = mergeShards(EMPTY_MANIFEST, [
      { name: 'shard-1', report: report([entry('tests/test_a.py', ['c/quiet.yaml', 7])]) },
      { name: 'shard-2', report: report([entry('tests/test_b.py', undefined)]) },
    ]);
    expect(merged.manifest.files['tests/test_a.py']?.unwritten).toEqual(['c/quiet.yaml']);
    expect(merged.manifest.files['tests/test_b.py']).not.toHaveProperty('unwritten');
  });
});
