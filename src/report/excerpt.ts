// The part of a failed file's output a person wants first: from the first failure marker on,
// rather than the runner's closing counters.
const FAILURE_MARKER = /^(not ok\b|.*\b(Error|Failure|FAIL|AssertionError|Timeout)\b)/;

export function failureExcerpt(output: string, maxLines = 12): string {
  const lines = output.replace(/\s+$/, '').split('\n');
  const first = lines.findIndex((line) => FAILURE_MARKER.test(line.trim()));
  const from = first === -1 ? Math.max(0, lines.length - maxLines) : first;
  return lines.slice(from, from + maxLines).join('\n');
}
