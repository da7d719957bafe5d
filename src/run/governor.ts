// The pace of a run, set by the API rather than the CPU. Three rules decide when a file may start:
// - concurrency, AIMD: halves when a file comes back throttled (once per congestion: files that
//   started before the last cut add nothing), climbs by one after a full round of files passed at
//   the current level, never above `workers`;
// - a pause, per API host: after a throttled answer, no file that calls that host starts before the
//   Retry-After it sent, else an exponential, jittered backoff; likewise until the reset when its
//   rate-limit headers say nothing is left;
// - a request budget: the run's own (`rate-limit`), and one per API host, paced to what the host
//   says (`X-RateLimit-*`, `RateLimit`, `RateLimit-Policy` headers) or what it was seen to serve
//   before it throttled. Every start spends the requests the file is expected to make (the
//   manifest's count, else the median of what is known) from the budget of each host it calls;
//   starts are spaced so that spending stays under every budget, and a file that made more or fewer
//   than expected settles the difference.
// A file's requests are spread over the life of its test process (when they were made), not
// counted when it ends: a throttle teaches a rate only once every file that ran in the window
// before it has ended, from what the host served in that window, a little under it. The learned
// rate creeps up while files pass. A file whose hosts are not known yet waits for every host.
import { hintedRate, type RateLimitHint } from './rate-limit-headers.js';
import { backoffDelay, sleep } from './sleep.js';
import type { ConcurrencyChange, PaceReport } from '../results/run-outcome.js';

export interface GovernorOptions {
  workers: number;
  /** Requests per second this run may make; undefined: adaptive only. */
  ratePerSecond?: number;
  /**
   * This run's share of every API's limit (1/n with `shard: i/n`, default 1): the limit an API's
   * headers tell is for all shards together. (`ratePerSecond` is given as this run's share already.)
   */
  share?: number;
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
  /** Requests spent from the run's budget at the start. */
  readonly charged: number;
  /** Requests spent from each host's budget at the start. */
  readonly chargedByHost?: ReadonlyMap<string, number>;
  /** How many cuts had happened when it started. */
  readonly epoch: number;
}

/** What one attempt's recordings say about one API host. */
export interface HostPace {
  /** Requests to it, throttled ones included. */
  requests: number;
  /** Its throttling answers. */
  answers: number;
  retryAfterMs?: number;
  /** What its last answer with rate-limit headers said. */
  hint?: RateLimitHint;
}

export interface AttemptPace {
  /** Requests its recordings hold. */
  requests: number;
  passed: boolean;
  /** Throttled: the wait the API asked for (if any) and how many throttling answers. */
  rateLimited?: { retryAfterMs?: number; answers: number };
  /** Per API host, when the recordings name them; without it, everything is one unnamed host. */
  hosts?: Readonly<Record<string, HostPace>>;
  /** When its requests were made, on the governor's clock (its test process's life); default: from its start to now. */
  span?: { from: number; to: number };
  /** Cancelled, or never ran the test: teaches nothing. */
  inconclusive?: boolean;
}


const TRACE_LIMIT = 200;
/** The multiplicative decrease of concurrency. */
const DECREASE = 0.5;
/** How far back a throttle looks to learn what the API serves (it needs that much of the run behind it). */
const LEARNING_WINDOW_MS = 5000;
/** What is kept of the requests served, for learning. */
const MAX_WINDOW_MS = 60_000;
/** How far under what it served (or says) an API is paced. */
const RATE_MARGIN = 0.9;
/** The learned rate's creep per passing file, to find room the API made since. */
const RATE_INCREASE = 1.02;
const MIN_RATE = 0.1;
/** Waiters looked at for one that may start while the first waits on a host: the queue is never scanned whole. */
const LOOK_AHEAD = 64;

interface Waiter {
  file: string;
  resolve: (ticket: Ticket | undefined) => void;
}

interface Host {
  pausedUntil: number;
  /** Virtual time when its budget has room for the next start. */
  budgetAt: number;
  /** Requests per second it was seen to serve before it throttled; undefined until it does. */
  learnedRate?: number;
  /** What it was last seen to serve: the learned rate creeps up to half again as much, no further. */
  lastEstimate: number;
  /** Requests per second its rate-limit headers allow, a little under. */
  toldRate?: number;
  throttleStreak: number;
  answers: number;
}

/** A throttle waiting to teach a rate: once every file that was running when it came has ended. */
interface Lesson {
  host: string;
  at: number;
  waitingFor: Set<Ticket>;
}

export class Governor {
  private limit: number;
  private lowest: number;
  private running = 0;
  private readonly runningTickets = new Set<Ticket>();
  private readonly queue: Waiter[] = [];
  /** Virtual time when the run's own budget (`rate-limit`) has room for the next start. */
  private budgetAt = 0;
  private readonly hosts = new Map<string, Host>();
  /** The hosts each file called last time, and how many requests to each. */
  private readonly fileHosts = new Map<string, Map<string, number>>();
  /** Requests that got an answer (not a throttle), per host, over when they were made: for learning the rate. */
  private readonly served: Array<{ host: string; from: number; to: number; requests: number }> = [];
  private readonly lessons: Lesson[] = [];
  private cuts = 0;
  private passedAtLevel = 0;
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

  /**
   * The ticket's test process ended and the attempt runs no other: the next file may start while
   * this one's recordings are read and kept. What they held comes later, with `release`.
   */
  freeSlot(ticket: Ticket): void {
    if (!this.runningTickets.delete(ticket)) return;
    this.running--;
    this.lastEnd = this.now();
    this.pump();
  }

  release(ticket: Ticket, pace: AttemptPace): void {
    const now = this.now();
    if (this.runningTickets.delete(ticket)) {
      this.running--;
      this.lastEnd = now;
    }
    this.requests += pace.requests;
    if (!pace.inconclusive) {
      this.heardBack = true;
      this.learn(ticket, pace, now);
    }
    this.settleLessons(ticket);
    this.pump();
  }

  /** Ms until a throttled file may try again (the longest pause of any host), 0 when none. */
  pauseLeft(): number {
    const now = this.now();
    return Math.max(0, ...[...this.hosts.values()].map((host) => host.pausedUntil - now));
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
    const round = (rate: number | undefined) => (rate === undefined ? null : Math.round(rate * 100) / 100);
    const learned = [...this.hosts.values()].map((host) => host.learnedRate).filter((rate): rate is number => rate !== undefined);
    const hosts = Object.fromEntries(
      [...this.hosts]
        .filter(([, host]) => host.learnedRate !== undefined || host.toldRate !== undefined || host.answers > 0)
        .map(([name, host]) => [name, { learnedRate: round(host.learnedRate), toldRate: round(host.toldRate), rateLimitedAnswers: host.answers }]),
    );
    return {
      rateLimit: this.options.ratePerSecond ?? null,
      learnedRate: learned.length === 0 ? null : round(Math.min(...learned)),
      ...(Object.keys(hosts).length > 0 ? { hosts } : {}),
      requests: this.requests,
      rateLimitedAnswers: this.answers,
      absorbed: this.answers - this.unabsorbed,
      requestsPerSecond: span > 0 ? Math.round((this.requests / span) * 1000 * 100) / 100 : 0,
      waitedMs: Math.round(this.waitedMs),
      pacedMs: Math.round(this.pacedMs),
      concurrency: { workers: this.options.workers, lowest: this.lowest, final: this.limit, trace: [...this.trace], traceTruncated: this.traceTruncated },
    };
  }

  private host(name: string): Host {
    let host = this.hosts.get(name);
    if (!host) {
      host = { pausedUntil: 0, budgetAt: 0, lastEstimate: 0, throttleStreak: 0, answers: 0 };
      this.hosts.set(name, host);
    }
    return host;
  }

  private learn(ticket: Ticket, pace: AttemptPace, now: number): void {
    const hosts: Record<string, HostPace> = pace.hosts ?? { '': { requests: pace.requests, answers: pace.rateLimited?.answers ?? 0, ...(pace.rateLimited?.retryAfterMs !== undefined ? { retryAfterMs: pace.rateLimited.retryAfterMs } : {}) } };
    // Settle the budgets: the file spent what it recorded, not what we guessed.
    if (this.options.ratePerSecond !== undefined) this.budgetAt += ((pace.requests - ticket.charged) / this.options.ratePerSecond) * 1000;
    for (const [name, charged] of ticket.chargedByHost ?? []) {
      const host = this.hosts.get(name);
      const rate = host && this.hostRate(host);
      if (host && rate !== undefined) host.budgetAt += (((hosts[name]?.requests ?? 0) - charged) / rate) * 1000;
    }
    const from = pace.span?.from ?? ticket.startedAt;
    const to = Math.max(from, pace.span?.to ?? now);
    const throttled = Object.values(hosts).some((host) => host.answers > 0) || pace.rateLimited !== undefined;
    const counts = new Map<string, number>();
    for (const [name, seen] of Object.entries(hosts)) {
      counts.set(name, seen.requests);
      const host = this.host(name);
      this.served.push({ host: name, from, to, requests: Math.max(0, seen.requests - seen.answers) });
      if (seen.hint) this.hear(host, seen.hint, now);
      if (seen.answers > 0) {
        host.answers += seen.answers;
        host.throttleStreak++;
        const asked = seen.retryAfterMs ?? backoffDelay(host.throttleStreak, this.options.backoffBaseMs ?? 1000, this.random);
        host.pausedUntil = Math.max(host.pausedUntil, now + Math.min(asked, this.options.maxPauseMs ?? Infinity));
        // Files already running when we cut were started at the old level: their throttles are the same congestion.
        if (ticket.epoch === this.cuts) this.lessons.push({ host: name, at: now, waitingFor: new Set(this.runningTickets) });
      } else if (!throttled) {
        host.throttleStreak = 0;
        if (ticket.epoch === this.cuts && host.learnedRate !== undefined) host.learnedRate = Math.min(host.learnedRate * RATE_INCREASE, host.lastEstimate * 1.5);
      }
    }
    if (pace.hosts && counts.size > 0) this.fileHosts.set(ticket.file, counts);
    while (this.served.length > 0 && this.served[0]!.to < now - MAX_WINDOW_MS) this.served.shift();
    if (throttled) {
      this.answers += pace.rateLimited?.answers ?? Object.values(hosts).reduce((sum, host) => sum + host.answers, 0);
      if (ticket.epoch === this.cuts) {
        this.cuts++;
        this.passedAtLevel = 0;
        this.setLimit(Math.max(1, Math.floor(this.limit * DECREASE)), 'rate-limited', now);
      }
      return;
    }
    if (pace.requests > 0) this.observed.push(pace.requests);
    if (ticket.epoch !== this.cuts) return;
    if (this.limit >= this.options.workers) return;
    // Once a rate is learned, it holds the pace: concurrency climbs back one per passing file.
    // Before, a level must pass a full round (one file per slot) before the next step.
    const paced = [...this.hosts.values()].some((host) => this.hostRate(host) !== undefined);
    if (paced || ++this.passedAtLevel >= this.limit) {
      this.passedAtLevel = 0;
      this.setLimit(this.limit + 1, 'recovered', now);
    }
  }

  /** What a host's rate-limit headers say: a rate to pace to, and a pause when nothing is left. */
  private hear(host: Host, hint: RateLimitHint, now: number): void {
    const told = hintedRate(hint);
    if (!told) return;
    if (told.exhausted && hint.resetMs !== undefined) host.pausedUntil = Math.max(host.pausedUntil, now + Math.min(hint.resetMs, this.options.maxPauseMs ?? Infinity));
    if (told.rate > 0) host.toldRate = Math.max(MIN_RATE, told.rate * RATE_MARGIN * (this.options.share ?? 1));
  }

  /** A file that was running when a throttle came has ended: lessons no longer waiting on anything are learned. */
  private settleLessons(ticket: Ticket): void {
    for (const lesson of [...this.lessons]) {
      lesson.waitingFor.delete(ticket);
      if (lesson.waitingFor.size > 0) continue;
      this.lessons.splice(this.lessons.indexOf(lesson), 1);
      this.learnRate(lesson.host, lesson.at);
    }
  }

  /** What the host served over the window before the throttle at `at`, a little under it. */
  private learnRate(name: string, at: number): void {
    // Each file's requests are spread over its test's life: a file running across the window's
    // edge counts for the part inside. Every file that ran in the window has ended by now.
    if (this.firstStart === undefined || at - this.firstStart < LEARNING_WINDOW_MS) return;
    const from = at - LEARNING_WINDOW_MS;
    let served = 0;
    for (const entry of this.served) {
      if (entry.host !== name || entry.to < from || entry.from > at) continue;
      const length = entry.to - entry.from;
      served += length <= 0 ? entry.requests : (entry.requests * (Math.min(entry.to, at) - Math.max(entry.from, from))) / length;
    }
    if (served <= 0) return;
    const host = this.host(name);
    const estimate = Math.max(MIN_RATE, (served / (LEARNING_WINDOW_MS / 1000)) * RATE_MARGIN);
    host.lastEstimate = estimate;
    host.learnedRate = host.learnedRate === undefined ? estimate : Math.min(host.learnedRate * RATE_MARGIN, estimate);
    this.pump();
  }

  /** Requests per second a host is paced to: what it said, or what was learned, whichever is lower. */
  private hostRate(host: Host): number | undefined {
    if (host.toldRate === undefined) return host.learnedRate;
    return host.learnedRate === undefined ? host.toldRate : Math.min(host.toldRate, host.learnedRate);
  }

  /** The hosts a file calls as last seen; a file not seen yet may call any of them. */
  private hostsOf(file: string): Array<[string, Host]> {
    const known = this.fileHosts.get(file);
    if (!known) return [...this.hosts];
    return [...known.keys()].flatMap((name) => {
      const host = this.hosts.get(name);
      return host ? [[name, host] as [string, Host]] : [];
    });
  }

  /** When the file may start, and what holds it: a host's pause, or a budget. */
  private readyAt(file: string): { at: number; by: 'pause' | 'budget' } {
    let pause = 0;
    let budget = this.options.ratePerSecond === undefined ? 0 : this.budgetAt;
    for (const [, host] of this.hostsOf(file)) {
      pause = Math.max(pause, host.pausedUntil);
      if (this.hostRate(host) !== undefined) budget = Math.max(budget, host.budgetAt);
    }
    return pause >= budget ? { at: pause, by: 'pause' } : { at: budget, by: 'budget' };
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
      // The first waiter that may start now; else wait for the earliest that may.
      let index = -1;
      let earliest: { at: number; by: 'pause' | 'budget' } | undefined;
      for (let i = 0; i < Math.min(this.queue.length, LOOK_AHEAD); i++) {
        const ready = this.readyAt(this.queue[i]!.file);
        if (ready.at <= now) {
          index = i;
          break;
        }
        if (!earliest || ready.at < earliest.at) earliest = ready;
      }
      if (index < 0) {
        if (this.held?.by !== earliest!.by) {
          this.stopHolding(now);
          this.held = { since: now, by: earliest!.by };
        }
        this.wakeUpAt(earliest!.at);
        return;
      }
      this.stopHolding(now);
      const waiter = this.queue.splice(index, 1)[0]!;
      const expected = this.expectedRequests(waiter.file);
      const charged = this.options.ratePerSecond === undefined ? 0 : expected;
      if (this.options.ratePerSecond !== undefined) this.budgetAt = Math.max(this.budgetAt, now) + (charged / this.options.ratePerSecond) * 1000;
      const chargedByHost = new Map<string, number>();
      // What the file is expected to make, split among its hosts as its last attempt split them (a
      // throttled attempt stopped early: its counts say where, not how many).
      const known = this.fileHosts.get(waiter.file);
      const total = known ? [...known.values()].reduce((sum, count) => sum + count, 0) : 0;
      for (const [name, host] of this.hostsOf(waiter.file)) {
        const rate = this.hostRate(host);
        if (rate === undefined) continue;
        const requests = known && total > 0 ? (expected * (known.get(name) ?? 0)) / total : expected;
        chargedByHost.set(name, requests);
        host.budgetAt = Math.max(host.budgetAt, now) + (requests / rate) * 1000;
      }
      this.running++;
      this.firstStart ??= now;
      const ticket: Ticket = { file: waiter.file, startedAt: now, charged, chargedByHost, epoch: this.cuts };
      this.runningTickets.add(ticket);
      waiter.resolve(ticket);
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
