// The part of a failed file's output a person wants first: the failing assertion and its error
// lines, with the source line that raised it, rather than the runner's header, a traceback's
// middle or the closing counters.

/** Where each runner says what failed, most telling first; `before`: lines of context above it. */
const ANCHORS: ReadonlyArray<{ pattern: RegExp; before: number }> = [
  // pytest: the `E   ...` lines, after the `>   source` line that raised.
  { pattern: /^E\s{2,}\S/, before: 3 },
  // testthat 3: `── Failure ('test-a.R:5:3'): name ──`, or without the rules.
  { pattern: /^(?:(?:──|--) )?(?:Failure|Error) \('?[^)]*'?\): /, before: 0 },
  // RSpec: `Failure/Error: expect(...)`, after the example's number and name.
  { pattern: /^Failure\/Error:/, before: 1 },
  // node --test / TAP.
  { pattern: /^not ok\b/, before: 0 },
];
const FAILURE_MARKER = /^(not ok\b|.*\b(Error|Failure|FAIL|AssertionError|Timeout)\b)/;

export function failureExcerpt(output: string, maxLines = 12): string {
  const lines = output.replace(/\s+$/, '').split('\n');
  const trimmed = lines.map((line) => line.trim());
  for (const { pattern, before } of ANCHORS) {
    const anchor = trimmed.findIndex((line) => pattern.test(line));
    if (anchor === -1) continue;
    const from = contextStart(trimmed, anchor, before);
    // A run of pytest `E` lines is one message: never cut it short of its end, within twice the room.
    let to = Math.max(from + maxLines, anchor + 1);
    while (to < lines.length && to < from + maxLines * 2 && /^E\s/.test(trimmed[to - 1]!) && /^E\s/.test(trimmed[to]!)) to++;
    return lines.slice(from, to).join('\n');
  }
  const first = trimmed.findIndex((line) => FAILURE_MARKER.test(line));
  const from = first === -1 ? Math.max(0, lines.length - maxLines) : first;
  return lines.slice(from, from + maxLines).join('\n');
}

/** Up to `before` lines above the anchor, never across a blank line (another block). */
function contextStart(lines: readonly string[], anchor: number, before: number): number {
  let from = anchor;
  while (from > 0 && anchor - from < before && lines[from - 1] !== '') from--;
  return from;
}
