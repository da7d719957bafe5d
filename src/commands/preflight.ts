// Once per run, before any test file: does the framework's runtime start, and does the VCR library
// load, with the configured command, from the project? Without this, a wrong Python (vcrpy missing)
// fails each of hundreds of files the same way, retries included, before anyone learns why. A
// failed check is exit 2 with one message and nothing touched. (The key and the test folder are
// checked with the inputs, in config.ts.)
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import type { FrameworkName } from '../config/inputs.js';
import { environmentError } from '../report/failure-reason.js';

export interface PreflightCheck {
  command: string;
  args: string[];
  /** What must load, as the message names it: `vcr (vcrpy) in python3`. */
  what: string;
  /** How to fix it when it does not. */
  fix: string;
}

/** Generous: a loaded CI machine can take many seconds to start R. It bounds a hung runtime, no more. */
const CHECK_TIMEOUT_MS = 120_000;

/** The check for this framework and command; undefined when there is nothing rerecord can check (custom). */
export function preflightCheck(framework: FrameworkName, command: readonly string[]): PreflightCheck | undefined {
  const base = (program: string | undefined) => path.basename(program ?? '');
  switch (framework) {
    case 'testthat':
      return {
        command: 'Rscript',
        args: ['--vanilla', '-e', 'library(testthat); library(vcr)'],
        what: 'the R packages testthat and vcr in Rscript',
        fix: 'install them into the R library the runner uses (install.packages(c("testthat", "vcr")), or setup-r-dependencies in CI)',
      };
    case 'pytest': {
      // The Python the command runs: `python3 -m pytest`, `uv run python -m pytest`; a bare `pytest` entry point names none.
      // Its own options (`-S`, `-I`) come along: they change what it can import.
      const at = command.findIndex((word) => /^python[\d.]*(?:\.exe)?$/.test(base(word)));
      let end = at + 1;
      while (at >= 0 && end < command.length && /^-[A-Za-z]+$/.test(command[end]!) && command[end] !== '-m' && command[end] !== '-c') end++;
      const prefix = at >= 0 ? command.slice(0, end) : ['python3'];
      return {
        command: prefix[0]!,
        args: [...prefix.slice(1), '-c', 'import vcr; import pytest'],
        what: `vcr (vcrpy) and pytest in ${prefix.join(' ')}`,
        fix: `install them into that Python (${prefix.join(' ')} -m pip install vcrpy pytest), or set command to the Python that has them`,
      };
    }
    case 'rspec': {
      const bundled = command[0] === 'bundle' && command[1] === 'exec';
      const prefix = bundled ? ['bundle', 'exec', 'ruby'] : ['ruby'];
      return {
        command: prefix[0]!,
        args: [...prefix.slice(1), '-e', 'require "vcr"'],
        what: `the vcr gem in ${prefix.join(' ')}`,
        fix: bundled ? 'add vcr to the Gemfile and run bundle install' : 'gem install vcr, or run with command: bundle exec rspec {file}',
      };
    }
    case 'node':
    case 'polly': {
      const library = framework === 'node' ? 'nock' : '@pollyjs/core';
      const node = base(command[0]) === 'node' ? command[0]! : 'node';
      // require.resolve, then import() for packages that only export ESM: either finding it is enough.
      const script = `const n=${JSON.stringify(library)};try{require.resolve(n)}catch{import(n).catch(()=>{console.error("Cannot find module '"+n+"'");process.exit(1)})}`;
      return { command: node, args: ['-e', script], what: `${library} from the project with ${node}`, fix: `npm install --save-dev ${library} in the project` };
    }
    case 'custom':
      return undefined;
  }
}

/** Runs the check in the project with the test processes' environment; throws ConfigError (exit 2) when it fails. */
export async function runPreflight(config: Pick<Config, 'framework' | 'command' | 'workingDirectory'>, env: NodeJS.ProcessEnv): Promise<void> {
  const check = preflightCheck(config.framework.name, config.command);
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
