import { describe, expect, it } from 'vitest';
import { auditCassettes, auditFails, auditMarkdown, auditText, type AuditedCassette, type AuditInput } from '../../../src/audit/audit.js';
import type { Cassette } from '../../../src/cassettes/model.js';
import { parsePoisonStatuses } from '../../../src/cassettes/poison.js';

const NOW = new Date('2026-11-23T00:00:00Z');
const DAY = 86_400_000;

function recording(statuses: number[]): Cassette {
  return {
    format: 'vcr',
    recordedWith: undefined,
    unread: [],
    encoding: 'utf-8',
    interactions: statuses.map((status, index) => ({
      index,
      line: 2 + index * 20,
      request: { method: 'GET', uri: `http://api.test/r${index}`, headers: {}, body: { kind: 'empty' } },
      response: { status, statusText: undefined, headers: {}, body: { kind: 'empty' } },
      recordedAt: undefined,
      unread: [],
    })),
  };
}

function audited(path: string, overrides: Partial<AuditedCassette> = {}): AuditedCassette {
  return { path, text: 'nothing to see', cassette: recording([200]), parseError: undefined, recordedAt: new Date(NOW.getTime() - DAY), dateSource: 'recorded', ...overrides };
}

function input(overrides: Partial<AuditInput>): AuditInput {
  return {
    cassettes: [],
    mappings: [],
    shared: [],
    exists: () => true,
    secrets: [],
    isPoison: parsePoisonStatuses(['401', '403', '429', '5xx']),
    now: NOW,
    maxAgeMs: 30 * DAY,
    ...overrides,
  };
}

describe('auditCassettes', () => {
  const key = 'sk-audit-123456789';
  const report = auditCassettes(
    input({
      cassettes: [
        audited('f/a.yml', { text: `line one\nX-Api-Key: ${key}\n` }),
        audited('f/b.yml', { cassette: recording([200, 503, 503, 429]) }),
        audited('f/old.yml', { recordedAt: new Date(NOW.getTime() - 90 * DAY), dateSource: 'commit' }),
        audited('f/bad.yml', { cassette: undefined, parseError: 'f/bad.yml:3: not YAML' }),
        audited('f/orphan.yml'),
      ],
      mappings: [
        { file: 't/test-a.R', cassettes: ['f/a.yml', 'f/b.yml', 'f/old.yml', 'f/bad.yml', 'f/gone.yml'], unresolved: [] },
        { file: 't/test-b.R', cassettes: ['f/b.yml'], unresolved: ['paste0("x", i) (line 4)'] },
      ],
      shared: [{ cassette: 'f/b.yml', files: ['t/test-a.R', 't/test-b.R'] }],
      exists: (cassette) => cassette !== 'f/gone.yml',
      secrets: [{ name: 'api-key', value: key }],
    }),
  );

  it('finds each kind once, most severe first, and never shows the secret', () => {
    expect(report.findings.map((f) => [f.severity, f.kind, f.cassette])).toEqual([
      ['error', 'secret', 'f/a.yml'],
      ['warning', 'poisoned', 'f/b.yml'],
      ['warning', 'poisoned', 'f/b.yml'],
      ['warning', 'unreadable', 'f/bad.yml'],
      ['warning', 'missing', 'f/gone.yml'],
      ['notice', 'shared', 'f/b.yml'],
      ['notice', 'stale', 'f/old.yml'],
      ['notice', 'orphan', 'f/orphan.yml'],
    ]);
    expect(report.findings[0]).toMatchObject({ line: 2, message: 'holds api-key (raw)' });
    expect(JSON.stringify(report)).not.toContain(key);
  });

  it('finds the key in a Basic header that Ruby Base64.encode64 wrapped at 60 columns, and in hex', () => {
    const key = 'wr4pp3dK3yZ0x9Lm';
    const wrapped = (Buffer.from(`${'user'.repeat(10)}:${key}`).toString('base64').match(/.{1,60}/g) ?? []).join('\n');
    const text = `http_interactions:\n- request:\n    headers:\n      Authorization:\n      - "Basic ${wrapped.replaceAll('\n', '\\n')}"\n    body: ${Buffer.from(key).toString('hex').toUpperCase()}\n`;
    const report = auditCassettes(input({ cassettes: [audited('f/ruby.yml', { text })], secrets: [{ name: 'api-key', value: key }] }));
    expect(report.findings.filter((f) => f.kind === 'secret').map((f) => f.message)).toEqual(['holds api-key (base64-wrapped)', 'holds api-key (hex)']);
    expect(JSON.stringify(report)).not.toContain(key);
  });

  it('counts poisoned cassettes by status and names the requests', () => {
    expect(report.poisonedByStatus).toEqual({ '503': 1, '429': 1 });
    expect(report.findings.find((f) => f.message.startsWith('recorded 503'))!.message).toBe('recorded 503 on GET /r1, GET /r2');
  });

  it('says how stale, from where, and which recording is oldest', () => {
    expect(report.findings.find((f) => f.kind === 'stale')!.message).toBe('recorded 2160h00m ago (its last commit)');
    expect(report.oldest).toEqual({ cassette: 'f/old.yml', recordedAt: '2026-08-25T00:00:00.000Z', source: 'commit' });
  });

  it('judges orphans only when every mapping is known, and says so in one line otherwise', () => {
    expect(report.findings.find((f) => f.kind === 'orphan')!.message).toBe('no test file uses it');
    expect(report.notes).toEqual([]);
    const open = auditCassettes(
      input({
        cassettes: [audited('f/orphan.yml')],
        mappings: [
          { file: 't/test-a.R', cassettes: [], unresolved: ['paste0("x", i) (line 4)'], openEnded: true },
          { file: 't/test-b.R', cassettes: [], unresolved: ['paste0("y", i) (line 4)'], openEnded: true },
        ],
      }),
    );
    expect(open.counts.orphan).toBe(0);
    expect(open.notes).toEqual(['orphans not judged: 2 test files use cassette names only run time knows (a run teaches the manifest those)']);
    expect(auditText(open)).toContain('orphans not judged: 2 test files use');
    expect(auditMarkdown(open)).toContain('- orphans not judged: 2 test files use');
  });

  it('counts missing only expected cassettes: possible and unwritten ones go in one line', () => {
    const report = auditCassettes(
      input({
        mappings: [{ file: 't/test_m.py', cassettes: ['c/a.yaml', 'c/b.yaml', 'c/c.yaml', 'c/d.yaml'], unresolved: [], possible: ['c/a.yaml', 'c/b.yaml'], unwritten: ['c/c.yaml'] }],
        exists: () => false,
      }),
    );
    expect(report.findings.map((f) => [f.kind, f.cassette])).toEqual([['missing', 'c/d.yaml']]);
    expect(report.notes).toEqual(['not counted missing: 2 possible cassettes (a mark spread over tests that may make no request), 1 cassette left unwritten when their test file last passed']);
  });

  it('calls a file in none of the library\'s formats foreign, never unreadable nor orphan nor stale; a broken cassette stays unreadable', () => {
    const old = new Date(NOW.getTime() - 90 * DAY);
    const report = auditCassettes(
      input({
        cassettes: [
          audited('c/t.xai.yaml', { cassette: undefined, parseError: 'c/t.xai.yaml: not a cassette we know', recordedAt: old }),
          audited('c/other.json', { cassette: recording([500]) }),
          audited('c/broken.yaml', { cassette: undefined, parseError: 'c/broken.yaml:3: bad indentation', claims: 'vcrpy' }),
          audited('c/leaky.xai.yaml', { cassette: undefined, parseError: 'x', text: 'token: sk-audit-123456789' }),
          audited('c/mapped.yaml', { cassette: undefined, parseError: 'c/mapped.yaml: not a cassette we know' }),
        ],
        mappings: [{ file: 't/test_m.py', cassettes: ['c/broken.yaml', 'c/mapped.yaml'], unresolved: [] }],
        secrets: [{ name: 'api-key', value: 'sk-audit-123456789' }],
        formats: ['vcrpy'],
      }),
    );
    expect(report.findings.map((f) => [f.severity, f.kind, f.cassette])).toEqual([
      ['error', 'secret', 'c/leaky.xai.yaml'],
      ['warning', 'unreadable', 'c/broken.yaml'],
      // A test maps it: its library's cassette, however broken.
      ['warning', 'unreadable', 'c/mapped.yaml'],
      ['notice', 'foreign', 'c/leaky.xai.yaml'],
      ['notice', 'foreign', 'c/other.json'],
      ['notice', 'foreign', 'c/t.xai.yaml'],
    ]);
    expect(report.findings.find((f) => f.kind === 'foreign')!.message).toBe('foreign (not a vcrpy cassette)');
    // Claimed only by the glob of an unresolved name: still foreign, and no orphan.
    const claimed = auditCassettes(
      input({
        cassettes: [audited('c/t.xai.yaml', { cassette: undefined, parseError: 'not a cassette we know' })],
        mappings: [{ file: 't/test_m.py', cassettes: ['c/t.xai.yaml'], unresolved: ['x (line 3)'], unresolvedPatterns: ['c/*'] }],
        formats: ['vcrpy'],
        named: new Set(),
      }),
    );
    expect(claimed.findings.map((f) => f.kind)).toEqual(['foreign']);
    expect(auditFails(report, 'warning')).toBe(true);
  });

  it.each([
    ['error', true],
    ['warning', true],
    ['never', false],
  ] as const)('fail-on %s -> fails %s', (failOn, fails) => {
    expect(auditFails(report, failOn)).toBe(fails);
  });

  it('a clean project fails on nothing but notices when asked', () => {
    const clean = auditCassettes(input({ cassettes: [audited('f/x.yml')], mappings: [] }));
    expect(clean.counts.orphan).toBe(1);
    expect(auditFails(clean, 'warning')).toBe(false);
    expect(auditFails(clean, 'notice')).toBe(true);
  });

  it('renders a table and a summary', () => {
    expect(auditText(report)).toMatch(/^error\s+secret\s+f\/a\.yml:2\s+holds api-key \(raw\)$/m);
    expect(auditText(report)).toMatch(/5 cassettes, 2 test files: 1 secret, 2 poisoned, 1 missing, 1 unreadable, 1 orphan, 1 shared, 1 stale/);
    expect(auditMarkdown(report, 2)).toMatch(/… 6 more findings/);
  });
});
