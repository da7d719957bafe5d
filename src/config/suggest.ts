// "Did you mean": the known word closest to a mistyped one, when it is close enough to be the one
// meant (a typo, a missing or extra letter, a swapped pair, a plural), else nothing.

/** The candidate `word` most likely meant, or undefined when none is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const typed = word.toLowerCase();
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  if (best === undefined) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(typed.length, best.candidate.length) / 4));
  return best.candidate !== word && best.distance <= allowed ? best.candidate : undefined;
}

/** `; did you mean X?` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>, shown: (candidate: string) => string = (candidate) => candidate): string {
  const match = closest(word, candidates);
  return match === undefined ? '' : `; did you mean ${shown(match)}?`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = value;
    }
  }
  return rows[a.length]![b.length]!;
}
