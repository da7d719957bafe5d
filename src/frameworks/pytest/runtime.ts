// Python's side of a run: the pre-flight check that vcrpy and pytest import in the command's own
// Python, and pytest's own words for a failure.
import path from 'node:path';
import type { RuntimeCheck } from '../preset.js';
import { clip, unixLines } from '../shared/failure-text.js';

export function pytestRuntimeCheck(command: readonly string[]): RuntimeCheck {
  // The Python the command runs: `python3 -m pytest`, `uv run python -m pytest`; a bare `pytest` entry point names none.
  // Its own options (`-S`, `-I`) come along: they change what it can import.
  const at = command.findIndex((word) => /^python[\d.]*(?:\.exe)?$/.test(path.basename(word)));
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

/**
 * pytest's short test summary line: `FAILED tests/test_a.py::test_x - assert 503 == 200`. pytest cuts
 * it to the terminal's width (80 columns in a pipe) with `...`: the message is then taken whole from
 * the `E ` lines of the failure above, where pytest prints it uncut.
 */
export function pytestFailure(output: string): string | undefined {
  const text = unixLines(output);
  const summary = text.lastIndexOf('short test summary info');
  const from = summary >= 0 ? text.slice(summary) : text;
  const line = /^(?:FAILED|ERROR) \S+.*$/m.exec(from)?.[0].trim();
  if (line === undefined) return undefined;
  const cut = / - (.+)\.\.\.$/.exec(line);
  const whole = cut ? wholeErrorLine(summary >= 0 ? text.slice(0, summary) : text, cut[1]!) : undefined;
  return clip(whole ? `${line.slice(0, cut!.index)} - ${whole}` : line);
}

/** The last `E   <message>` line that begins with what the summary kept of it. */
function wholeErrorLine(report: string, kept: string): string | undefined {
  const errors = [...report.matchAll(/^E {2,}(.+)$/gm)].map((match) => match[1]!.trim());
  return errors.reverse().find((error) => error.startsWith(kept) && error.length > kept.length);
}
