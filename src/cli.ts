// CLI entry: argv -> the same Config and pipeline as the action. stdout carries only the result
// (one JSON document with --json); progress and logs go to stderr.
import process from 'node:process';
import packageJson from '../package.json' with { type: 'json' };
import { cliInputs, helpText, parseCliArgs } from './config/cli-args.js';
import { loadConfig, type Config } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { openProjectOnDisk } from './discover/project-on-disk.js';
import { executeRun, planRun } from './pipeline.js';
import { stderrLogger } from './report/logger.js';
import { planDocument, planText } from './report/plan-output.js';
import { Redactor } from './report/redact.js';
import { runCounts, runDocument } from './report/run-output.js';
import { summaryTable } from './report/summary.js';
import { interruptExitCode, listenForInterrupt } from './run/interrupt.js';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) return print(helpText(packageJson.version), EXIT.ok);
  if (args.version) return print(packageJson.version, EXIT.ok);
  let config: Config | undefined;
  const problems = [...args.problems];
  try {
    config = loadConfig(cliInputs(args), { cwd: process.cwd(), env: process.env, openProject: openProjectOnDisk });
  } catch (error) {
    if (!(error instanceof ConfigError)) return reportError(error, args.json);
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config) return reportError(new ConfigError(problems), args.json);
  const redactor = new Redactor([config.apiKey]);
  const logger = stderrLogger(redactor);
  const interrupt = listenForInterrupt((signal) => logger.warning(`received ${signal}: starting nothing new, stopping running tests, restoring their cassettes`));
  try {
    const planned = await planRun(config);
    for (const note of planned.plan.notes) logger.warning(note);
    if (config.dryRun) {
      return print(args.json ? JSON.stringify(planDocument(planned.plan, config), null, 2) : planText(planned.plan, config), EXIT.ok);
    }
    if (planned.plan.files.length === 0) logger.info('no test file selected: nothing to re-record');
    const outcome = await executeRun(config, planned, { logger, redactor, signal: interrupt.signal });
    const facts = { framework: config.framework.name, shard: `${config.shard.index}/${config.shard.count}`, wallMs: outcome.finishedAt.getTime() - outcome.startedAt.getTime(), interrupted: outcome.interrupted };
    print(redactor.redact(args.json ? JSON.stringify(runDocument(outcome, config), null, 2) : summaryTable(outcome.results, facts)), EXIT.ok);
    const signal = interrupt.received();
    if (signal) return interruptExitCode(signal);
    return runCounts(outcome).failed > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    return reportError(error, args.json, redactor);
  } finally {
    interrupt.dispose();
  }
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
