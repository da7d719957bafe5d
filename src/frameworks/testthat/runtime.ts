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
  const after = text.slice(header.index + header[0].length).split('\n').map((line) => line.trim());
  const detail = conditionMessage(after);
  return clip(`${header[1]} (${header[2]}): ${header[3]}${detail ? `: ${detail}` : ''}`);
}

/**
 * The condition's own message, as a person would quote it: not its class vector
 * (`<httr2_http_500/httr2_http/.../condition>`), and without the call it came from
 * (`Error in \`req_perform(...)\`: HTTP 500 Internal Server Error.` -> `HTTP 500 Internal Server Error.`),
 * also when rlang puts the message on its own `! ` line.
 */
function conditionMessage(lines: readonly string[]): string | undefined {
  const body = lines.filter((line) => line !== '' && !/^<[\w.]+(?:\/[\w.]+)+>$/.test(line));
  const end = body.findIndex((line) => line.startsWith('Backtrace'));
  const shown = end === -1 ? body : body.slice(0, end);
  const first = shown[0];
  if (first === undefined) return undefined;
  const call = /^Error in (?:`[^`]*`|[^:`]*?) ?:\s*(.*)$/.exec(first);
  if (!call) return first.replace(/^! /, '');
  if (call[1]) return call[1];
  // `Error in \`f()\`:` then rlang's bullets: `! message`, `i hint`.
  const bullet = shown.slice(1).find((line) => line.startsWith('! '));
  return bullet ? bullet.slice(2) : shown[1];
}
