// `rerecord audit` / `step: audit`: cassette health from the files alone, no test run, no key needed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { auditCassettes, type AuditReport } from '../audit/audit.js';
import { parsePoisonStatuses } from '../cassettes/poison.js';
import type { Config } from '../config/config.js';
import { readCassettes } from '../discover/cassette-files.js';
import { listCassetteFiles } from '../discover/recording-dates.js';
import { planRun, secretsOf } from '../pipeline.js';

export async function runAudit(config: Config, now = new Date()): Promise<AuditReport> {
  const { plan } = await planRun(config, 'all');
  const at = (cassette: string) => path.resolve(config.workingDirectory, cassette);
  const listed = await listCassetteFiles(config.workingDirectory, config.cassetteDir);
  // Cassettes the tests use outside cassette-dir are audited too.
  const mappedElsewhere = plan.mappings.flatMap((mapping) => mapping.cassettes).filter((cassette) => existsSync(at(cassette)));
  const paths = [...new Set([...listed, ...mappedElsewhere])].sort();
  const cassettes = await readCassettes(config.workingDirectory, paths, config.cassetteDir);
  return auditCassettes({
    cassettes,
    mappings: plan.mappings,
    shared: plan.shared,
    exists: (cassette) => existsSync(at(cassette)),
    secrets: secretsOf(config),
    isPoison: parsePoisonStatuses(config.poisonStatuses),
    now,
    maxAgeMs: config.maxAgeMs,
  });
}
