// The one way rerecord runs git: literal pathspecs, never a prompt, the environment the entry
// point handed over plus what a call adds (an identity, credentials), output kept as bytes.
import { execFile } from 'node:child_process';
import type { InheritedEnvironment } from '../config/runner-context.js';

/** A repository (or a folder inside one) and the environment git starts from there. */
export interface GitRepo {
  cwd: string;
  inherited: InheritedEnvironment;
}

export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  env?: NodeJS.ProcessEnv;
  /** Return a failed result instead of throwing. */
  allowFailure?: boolean;
  /** Written to git's standard input. */
  input?: string;
  /** The most output kept; more fails the command. */
  maxBuffer?: number;
  /** Kill git after this long (a hung network filesystem); absent: no limit. */
  timeoutMs?: number;
}

/**
 * Literal pathspecs: a cassette named `get [id].yml` is a file name, not a glob. No prompts: a
 * missing credential must fail the step, not hang it until the job times out.
 */
const BASE_ENV = { GIT_LITERAL_PATHSPECS: '1', GIT_TERMINAL_PROMPT: '0' } as const;

/** What every git process rerecord starts gets: the inherited environment, literal pathspecs, no prompts, and `extra`. */
export function gitEnvironment(repo: GitRepo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...repo.inherited, ...BASE_ENV, ...extra };
}

export async function git(repo: GitRepo, args: readonly string[], options: GitOptions = {}): Promise<GitResult> {
  const result = await gitBytes(repo, args, options);
  return { ...result, stdout: result.stdout.toString('utf8') };
}

/** git with its standard output as bytes, undecoded: a file's content may be anything. */
export function gitBytes(repo: GitRepo, args: readonly string[], options: GitOptions = {}): Promise<Omit<GitResult, 'stdout'> & { stdout: Buffer }> {
  return new Promise((resolve, reject) => {
    const env = gitEnvironment(repo, options.env);
    const maxBuffer = options.maxBuffer ?? 64 * 1024 * 1024;
    const child = execFile('git', args, { cwd: repo.cwd, env, maxBuffer, encoding: 'buffer', timeout: options.timeoutMs ?? 0 }, (error, stdout, stderrBytes) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const stderr = stderrBytes.toString('utf8');
      if (error && code === -1) return reject(new GitError(`could not run git ${args[0]}: ${error.message}`));
      if (code !== 0 && !options.allowFailure) {
        return reject(new GitError(`git ${args[0]} failed (exit ${code}): ${(stderr || stdout.toString('utf8')).trim()}`));
      }
      resolve({ code, stdout, stderr });
    });
    // A git that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

export async function gitText(repo: GitRepo, args: readonly string[], options: GitOptions = {}): Promise<string> {
  return (await git(repo, args, options)).stdout.trim();
}

