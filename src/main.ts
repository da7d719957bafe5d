// The action: inputs -> the same pipeline as the CLI -> outputs, job summary, annotations.
import * as core from '@actions/core';
import path from 'node:path';
import { actionInputs } from './config/action-inputs.js';
import { withConfigFile } from './config/config-file.js';
import { loadConfig, type Config } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { list } from './config/parsers.js';
import { openProjectOnDisk } from './discover/project-on-disk.js';
import { withProjectLock } from './commands/recover.js';
import { runCommand } from './commands/run.js';
import type { RunOutcome } from './results/run-outcome.js';
import { failureExcerpt } from './report/excerpt.js';
import { auditFails, auditMarkdown } from './audit/audit.js';
import { runAudit } from './commands/audit.js';
import { publishShards } from './commands/publish-shards.js';
import { changedCassettes, type PublishOutcome } from './publish/publish.js';
import type { MergedShards } from './publish/merge-shards.js';
import { uploadFailureLog, uploadShard } from './publish/shards.js';
import { driftCounts, driftMarkdown } from './report/drift.js';
import { jsonTwinPath } from './state/failure-log.js';
import type { Logger } from './report/logger.js';
import { frameworkLabel, planText } from './report/plan-output.js';
import { Redactor } from './report/redact.js';
import { runCounts } from './report/run-output.js';
import { summaryMarkdown, summaryTables } from './report/summary.js';
import { interruptExitCode, listenForInterrupt } from './run/interrupt.js';

export async function run(): Promise<void> {
  // Mask before anything can print it, even a config error.
  const rawKey = core.getInput('api-key');
  const rawExtraSecrets = [...list(core.getInput('extra-secrets')), core.getInput('token')].filter(Boolean);
  for (const secret of [rawKey, ...rawExtraSecrets]) if (secret) core.setSecret(secret);
  let redactor = new Redactor([rawKey, ...rawExtraSecrets]);
  const interrupt = listenForInterrupt((signal) => core.warning(`received ${signal}: starting nothing new, stopping running tests, restoring their cassettes`));
  try {
    const config = loadConfig(withConfigFile(actionInputs, process.cwd()), { cwd: process.cwd(), env: process.env, openProject: openProjectOnDisk });
    redactor = new Redactor([config.apiKey, rawKey, ...config.extraSecrets]);
    const logger = actionsLogger(redactor);
    if (config.step === 'audit') return await withProjectLock(config.workingDirectory, 'audit', logger, () => auditStep(config, logger, redactor), { access: 'read', inherited: config.runner.inherited });
    if (config.step === 'publish') return await withProjectLock(config.workingDirectory, 'publish', logger, () => publishStep(config, logger, redactor), { inherited: config.runner.inherited });
    const onRunner = config.runner.missingArtifactVariables.length === 0;
    const result = await runCommand(config, {
      logger,
      redactor,
      signal: interrupt.signal,
      interruptedBy: interrupt.received,
      onRunner,
      uploadShard: (results) => uploadShard(config, results),
    });
    core.setOutput('selected', result.planned.plan.files.length);
    if (!result.outcome) {
      await writeSummary(config, `## rerecord plan\n\n\`\`\`\n${planText(result.planned.plan, config)}\n\`\`\`\n`, redactor);
      return;
    }
    const outcome = result.outcome;
    for (const warning of outcome.runWarnings) logger.warning(warning);
    await reportResults(config, outcome, logger, redactor);
    if (onRunner) await uploadFailureLog(config).catch((error: Error) => logger.warning(`could not upload the failure log: ${error.message}`));
    setPublishOutputs(result.publish.kind === 'published' ? result.publish.outcome : undefined);
    if (result.publish.kind === 'skipped') logger.warning(result.publish.why);
    if (result.publish.kind === 'shard-uploaded' && config.publish !== 'none') logger.info(`shard ${config.shard.index}/${config.shard.count}: publishing is left to the step: publish job`);
    const { failed } = runCounts(outcome);
    if (result.interruptedBy) fail(`interrupted by ${result.interruptedBy}: in-flight cassettes restored, unrun files listed in ${config.failureLog}; nothing published`, interruptExitCode(result.interruptedBy));
    else if (failed > 0) fail(`${failed} test file(s) did not re-record; their cassettes were restored. See ${config.failureLog}.`, 1);
    else if (outcome.runWarnings.length > 0) fail(outcome.runWarnings.join('; '), 1);
    else if (result.publish.kind === 'published' && result.publish.outcome.failure) fail(result.publish.outcome.failure, 1);
  } catch (error) {
    fail(redactor.redact(error instanceof Error ? error.message : String(error)), error instanceof ConfigError ? 2 : 1);
  } finally {
    interrupt.dispose();
  }
}

async function reportResults(config: Config, outcome: RunOutcome, logger: Logger, redactor: Redactor): Promise<void> {
  const counts = runCounts(outcome);
  core.setOutput('succeeded', counts.succeeded);
  core.setOutput('failed', counts.failed);
  core.setOutput('failed-files', JSON.stringify(counts.failedFiles));
  core.setOutput('failure-log', config.failureLog);
  core.setOutput('cassettes-changed', driftCounts(outcome.results).changed + driftCounts(outcome.results).added);
  const workspace = config.runner.workspace;
  for (const result of outcome.results.filter((r) => r.status === 'failed')) {
    const file = path.relative(workspace, path.resolve(config.workingDirectory, result.file)).split(path.sep).join('/');
    logger.error(`${result.reason}; cassettes restored.\n${failureExcerpt(result.output)}`, { title: `rerecord: ${result.file} did not re-record`, file });
  }
  const facts = {
    framework: frameworkLabel(config),
    shard: `${config.shard.index}/${config.shard.count}`,
    wallMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(),
    interrupted: outcome.interrupted,
    pace: outcome.pace,
    processes: outcome.processes,
  };
  await writeSummary(config, `${summaryMarkdown(outcome.results, facts)}\n${driftMarkdown(outcome.results)}\nFailure log: \`${config.failureLog}\` (details: \`${jsonTwinPath(config.failureLog)}\`)\n`, redactor);
}

/** The final job of a matrix: the shards' files in one summary, published once. */
async function publishStep(config: Config, logger: Logger, redactor: Redactor): Promise<void> {
  const { merged, publish } = await publishShards(config, logger);
  core.setOutput('selected', merged.results.length);
  core.setOutput('failed', merged.failed.length);
  core.setOutput('succeeded', merged.results.length - merged.failed.length);
  core.setOutput('failed-files', JSON.stringify(merged.failed));
  core.setOutput('failure-log', config.failureLog);
  core.setOutput('cassettes-changed', changedCassettes(merged.results).length);
  await writeSummary(config, `## rerecord: ${merged.results.length} files from the shards\n\n${mergedFailureTable(merged.results, config)}${driftMarkdown(merged.results)}`, redactor);
  setPublishOutputs(publish);
  if (publish.failure) fail(publish.failure, 1);
}

/** The shards' failed files, in one table as a single run shows them. */
function mergedFailureTable(results: MergedShards['results'], config: Config): string {
  if (results.every((result) => result.status === 'succeeded')) return '';
  const facts = { framework: config.framework.name, shard: 'merged', wallMs: 0, interrupted: false, failureReport: jsonTwinPath(config.failureLog) };
  return `${summaryTables(results.map((result) => ({ ...result, output: result.outputTail, journaled: undefined })), facts)}\n`;
}

function setPublishOutputs(outcome: PublishOutcome | undefined): void {
  core.setOutput('pull-request-operation', outcome?.pullRequest ? outcome.operation : 'none');
  core.setOutput('pull-request-url', outcome?.pullRequest?.url ?? '');
  core.setOutput('pull-request-number', outcome?.pullRequest?.number ?? '');
  core.setOutput('commit-sha', outcome?.commitSha ?? '');
  core.setOutput('artifact-id', outcome?.artifact?.id ?? '');
  core.setOutput('artifact-url', outcome?.artifact?.url ?? '');
}

async function auditStep(config: Config, logger: Logger, redactor: Redactor): Promise<void> {
  const report = await runAudit(config, (message) => logger.warning(message));
  core.setOutput('findings', JSON.stringify(report.counts));
  const workspace = config.runner.workspace;
  for (const finding of report.findings.filter((f) => f.severity !== 'notice')) {
    const file = path.relative(workspace, path.resolve(config.workingDirectory, finding.cassette)).split(path.sep).join('/');
    const annotate = finding.severity === 'error' ? logger.error : logger.warning;
    annotate(finding.message, { title: `rerecord audit: ${finding.kind}`, file, ...(finding.line ? { startLine: finding.line } : {}) });
  }
  await writeSummary(config, auditMarkdown(report), redactor);
  if (auditFails(report, config.failOn)) fail(`audit found problems at or above fail-on: ${config.failOn}`, 1);
}

async function writeSummary(config: Config, markdown: string, redactor: Redactor): Promise<void> {
  if (!config.runner.summaryPath) return;
  await core.summary.addRaw(redactor.redact(markdown)).write();
}

/** The Actions log, with annotations; every message redacted. */
function actionsLogger(redactor: Redactor): Logger {
  return {
    info: (message) => core.info(redactor.redact(message)),
    warning: (message, annotation) => core.warning(redactor.redact(message), annotation),
    error: (message, annotation) => core.error(redactor.redact(message), annotation),
  };
}

function fail(message: string, exitCode: number): void {
  core.setFailed(message);
  process.exitCode = exitCode;
}
