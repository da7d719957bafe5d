// The pace of a run, set by the API rather than the CPU. Three rules decide when a file may start:
// - concurrency, AIMD: halves when a file comes back throttled (once per congestion: files that
//   started before the last cut add nothing), climbs by one after a full round of files passed at
//   the current level, never above `workers`;
// - a pause: after a throttled answer, no file starts before the Retry-After the API sent, else
//   an exponential, jittered backoff;
// - a request budget (`rate-limit`): every start spends the requests the file is expected to make
//   (the manifest's count, else the median of what is known); starts are spaced so that spending
//   stays under the budget, and a file that made more or fewer than expected settles the difference.
//   A throttle also teaches a rate: what the API served over the last seconds, a little under it.
//   From then on starts are paced to the lower of the two, and the learned rate creeps up while
//   files pass. Concurrency alone cannot hold a rate: a file is short or long for other reasons.
import { backoffDelay, sleep } from './sleep.js';
import type { ConcurrencyChange, PaceReport } from '../results/run-outcome.js';

export interface GovernorOptions {
  workers: number;
  /** Requests per second this run may make; undefined: adaptive only. */
  ratePerSecond?: number;
  /** Requests each file made when last re-recorded (from the manifest). */
  knownRequests?: ReadonlyMap<string, number>;
  /** The longest a pause may last (the `rate-limit-wait`): a Retry-After of an hour never stalls a run for an hour. */
  maxPauseMs?: number;
  backoffBaseMs?: number;
  signal: AbortSignal;
  /** Injected in tests. */
  now?: () => number;
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface Ticket {
  readonly file: string;
  readonly startedAt: number;
  /** Requests spent from the budget at the start. */
  readonly charged: number;
  /** How many cuts had happened when it started. */
  readonly epoch: number;
}

export interface AttemptPace {
  /** Requests its recordings hold. */
  requests: number;
  passed: boolean;
  /** Throttled: the wait the API asked for (if any) and how many throttling answers. */
  rateLimited?: { retryAfterMs?: number; answers: number };
  /** Cancelled, or never ran the test: teaches nothing. */
  inconclusive?: boolean;
}


const TRACE_LIMIT = 200;
/** The multiplicative decrease of concurrency. */
const DECREASE = 0.5;
/** How far back a throttle looks to learn what the API serves, and how far under it starts are paced. */
const LEARNING_WINDOW_MS = 5000;
/** Files slower than half of this teach no rate: concurrency and the pauses alone hold the pace. */
const MAX_WINDOW_MS = 60_000;
const RATE_MARGIN = 0.9;
/** The learned rate's creep per passing file, to find room the API made since. */
const RATE_INCREASE = 1.02;
const MIN_RATE = 0.1;

interface Waiter {
  file: string;
  resolve: (ticket: Ticket | undefined) => void;
}

export class Governor {
  private limit: number;
  private lowest: number;
  private running = 0;
  private readonly queue: Waiter[] = [];
  private pausedUntil = 0;
  /** Virtual time when the budget has room for the next start. */
  private budgetAt = 0;
  /** Requests per second the API was seen to serve before it throttled; undefined until it does. */
  private learnedRate: number | undefined;
  /** What the API was last seen to serve: the learned rate creeps up to half again as much, no further. */
  private lastEstimate = 0;
  /** Requests that got an answer (not a throttle), by when their attempt ended: for learning the rate. */
  private readonly served: Array<{ at: number; requests: number; tookMs: number }> = [];
  private cuts = 0;
  private passedAtLevel = 0;
  private throttleStreak = 0;
  private wakeAt = Infinity;
  private readonly observed: number[] = [];
  /** Some attempt has ended and told us what a file costs. */
  private heardBack = false;
  private readonly trace: ConcurrencyChange[] = [];
  private traceTruncated = false;
  private readonly startedAt: number;
  private firstStart: number | undefined;
  private lastEnd: number | undefined;
  private requests = 0;
  private answers = 0;
  private unabsorbed = 0;
  private waitedMs = 0;
  private pacedMs = 0;
  /** Since when, and by what, starts have been held back while some file was queued. */
  private held: { since: number; by: 'pause' | 'budget' } | undefined;
  private readonly now: () => number;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: GovernorOptions) {
    this.limit = options.workers;
    this.lowest = options.workers;
    this.now = options.now ?? (() => performance.now());
    this.wait = options.wait ?? sleep;
    this.random = options.random ?? Math.random;
    this.startedAt = this.now();
    options.signal.addEventListener('abort', () => this.drain(), { once: true });
  }

  /** Resolves with a ticket when the file may start, or undefined when the run was cancelled. */
  acquire(file: string): Promise<Ticket | undefined> {
    if (this.options.signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.queue.push({ file, resolve });
      this.pump();
    });
  }

  release(ticket: Ticket, pace: AttemptPace): void {
    const now = this.now();
    this.running--;
    this.lastEnd = now;
    this.requests += pace.requests;
    if (!pace.inconclusive) {
      this.heardBack = true;
      this.learn(ticket, pace, now);
    }
    this.pump();
  }

  /** Ms until a throttled file may try again (the pause), 0 when none. */
  pauseLeft(): number {
    return Math.max(0, this.pausedUntil - this.now());
  }

  /** The throttling answers of a file that ended failed on them: seen, but not absorbed. */
  notAbsorbed(answers: number): void {
    this.unabsorbed += answers;
  }

  /** Requests a file is expected to make: its own count, else the median of every count known. */
  expectedRequests(file: string): number {
    const own = this.options.knownRequests?.get(file);
    if (own !== undefined) return own;
    const known = [...(this.options.knownRequests?.values() ?? []), ...this.observed].sort((a, b) => a - b);
    if (known.length === 0) return 1;
    return known[Math.floor((known.length - 1) / 2)]!;
  }

  report(): PaceReport {
    const span = this.firstStart === undefined || this.lastEnd === undefined ? 0 : this.lastEnd - this.firstStart;
    return {
      rateLimit: this.options.ratePerSecond ?? null,
      learnedRate: this.learnedRate === undefined ? null : Math.round(this.learnedRate * 100) / 100,
      requests: this.requests,
      rateLimitedAnswers: this.answers,
      absorbed: this.answers - this.unabsorbed,
      requestsPerSecond: span > 0 ? Math.round((this.requests / span) * 1000 * 100) / 100 : 0,
      waitedMs: Math.round(this.waitedMs),
      pacedMs: Math.round(this.pacedMs),
      concurrency: { workers: this.options.workers, lowest: this.lowest, final: this.limit, trace: [...this.trace], traceTruncated: this.traceTruncated },
    };
  }

  private learn(ticket: Ticket, pace: AttemptPace, now: number): void {
    const rate = this.pacingRate();
    // Settle the budget: the file spent what it recorded, not what we guessed.
    if (rate !== undefined) this.budgetAt += ((pace.requests - ticket.charged) / rate) * 1000;
    this.served.push({ at: now, requests: Math.max(0, pace.requests - (pace.rateLimited?.answers ?? 0)), tookMs: now - ticket.startedAt });
    while (this.served.length > 0 && this.served[0]!.at < now - MAX_WINDOW_MS) this.served.shift();
    if (pace.rateLimited) {
      this.answers += pace.rateLimited.answers;
      this.throttleStreak++;
      const asked = pace.rateLimited.retryAfterMs ?? backoffDelay(this.throttleStreak, this.options.backoffBaseMs ?? 1000, this.random);
      const pause = Math.min(asked, this.options.maxPauseMs ?? Infinity);
      this.pausedUntil = Math.max(this.pausedUntil, now + pause);
      // Files already running when we cut were started at the old level: their throttles are the same congestion.
      if (ticket.epoch === this.cuts) {
        this.learnRate(now);
        this.cuts++;
        this.passedAtLevel = 0;
        this.setLimit(Math.max(1, Math.floor(this.limit * DECREASE)), 'rate-limited', now);
      }
      return;
    }
    if (pace.requests > 0) this.observed.push(pace.requests);
    this.throttleStreak = 0;
    if (ticket.epoch !== this.cuts) return;
    if (this.learnedRate !== undefined) this.learnedRate = Math.min(this.learnedRate * RATE_INCREASE, this.lastEstimate * 1.5);
    if (this.limit >= this.options.workers) return;
    // Once a rate is learned, it holds the pace: concurrency climbs back one per passing file.
    // Before, a level must pass a full round (one file per slot) before the next step.
    if (this.learnedRate !== undefined || ++this.passedAtLevel >= this.limit) {
      this.passedAtLevel = 0;
      this.setLimit(this.limit + 1, 'recovered', now);
    }
  }

  /** What the API served over the window before this throttle, a little under it. */
  private learnRate(now: number): void {
    // Requests are counted when their file ends. Once files have been ending steadily for a while
    // (a file's time after the first start, plus the window), the ones ending in the window made
    // about what the API served over it; before that, the files still running would make the API
    // look far slower than it is.
    const tookMs = this.served.map((entry) => entry.tookMs).sort((a, b) => a - b);
    const typical = tookMs.length === 0 ? 0 : tookMs[Math.floor((tookMs.length - 1) / 2)]!;
    const window = Math.max(LEARNING_WINDOW_MS, 2 * typical);
    if (this.firstStart === undefined || now - this.firstStart < window + typical || window > MAX_WINDOW_MS) return;
    const seconds = window / 1000;
    const served = this.served.filter((entry) => entry.at >= now - window).reduce((sum, entry) => sum + entry.requests, 0);
    if (served === 0) return;
    const estimate = Math.max(MIN_RATE, (served / seconds) * RATE_MARGIN);
    this.lastEstimate = estimate;
    this.learnedRate = this.learnedRate === undefined ? estimate : Math.min(this.learnedRate * RATE_MARGIN, estimate);
  }

  /** Requests per second starts are paced to: the budget, or what was learned, whichever is lower. */
  private pacingRate(): number | undefined {
    const budget = this.options.ratePerSecond;
    if (budget === undefined) return this.learnedRate;
    return this.learnedRate === undefined ? budget : Math.min(budget, this.learnedRate);
  }

  private setLimit(limit: number, why: ConcurrencyChange['why'], now: number): void {
    if (limit === this.limit) return;
    this.limit = limit;
    this.lowest = Math.min(this.lowest, limit);
    if (this.trace.length < TRACE_LIMIT) this.trace.push({ atMs: Math.round(now - this.startedAt), limit, why });
    else this.traceTruncated = true;
  }

  private pump(): void {
    if (this.options.signal.aborted) return this.drain();
    while (this.queue.length > 0 && this.running < this.limit && !this.learningFirst()) {
      const now = this.now();
      const rate = this.pacingRate();
      const readyAt = Math.max(this.pausedUntil, rate === undefined ? 0 : this.budgetAt);
      if (readyAt > now) {
        const by = this.pausedUntil > now ? 'pause' : 'budget';
        if (this.held?.by !== by) {
          this.stopHolding(now);
          this.held = { since: now, by };
        }
        this.wakeUpAt(readyAt);
        return;
      }
      this.stopHolding(now);
      const waiter = this.queue.shift()!;
      const charged = rate === undefined ? 0 : this.expectedRequests(waiter.file);
      if (rate !== undefined) this.budgetAt = Math.max(this.budgetAt, now) + (charged / rate) * 1000;
      this.running++;
      this.firstStart ??= now;
      waiter.resolve({ file: waiter.file, startedAt: now, charged, epoch: this.cuts });
    }
    if (this.queue.length === 0) this.stopHolding(this.now());
  }

  /**
   * With a budget and no count known yet, one file runs alone first: starting `workers` files on a
   * guess of one request each would spend the budget several times over before anything is learned.
   */
  private learningFirst(): boolean {
    return this.options.ratePerSecond !== undefined && this.running > 0 && (this.options.knownRequests?.size ?? 0) === 0 && !this.heardBack;
  }

  private stopHolding(now: number): void {
    if (!this.held) return;
    if (this.held.by === 'pause') this.waitedMs += now - this.held.since;
    else this.pacedMs += now - this.held.since;
    this.held = undefined;
  }

  private wakeUpAt(at: number): void {
    if (this.wakeAt <= at && this.wakeAt > this.now()) return;
    this.wakeAt = at;
    void this.wait(Math.max(1, Math.ceil(at - this.now())), this.options.signal).then(() => {
      if (this.wakeAt === at) this.wakeAt = Infinity;
      this.pump();
    });
  }

  private drain(): void {
    for (const waiter of this.queue.splice(0)) waiter.resolve(undefined);
  }
}
