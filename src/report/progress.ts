// One line per finished file: done/total, failures so far, ETA from the pace so far.
import type { FileResult } from '../results/run-outcome.js';
import { formatDuration } from '../text/format.js';

export class Progress {
  private done = 0;
  private failed = 0;

  constructor(
    private readonly total: number,
    private readonly startedAt: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  line(result: FileResult): string {
    this.done++;
    if (result.status !== 'succeeded') this.failed++;
    const elapsed = this.now() - this.startedAt;
    const remaining = this.total - this.done;
    const eta = remaining === 0 ? 'done' : `ETA ${formatDuration((elapsed / this.done) * remaining)}`;
    const mark = result.status === 'succeeded' ? 'ok  ' : result.status === 'failed' ? 'FAIL' : 'skip';
    const why = result.status !== 'succeeded' ? ` (${result.reason})` : result.cassettes.length === 0 ? ' (ran, nothing to record)' : '';
    const width = String(this.total).length;
    return `[${String(this.done).padStart(width)}/${this.total}] ${mark} ${result.file} ${formatDuration(result.durationMs)}${why} · ${this.failed} failed · ${eta}`;
  }
}
