// Ruby's side of a run: the pre-flight check that the vcr gem loads (through bundler when the
// command uses it), and RSpec's own words for a failure.
import type { RuntimeCheck } from '../preset.js';
import { clip, unixLines } from '../shared/failure-text.js';

export function rspecRuntimeCheck(command: readonly string[]): RuntimeCheck {
  const bundled = command[0] === 'bundle' && command[1] === 'exec';
  const prefix = bundled ? ['bundle', 'exec', 'ruby'] : ['ruby'];
  return {
    command: prefix[0]!,
    args: [...prefix.slice(1), '-e', 'require "vcr"'],
    what: `the vcr gem in ${prefix.join(' ')}`,
    fix: bundled ? 'add vcr to the Gemfile and run bundle install' : 'gem install vcr, or run with command: bundle exec rspec {file}',
  };
}

/** RSpec's first entry under `Failures:`: `1) Thing does x: expected: 200 got: 503`. */
export function rspecFailure(output: string): string | undefined {
  const text = unixLines(output);
  const start = text.indexOf('\nFailures:\n');
  if (start < 0) return undefined;
  const lines = text.slice(start + 11).split('\n');
  const first = lines.findIndex((line) => /^\s+1\) /.test(line));
  if (first < 0) return undefined;
  const title = lines[first]!.trim().replace(/^1\) /, '');
  const details: string[] = [];
  for (const line of lines.slice(first + 1)) {
    const trimmed = line.trim();
    if (/^\d+\) /.test(trimmed) || trimmed.startsWith('# ')) break;
    if (trimmed !== '') details.push(trimmed);
    if (details.length === 3) break;
  }
  return clip([title, ...details].join(' '));
}
