// Tier test/process: needs node as a child process (runs scripts/sync-docs.mjs --check).
// action.yml and the README must say what the input table says.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('action.yml', () => {
  it('agrees with the README table (npm run docs -- --check)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/sync-docs.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });
});
