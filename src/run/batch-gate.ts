// A batch is `size` consecutive file starts. Before the first start of each new batch, starts
// pause for `delayMs`, sparing the API's rate limit, while files already running go on: no
// worker waits for the slowest file of the previous batch.
import { sleep } from './sleep.js';

export class BatchGate {
  private started = 0;
  private pause: Promise<void> = Promise.resolve();

  constructor(
    private readonly size: number,
    private readonly delayMs: number,
    private readonly signal: AbortSignal,
    private readonly wait: (ms: number, signal: AbortSignal) => Promise<void> = sleep,
  ) {}

  async admit(): Promise<void> {
    const index = this.started++;
    if (index > 0 && index % this.size === 0 && this.delayMs > 0) {
      this.pause = this.pause.then(() => this.wait(this.delayMs, this.signal));
    }
    await this.pause;
  }
}
