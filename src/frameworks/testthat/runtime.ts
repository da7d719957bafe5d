// R's side of a run: the pre-flight check that testthat and vcr load, and testthat's own words for
// a failure.
import type { RuntimeCheck } from '../preset.js';
import { clip, unixLines } from '../shared/failure-text.js';

export function testthatRuntimeCheck(): RuntimeCheck {
  return {
    command: 'Rscript',
    args: ['--vanilla', '-e', 'library(testthat); library(vcr)'],
    what: 'the R packages testthat and vcr in Rscript',
    fix: 'install them into the R library the runner uses (install.packages(c("testthat", "vcr")), or setup-r-dependencies in CI)',
  };
}

/** testthat's first `── Failure/Error (file:line): test ──` block: the header and its first line. */
export function testthatFailure(output: string): string | undefined {
  const text = unixLines(output);
  // `── Failure ('test-a.R:5:3'): name ──` (testthat 3) or the same without the rules (ProgressReporter).
  const header = /^(?:(?:──|--) )?(Failure|Error) \('?([^)']*)'?\): (.*?)[\s─-]*$/m.exec(text);
  if (!header) return undefined;
  const after = text.slice(header.index + header[0].length).split('\n');
  const detail = after.map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('Backtrace'));
  return clip(`${header[1]} (${header[2]}): ${header[3]}${detail ? `: ${detail}` : ''}`);
}
