// CLI entry: argv -> the same Config and pipeline as the action. stdout carries only the result
// (one JSON document with --json); progress and logs go to stderr.
import path from 'node:path';
import process from 'node:process';
import packageJson from '../package.json' with { type: 'json' };
import { describeDiff, type CassetteDiff } from './cassettes/diff.js';
import { CassetteParseError } from './cassettes/model.js';
import { auditFails, auditText } from './audit/audit.js';
import { runAudit } from './commands/audit.js';
import { diffTargets, DiffUsageError, type DiffTargets } from './commands/diff.js';
import { cliInputs, helpText, parseCliArgs, type CliArgs } from './config/cli-args.js';
import { loadConfig, parseInputs, type Config } from './config/config.js';
import { writeConfigFile } from './commands/init.js';
import { withConfigFile } from './config/config-file.js';
import { ConfigError } from './config/errors.js';
import { openProjectOnDisk } from './discover/project-on-disk.js';
import { deadRunWarnings, recoverCommand, recoveryLines, withProjectLock } from './commands/recover.js';
import { runCommand } from './commands/run.js';
import { stderrLogger, type Logger } from './report/logger.js';
import { frameworkLabel, planDocument, planText } from './report/plan-output.js';
import { Redactor } from './report/redact.js';
import { runCounts, runDocument } from './report/run-output.js';
import { summaryTable } from './report/summary.js';
import { jsonTwinPath } from './state/failure-log.js';
import { readManifest } from './state/run-records.js';
import { driftText } from './report/drift.js';
import { interruptExitCode, listenForInterrupt } from './run/interrupt.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) return print(helpText(packageJson.version, args.helpAll), EXIT.ok);
  if (args.version) return print(packageJson.version, EXIT.ok);
  if (args.subcommand === 'diff') return diffCommand(args);
  if (args.subcommand === 'recover') return recoverOnly(args);
  let config: Config | undefined;
  const problems = [...args.problems];
  try {
    config = loadConfig(withConfigFile(cliInputs(args), process.cwd()), { cwd: process.cwd(), env: process.env, openProject: openProjectOnDisk });
  } catch (error) {
    if (!(error instanceof ConfigError)) return reportError(error, args.json);
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config) return reportError(new ConfigError(problems), args.json);
  if (args.subcommand === 'init') return initCommand(config);
  const redactor = new Redactor([config.apiKey, ...config.extraSecrets]);
  const logger = stderrLogger(redactor);
  const interrupt = listenForInterrupt((signal) => logger.warning(`received ${signal}: starting nothing new, stopping running tests, restoring their cassettes`));
  try {
    if (args.subcommand === 'audit') {
      const report = await withProjectLock(config.workingDirectory, 'audit', logger, () => runAudit(config, (message) => logger.warning(message)), { access: 'read', inherited: config.runner.inherited });
      print(redactor.redact(args.json ? JSON.stringify(report, null, 2) : auditText(report)), EXIT.ok);
      return auditFails(report, config.failOn) ? EXIT.failed : EXIT.ok;
    }
    const result = await runCommand(config, { logger, redactor, signal: interrupt.signal, interruptedBy: interrupt.received, onRunner: false });
    if (!result.outcome) {
      const plan = result.planned.plan;
      return print(args.json ? JSON.stringify(planDocument(plan, config), null, 2) : planText(plan, config), EXIT.ok);
    }
    const outcome = result.outcome;
    const facts = { framework: frameworkLabel(config), shard: `${config.shard.index}/${config.shard.count}`, wallMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(), interrupted: outcome.interrupted, pace: outcome.pace, processes: outcome.processes, failureReport: jsonTwinPath(config.failureLog) };
    for (const warning of outcome.runWarnings) logger.warning(warning);
    print(redactor.redact(args.json ? JSON.stringify(runDocument(outcome, config), null, 2) : `${summaryTable(outcome.results, facts)}\n${driftText(outcome.results)}`), EXIT.ok);
    if (result.interruptedBy) return interruptExitCode(result.interruptedBy);
    if (result.publish.kind === 'published') {
      const published = result.publish.outcome;
      logger.info(`publish ${config.publish}: ${published.operation}${published.pullRequest ? ` ${published.pullRequest.url}` : ''}${published.commitSha ? ` ${published.commitSha}` : ''}`);
    }
    const publishFailed = result.publish.kind === 'published' && result.publish.outcome.failure !== undefined;
    return runCounts(outcome).failed > 0 || outcome.runWarnings.length > 0 || publishFailed ? EXIT.failed : EXIT.ok;
  } catch (error) {
    return reportError(error, args.json, redactor);
  } finally {
    interrupt.dispose();
  }
}

/** `rerecord recover`: needs no framework, key or plan; only the working directory. */
async function recoverOnly(args: CliArgs): Promise<number> {
  if (args.problems.length > 0) return reportError(new ConfigError(args.problems), args.json);
  const workingDirectory = path.resolve(process.cwd(), args.values['working-directory'] ?? '.');
  const logger = stderrLogger(new Redactor([]));
  try {
    const notice = await recoverCommand(workingDirectory, process.env, logger);
    const lines = recoveryLines(notice);
    print(args.json ? JSON.stringify(notice, null, 2) : lines.length > 0 ? lines.join('\n') : 'nothing to recover: no interrupted run left anything in flight', EXIT.ok);
    return EXIT.ok;
  } catch (error) {
    return reportError(error, args.json);
  }
}

async function diffCommand(args: CliArgs): Promise<number> {
  const { values, problems } = parseInputs(cliInputs(args));
  if (args.problems.length + problems.length > 0) return reportError(new ConfigError([...args.problems, ...problems]), args.json);
  const [oldTarget, newTarget] = args.positionals as [string, string];
  try {
    // Only reads: a dead run's half-written cassettes are said, never put back here.
    const logger = stderrLogger(new Redactor([]));
    for (const line of await deadRunWarnings(process.cwd(), process.env)) logger.warning(line);
    const cassettes = args.pathspecs ? undefined : cassetteScope(args, logger);
    const targets = { old: oldTarget, new: newTarget, ...(args.pathspecs ? { pathspecs: args.pathspecs } : {}), ...(cassettes ? { cassettes } : {}) };
    // Noise learned by earlier runs' probes applies here too; an unreadable manifest only loses that.
    const learnedNoise = (await readManifest(process.cwd()).catch(() => undefined))?.noise ?? [];
    const options = { volatileHeaders: values['volatile-headers'], volatileFields: values['volatile-fields'], volatilePaths: values['volatile-paths'], learnedNoise };
    const { diffs, identical } = await diffTargets(targets, options, { cwd: process.cwd(), inherited: process.env });
    if (args.json) print(JSON.stringify(diffs, null, 2), EXIT.ok);
    else print(diffText(diffs, identical), EXIT.ok);
    return diffs.some((diff) => diff.status !== 'noise-only') ? EXIT.failed : EXIT.ok;
  } catch (error) {
    const usage = error instanceof DiffUsageError || error instanceof CassetteParseError;
    return reportError(usage ? new ConfigError([(error as Error).message]) : error, args.json);
  }
}

/**
 * Without paths, `diff REV REV` compares the cassettes of the framework the project uses (its
 * cassette-dir, and its own test of what a cassette is), not every .json and .yml of the repository.
 */
function cassetteScope(args: CliArgs, logger: Logger): DiffTargets['cassettes'] {
  const cwd = process.cwd();
  try {
    const config = loadConfig(withConfigFile(cliInputs(args), cwd), { cwd, env: process.env, openProject: openProjectOnDisk });
    const folder = path.relative(cwd, path.resolve(config.workingDirectory, config.cassetteDir)).split(path.sep).join('/') || '.';
    const isCassette = config.framework.isCassetteFile?.bind(config.framework);
    logger.info(`comparing the ${config.framework.name} cassettes under ${folder} (give paths after -- to compare others)`);
    return { pathspecs: [folder], ...(isCassette ? { isCassette: (file: string) => isCassette(path.relative(config.workingDirectory, path.resolve(cwd, file)).split(path.sep).join('/')) } : {}) };
  } catch (error) {
    const why = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    logger.warning(`comparing every cassette-like file (.yml, .json, .har): the framework's cassettes are not known here (${why})`);
    return undefined;
  }
}

function diffText(diffs: readonly CassetteDiff[], identical: number): string {
  // Every line: the reader of a terminal asked for this diff (the JSON has the same content).
  const lines = diffs.flatMap((diff) => [`${diff.status.padEnd(10)} ${diff.cassette}`, ...describeDiff(diff).map((line) => `           ${line}`)]);
  const count = (status: string) => diffs.filter((diff) => diff.status === status).length;
  lines.push(`${count('changed')} changed, ${count('added')} added, ${count('removed')} removed, ${count('noise-only')} noise-only, ${identical} identical`);
  return lines.join('\n');
}

async function initCommand(config: Config): Promise<number> {
  const result = await writeConfigFile(config);
  if (!result.written) {
    process.stderr.write(`rerecord: ${result.why}\n`);
    return EXIT.usage;
  }
  process.stdout.write(`wrote ${result.file}:\n${result.text}`);
  return EXIT.ok;
}

function print(text: string, code: number): number {
  process.stdout.write(`${text}\n`);
  return code;
}

function reportError(error: unknown, json: boolean, redactor = new Redactor([])): number {
  const usage = error instanceof ConfigError;
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  process.stderr.write(`rerecord: ${message}\n`);
  if (json) print(JSON.stringify({ error: usage ? (error as ConfigError).problems : [message] }, null, 2), 0);
  return usage ? EXIT.usage : EXIT.failed;
}

process.exitCode = await main(process.argv.slice(2));
