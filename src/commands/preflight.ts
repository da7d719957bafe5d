// Once per run, before any test file: does the framework's runtime start, and does the VCR library
// load, with the configured command, from the project? Without this, a wrong Python (vcrpy missing)
// fails each of hundreds of files the same way, retries included, before anyone learns why. A
// failed check is exit 2 with one message and nothing touched. (The key and the test folder are
// checked with the inputs, in config.ts.) Each preset says what to check: its `runtimeCheck`.
import { execFile } from 'node:child_process';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { environmentError } from '../frameworks/failure-reason.js';

/** Generous: a loaded CI machine can take many seconds to start R. It bounds a hung runtime, no more. */
const CHECK_TIMEOUT_MS = 120_000;

/** Runs the check in the project with the test processes' environment; throws ConfigError (exit 2) when it fails. */
export async function runPreflight(config: Pick<Config, 'framework' | 'command' | 'workingDirectory'>, env: NodeJS.ProcessEnv): Promise<void> {
  const check = config.framework.runtimeCheck?.(config.command);
  if (!check) return;
  const problem = await new Promise<string | undefined>((resolve) => {
    execFile(check.command, check.args, { cwd: config.workingDirectory, env, timeout: CHECK_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(undefined);
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return resolve(`${check.command} was not found on PATH`);
      if (error.killed) return resolve(`${check.command} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`);
      const output = `${stderr}\n${stdout}`;
      const lastLine = output.split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
      resolve(environmentError(output) ?? lastLine ?? `exit code ${String(code)}`);
    });
  });
  if (problem === undefined) return;
  throw new ConfigError([`pre-flight: ${check.what} did not load (${problem}); no test file was run. Fix: ${check.fix}`]);
}
