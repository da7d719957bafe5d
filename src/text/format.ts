/** 850ms, 12.3s, 4m05s, 1h02m: short enough for a progress line, exact enough to compare. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.round(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `entry 3`, `entries 1, 4 and 9`, `entries 1, 2, 3, 4, 5 and 7 more`: a log's entries named by position, never quoted. */
export function entryNumbers(numbers: readonly number[]): string {
  if (numbers.length === 1) return `entry ${numbers[0]}`;
  const shown = numbers.slice(0, 5).map(String);
  if (numbers.length > 5) return `entries ${shown.join(', ')} and ${numbers.length - 5} more`;
  return `entries ${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}`;
}

/** `1 cassette`, `2 cassettes`: a count with its noun (`plural` when the noun is irregular). */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
