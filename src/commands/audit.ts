// `rerecord audit` / `step: audit`: cassette health from the files alone, no test run, no key needed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { minimatch } from 'minimatch';
import { auditCassettes, type AuditReport } from '../audit/audit.js';
import { parsePoisonStatuses } from '../cassettes/poison.js';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { readCassettes } from '../discover/cassette-files.js';
import { listCassetteFiles } from '../discover/recording-dates.js';
import { planRun, type Warn } from './plan.js';
import { secretsOf } from '../config/secrets.js';
import type { FileMapping } from '../plan/map.js';

export async function runAudit(config: Config, warn: Warn, now = new Date()): Promise<AuditReport> {
  const { plan } = await planRun(config, warn, 'all');
  const at = (cassette: string) => path.resolve(config.workingDirectory, cassette);
  const mapped = new Set(plan.mappings.flatMap((mapping) => mapping.cassettes));
  // Cassettes kept beside the tests share the folder with test data: only the preset's cassette
  // files (and whatever a test maps) are audited there.
  const besideTests = path.posix.normalize(config.cassetteDir) === path.posix.normalize(config.testDir) && config.framework.isCassetteFile;
  const listed = (await listCassetteFiles(config.workingDirectory, config.cassetteDir)).filter(
    (cassette) => !besideTests || mapped.has(cassette) || config.framework.isCassetteFile!(cassette),
  );
  // Cassettes the tests use outside cassette-dir are audited too.
  const mappedElsewhere = [...mapped].filter((cassette) => existsSync(at(cassette)));
  const paths = [...new Set([...listed, ...mappedElsewhere])].sort();
  if (paths.length === 0) throw new ConfigError([noCassettes(config, plan.mappings)]);
  const cassettes = await readCassettes({ cwd: config.workingDirectory, inherited: config.runner.inherited }, paths, config.cassetteDir, warn);
  return auditCassettes({
    cassettes,
    mappings: claimUnresolved(plan.mappings, paths),
    shared: plan.shared,
    exists: (cassette) => existsSync(at(cassette)),
    secrets: secretsOf(config),
    isPoison: parsePoisonStatuses(config.poisonStatuses),
    now,
    maxAgeMs: config.maxAgeMs,
    formats: config.framework.cassetteFormats,
    // A glob of an unresolved name claims another tool's files beside the cassettes too: those may be foreign.
    named: mapped,
  });
}

/**
 * Recordings a test file makes under names only run time knows (a parametrized test's ids, a
 * Polly setup in a helper) are that file's: counted as used, so neither orphans nor missing.
 */
function claimUnresolved(mappings: readonly FileMapping[], cassettes: readonly string[]): FileMapping[] {
  return mappings.map((mapping) => {
    const patterns = mapping.unresolvedPatterns ?? [];
    if (patterns.length === 0) return mapping;
    const claimed = cassettes.filter((cassette) => patterns.some((pattern) => minimatch(cassette, pattern, { dot: true })));
    return { ...mapping, cassettes: [...new Set([...mapping.cassettes, ...claimed])].sort() };
  });
}

/** An audit of nothing passes every check: say where we looked instead. */
function noCassettes(config: Config, mappings: readonly FileMapping[]): string {
  const predicted = mappings.reduce((count, mapping) => count + mapping.cassettes.length, 0);
  return (
    `audit found no cassette: cassette-dir ${JSON.stringify(config.cassetteDir)} holds no .yml/.yaml/.json/.har file, and the ` +
    `${mappings.length} test file${mappings.length === 1 ? '' : 's'} matched by test-pattern ${JSON.stringify(config.testPattern)} under test-dir ` +
    `${JSON.stringify(config.testDir)} name ${predicted} cassette${predicted === 1 ? '' : 's'}, none recorded: set cassette-dir (or test-dir / test-pattern) to where the recordings are`
  );
}
