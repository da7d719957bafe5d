// Checked once the plan is known and before any test runs; a problem here is exit 2 with nothing
// touched: the failure log must not overwrite a cassette, a test file, the config file or another
// of rerecord's own files, nor lie under a symlink; every folder rerecord will write to must be writable.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { CONFIG_FILE } from '../config/config-file.js';
import { jsonTwinPath } from '../state/failure-log.js';
import type { Plan } from '../plan/plan.js';
import { ownPathProblems } from '../state/own-files.js';
import { LOCK_PATH, MANIFEST_PATH, RECOVERED_DIR, STATE_DIR, TRANSACTIONS_DIR } from '../state/paths.js';

/** Files the failure log must never be written over, and folders it must never be written into. */
const NOT_A_FAILURE_LOG = new Set<string>([CONFIG_FILE, MANIFEST_PATH, LOCK_PATH, `${STATE_DIR}/.gitignore`, STATE_DIR]);
const NOT_UNDER = [TRANSACTIONS_DIR, RECOVERED_DIR];

export async function checkRunPreconditions(config: Config, plan: Plan): Promise<void> {
  const problems: string[] = [];
  const cassettes = new Set(plan.mappings.flatMap((mapping) => mapping.cassettes));
  const tests = new Set(plan.mappings.map((mapping) => mapping.file));
  const logs = [config.failureLog, jsonTwinPath(config.failureLog)];
  for (const log of logs) {
    if (cassettes.has(log)) problems.push(`failure-log: ${log} is a cassette; writing the failure report there would destroy it. Choose another path, such as ${STATE_DIR}/failures.txt`);
    if (tests.has(log)) problems.push(`failure-log: ${log} is a test file; choose another path, such as ${STATE_DIR}/failures.txt`);
    if (NOT_A_FAILURE_LOG.has(log) || NOT_UNDER.some((folder) => log.startsWith(`${folder}/`))) {
      problems.push(`failure-log: ${log} is ${log === CONFIG_FILE ? 'the config file' : 'one of rerecord\'s own files'}; choose another path, such as ${STATE_DIR}/failures.txt`);
    }
  }
  problems.push(...(await ownPathProblems(config.workingDirectory, logs)).map((problem) => `failure-log: ${problem}`));
  const folders = [
    { what: `rerecord's folder ${STATE_DIR}/`, folder: STATE_DIR },
    { what: `cassette-dir ${config.cassetteDir}`, folder: config.cassetteDir },
    { what: `the failure log's folder`, folder: path.posix.dirname(config.failureLog) },
  ];
  for (const { what, folder } of folders) {
    const problem = await unwritable(path.resolve(config.workingDirectory, folder));
    if (problem) problems.push(`${what}: ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/** Why the folder (or, when it does not exist yet, the nearest existing parent) cannot be written to. */
async function unwritable(folder: string): Promise<string | undefined> {
  let current = folder;
  for (;;) {
    const info = await stat(current).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) return `${current} is not a folder`;
      try {
        await access(current, constants.W_OK);
        return undefined;
      } catch {
        return `${current} is not writable by this user`;
      }
    }
    const parent = path.dirname(current);
    if (parent === current) return `no existing parent folder of ${folder}`;
    current = parent;
  }
}
