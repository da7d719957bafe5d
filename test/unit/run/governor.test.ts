// The governor on a clock the test moves: which files may start, and when, as answers come back.
import { describe, expect, it } from 'vitest';
import { Governor, type GovernorOptions, type HostPace, type Ticket } from '../../../src/run/governor.js';
import { rateLimitHint } from '../../../src/run/rate-limit-headers.js';

/** A clock that only moves when told, and the waits the governor asks for on it. */
function fakeTime() {
  let now = 0;
  const timers: Array<{ at: number; resolve: () => void }> = [];
  const flush = () => new Promise((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    wait: (ms: number) => new Promise<void>((resolve) => timers.push({ at: now + ms, resolve })),
    async advance(ms: number) {
      const until = now + ms;
      for (;;) {
        await flush();
        const due = timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = Math.max(now, due.at);
        timers.splice(timers.indexOf(due), 1);
        due.resolve();
      }
      now = until;
      await flush();
    },
  };
}

function setUp(options: Partial<GovernorOptions> = {}) {
  const time = fakeTime();
  const controller = new AbortController();
  const governor = new Governor({ workers: 4, signal: controller.signal, now: time.now, wait: time.wait, random: () => 0, ...options });
  const started: Array<{ file: string; at: number; ticket: Ticket }> = [];
  const ended = new Set<string>();
  const queue = (...files: string[]) => {
    for (const file of files) {
      void governor.acquire(file).then((ticket) => {
        if (ticket) started.push({ file, at: time.now(), ticket });
        else ended.add(`${file} (cancelled)`);
      });
    }
  };
  const ticketOf = (file: string) => started.find((start) => start.file === file && !ended.has(file))!.ticket;
  const pass = (file: string, requests = 5) => {
    governor.release(ticketOf(file), { requests, passed: true });
    ended.add(file);
  };
  const throttle = (file: string, retryAfterMs?: number, requests = 3) => {
    governor.release(ticketOf(file), { requests, passed: false, rateLimited: { retryAfterMs, answers: 1 } });
    ended.add(file);
  };
  const startedFiles = () => started.map((start) => start.file);
  return { time, controller, governor, started, startedFiles, queue, pass, throttle, ended, ticketOf };
}

const files = (n: number, prefix = 'f') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

describe('Governor: adaptive concurrency', () => {
  it('runs up to `workers` files at once and starts the next as one ends', async () => {
    const g = setUp();
    g.queue(...files(6));
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2', 'f3', 'f4']);
    g.pass('f2');
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2', 'f3', 'f4', 'f5']);
    expect(g.governor.report().concurrency).toMatchObject({ workers: 4, lowest: 4, final: 4, trace: [] });
  });

  it('a freed slot starts the next file at once, and the release that follows neither frees a second slot nor loses what the file made', async () => {
    const g = setUp({ workers: 2 });
    g.queue(...files(5));
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2']);
    g.governor.freeSlot(g.ticketOf('f1'));
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2', 'f3']);
    // Freeing twice, then releasing, still counts f1 once: f2 and f3 run, nothing more starts.
    g.governor.freeSlot(g.ticketOf('f1'));
    g.pass('f1', 7);
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2', 'f3']);
    expect(g.governor.report().requests).toBe(7);
    g.pass('f2');
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['f1', 'f2', 'f3', 'f4']);
  });

  it('halves once per congestion, holds every start for the Retry-After, then climbs back one per round of passing files, never above workers', async () => {
    const g = setUp({ workers: 8 });
    g.queue(...files(8), ...files(40, 'n'));
    await g.time.advance(0);
    expect(g.started).toHaveLength(8);
    // Three files that were all running when the API pushed back: one congestion, one cut.
    g.throttle('f1', 2000);
    g.throttle('f2', 1000);
    g.throttle('f3', 2000);
    expect(g.governor.report().concurrency.trace).toEqual([{ atMs: 0, limit: 4, why: 'rate-limited' }]);
    // 5 still run against a limit of 4; two end: a slot frees, but the API asked for 2 s.
    g.pass('f4');
    g.pass('f5');
    await g.time.advance(1999);
    expect(g.started).toHaveLength(8);
    await g.time.advance(1);
    expect(g.startedFiles().slice(8)).toEqual(['n1']);
    expect(g.governor.pauseLeft()).toBe(0);
    // Files started after the cut that pass climb the limit back: +1 once a round (4 files at 4) passed.
    for (const file of ['n1', 'f6', 'f7', 'f8']) g.pass(file);
    await g.time.advance(0);
    expect(g.governor.report().concurrency.final).toBe(4);
    for (let round = 0; round < 10; round++) {
      for (const start of g.started.filter((s) => !g.ended.has(s.file))) g.pass(start.file);
      await g.time.advance(0);
    }
    const report = g.governor.report();
    expect(report.concurrency).toMatchObject({ workers: 8, lowest: 4, final: 8 });
    expect(report.concurrency.trace.map((change) => change.limit)).toEqual([4, 5, 6, 7, 8]);
    expect(report).toMatchObject({ rateLimitedAnswers: 3, absorbed: 3, waitedMs: 2000 });
  });

  it('learns the rate the API served before it throttled, paces starts a little under it, and then climbs one per passing file', async () => {
    const g = setUp({ workers: 2, knownRequests: new Map(files(40).map((file) => [file, 10])) });
    g.queue(...files(40));
    const running = () => g.started.filter((start) => !g.ended.has(start.file)).map((start) => start.file);
    // Two files at a time, each 500 ms and 10 requests, for 6 s: 40 requests/s served.
    for (let round = 0; round < 12; round++) {
      await g.time.advance(500);
      for (const file of running()) g.pass(file, 10);
    }
    await g.time.advance(250);
    const [throttled, other] = running();
    g.throttle(throttled!, 1000, 1);
    // The other file still runs: its requests in the window are not known yet, so nothing is learned yet.
    expect(g.governor.report()).toMatchObject({ rateLimit: null, learnedRate: null, concurrency: { final: 1 } });
    g.pass(other!, 10);
    // Over the last 5 s, each file's requests spread over its life, 200 requests were served: 0.9 x 40/s.
    expect(g.governor.report()).toMatchObject({ learnedRate: 36 });
    await g.time.advance(1000);
    const [next] = running();
    // Started after the cut, with a rate learned: it climbs the limit at once.
    g.pass(next!, 10);
    expect(g.governor.report().concurrency.final).toBe(2);
    // 10 requests at 36/s: the next start ~278 ms after the last, though two slots are free.
    await g.time.advance(270);
    expect(running()).toEqual([]);
    await g.time.advance(10);
    expect(running()).toHaveLength(1);
  });

  it('a throttle from a file started after the cut cuts again, down to one', async () => {
    const g = setUp({ workers: 2 });
    g.queue('a', 'b', 'c', 'd');
    await g.time.advance(0);
    g.throttle('a', 1000);
    g.throttle('b', 1000);
    await g.time.advance(1000);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
    g.throttle('c', 1000);
    await g.time.advance(1000);
    expect(g.governor.report().concurrency).toMatchObject({ lowest: 1, final: 1 });
    expect(g.startedFiles()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('without a Retry-After, waits an exponential backoff that grows while throttles go on', async () => {
    const g = setUp({ workers: 1, backoffBaseMs: 1000 });
    g.queue('a', 'b', 'c');
    await g.time.advance(0);
    g.throttle('a');
    // random() = 0: half the ceiling; first ceiling = base.
    await g.time.advance(499);
    expect(g.startedFiles()).toEqual(['a']);
    await g.time.advance(1);
    expect(g.startedFiles()).toEqual(['a', 'b']);
    g.throttle('b');
    await g.time.advance(999);
    expect(g.startedFiles()).toEqual(['a', 'b']);
    await g.time.advance(1);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
  });

  it('never pauses longer than maxPauseMs, whatever the API asks', async () => {
    const g = setUp({ workers: 1, maxPauseMs: 5000 });
    g.queue('a', 'b');
    await g.time.advance(0);
    g.throttle('a', 3_600_000);
    await g.time.advance(5000);
    expect(g.startedFiles()).toEqual(['a', 'b']);
  });

  it('cancelling the run releases every file still waiting, without a start', async () => {
    const g = setUp({ workers: 1 });
    g.queue('a', 'b', 'c');
    await g.time.advance(0);
    g.controller.abort();
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['a']);
    expect([...g.ended].sort()).toEqual(['b (cancelled)', 'c (cancelled)']);
    await expect(g.governor.acquire('d')).resolves.toBeUndefined();
  });
});

describe('Governor: request budget', () => {
  it('spaces starts so the expected requests stay under the rate', async () => {
    const known = new Map([
      ['a', 5],
      ['b', 5],
      ['c', 10],
    ]);
    const g = setUp({ workers: 8, ratePerSecond: 10, knownRequests: known });
    g.queue('a', 'b', 'c', 'd');
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['a']);
    await g.time.advance(500);
    expect(g.startedFiles()).toEqual(['a', 'b']);
    await g.time.advance(500);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
    // c is expected to make 10 requests: a second at 10/s before d.
    await g.time.advance(999);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
    await g.time.advance(1);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c', 'd']);
    // d has no history: it was charged the median of what is known (5).
    expect(g.started[3]!.ticket.charged).toBe(5);
    expect(g.governor.report().pacedMs).toBe(2000);
  });

  it('a file that made more requests than expected pays the difference before the next start', async () => {
    const g = setUp({ workers: 8, ratePerSecond: 10, knownRequests: new Map([['a', 5]]) });
    g.queue('a', 'b');
    await g.time.advance(0);
    // a made 15, not 5: 10 more at 10/s is another second.
    g.pass('a', 15);
    await g.time.advance(1499);
    expect(g.startedFiles()).toEqual(['a']);
    await g.time.advance(1);
    expect(g.startedFiles()).toEqual(['a', 'b']);
    expect(g.governor.report().requests).toBe(15);
  });

  it('with no count known at all, runs one file alone first and then paces on what it made', async () => {
    const g = setUp({ workers: 8, ratePerSecond: 20 });
    g.queue('a', 'b', 'c');
    await g.time.advance(5000);
    expect(g.startedFiles()).toEqual(['a']);
    g.pass('a', 4);
    await g.time.advance(0);
    expect(g.startedFiles()).toEqual(['a', 'b']);
    expect(g.started[1]!.ticket.charged).toBe(4);
    await g.time.advance(200);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
  });

  it('reports the requests, the throttles absorbed and not, and the rate over the run', async () => {
    const g = setUp({ workers: 2, ratePerSecond: 10, knownRequests: new Map([['a', 5]]) });
    g.queue('a', 'b');
    await g.time.advance(500);
    g.pass('a', 5);
    g.throttle('b', 1000, 2);
    g.governor.notAbsorbed(1);
    await g.time.advance(0);
    expect(g.governor.report()).toMatchObject({ rateLimit: 10, requests: 7, rateLimitedAnswers: 1, absorbed: 0, requestsPerSecond: 14 });
  });
});

describe('Governor: what the API says, per host', () => {
  const hostPace = (requests: number, extra: Partial<HostPace> = {}): HostPace => ({ requests, answers: 0, ...extra });

  it('paces to the rate X-RateLimit-Remaining over X-RateLimit-Reset allows, a little under it, without ever being throttled', async () => {
    const g = setUp({ workers: 8, knownRequests: new Map(files(6).map((file) => [file, 5])) });
    g.queue(...files(6));
    await g.time.advance(0);
    expect(g.started).toHaveLength(6);
    // No limit is known yet: all start. The first answer says 100 left for the next 10 s: 10/s, paced to 9/s.
    const hint = rateLimitHint({ 'x-ratelimit-limit': ['5000'], 'x-ratelimit-remaining': ['100'], 'x-ratelimit-reset': ['10'] })!;
    g.governor.release(g.started[0]!.ticket, { requests: 5, passed: true, hosts: { 'api.test': hostPace(5, { hint }) } });
    g.queue('g1', 'g2');
    await g.time.advance(0);
    // g1 was charged 5 requests at 9/s: g2 waits 556 ms (then g1, never seen, may call api.test too).
    expect(g.startedFiles().slice(6)).toEqual(['g1']);
    await g.time.advance(550);
    expect(g.startedFiles().slice(6)).toEqual(['g1']);
    await g.time.advance(10);
    expect(g.startedFiles().slice(6)).toEqual(['g1', 'g2']);
    expect(g.governor.report()).toMatchObject({ learnedRate: null, rateLimitedAnswers: 0, hosts: { 'api.test': { toldRate: 9, learnedRate: null, rateLimitedAnswers: 0 } } });
  });

  it('with shards, each paces to its share of what the headers allow', async () => {
    const g = setUp({ workers: 4, share: 1 / 3 });
    g.queue('a');
    await g.time.advance(0);
    const hint = rateLimitHint({ 'ratelimit-policy': ['30;w=1'] })!;
    g.governor.release(g.started[0]!.ticket, { requests: 1, passed: true, hosts: { 'api.test': hostPace(1, { hint }) } });
    // 30/s for the three shards together: 10/s each, paced to 9/s.
    expect(g.governor.report().hosts).toEqual({ 'api.test': { toldRate: 9, learnedRate: null, rateLimitedAnswers: 0 } });
  });

  it('a throttled attempt stopped early: on its retry the file is charged what it is expected to make, not what it got to', async () => {
    const g = setUp({ workers: 4, knownRequests: new Map([['a', 5]]) });
    g.queue('a');
    await g.time.advance(0);
    const hint = rateLimitHint({ 'ratelimit-policy': ['10;w=1'] })!;
    // Its first request answered 429 (the policy header came with it): 1 request made, of 5.
    g.governor.release(g.started[0]!.ticket, { requests: 1, passed: false, rateLimited: { retryAfterMs: 1000, answers: 1 }, hosts: { 'api.test': hostPace(1, { answers: 1, retryAfterMs: 1000, hint }) } });
    g.queue('a');
    await g.time.advance(1000);
    expect(g.started[1]!.ticket.chargedByHost).toEqual(new Map([['api.test', 5]]));
  });

  it('paces to a RateLimit-Policy quota over its window, and holds a host whose RateLimit says nothing is left until the reset', async () => {
    const g = setUp({ workers: 4 });
    g.queue('a', 'b', 'c');
    await g.time.advance(0);
    const hint = rateLimitHint({ 'ratelimit-policy': ['"default";q=60;w=60'], ratelimit: ['"default";r=0;t=3'] })!;
    g.governor.release(g.started[0]!.ticket, { requests: 1, passed: true, hosts: { 'slow.test': hostPace(1, { hint }) } });
    g.queue('d');
    await g.time.advance(2999);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c']);
    await g.time.advance(1);
    expect(g.startedFiles()).toEqual(['a', 'b', 'c', 'd']);
    // 60 per 60 s: 1/s, paced to 0.9/s.
    expect(g.governor.report().hosts).toEqual({ 'slow.test': { toldRate: 0.9, learnedRate: null, rateLimitedAnswers: 0 } });
  });

  it("a host's Retry-After holds only the files that call that host; a file not seen yet waits for every host", async () => {
    const g = setUp({ workers: 8 });
    g.queue('a1', 'b1');
    await g.time.advance(0);
    g.governor.release(g.started[0]!.ticket, { requests: 2, passed: true, hosts: { 'a.test': hostPace(2) } });
    g.governor.release(g.started[1]!.ticket, { requests: 2, passed: true, hosts: { 'b.test': hostPace(2) } });
    g.queue('a1', 'b1');
    await g.time.advance(0);
    // a1 again: a.test throttles it and asks for 5 s.
    g.governor.release(g.started[2]!.ticket, { requests: 2, passed: false, rateLimited: { retryAfterMs: 5000, answers: 1 }, hosts: { 'a.test': hostPace(2, { answers: 1, retryAfterMs: 5000 }) } });
    g.governor.release(g.started[3]!.ticket, { requests: 2, passed: true, hosts: { 'b.test': hostPace(2) } });
    g.queue('a1', 'new', 'b1');
    await g.time.advance(1000);
    // b1 calls only b.test: it starts past the two waiting on a.test.
    expect(g.startedFiles().slice(4)).toEqual(['b1']);
    await g.time.advance(4000);
    expect(g.startedFiles().slice(4)).toEqual(['b1', 'a1', 'new']);
    expect(g.governor.report()).toMatchObject({ waitedMs: 5000, hosts: { 'a.test': { rateLimitedAnswers: 1 } } });
  });

  it('learns from a throttle per host: only what that host served in the window, each file\'s requests spread over its life', async () => {
    const g = setUp({ workers: 2, knownRequests: new Map(files(40).map((file) => [file, 10])) });
    g.queue(...files(40));
    const running = () => g.started.filter((start) => !g.ended.has(start.file));
    // Two at a time for 6 s, each file 500 ms: 10 requests to a.test and 30 to b.test each.
    for (let round = 0; round < 12; round++) {
      await g.time.advance(500);
      for (const { file, ticket } of running()) {
        g.governor.release(ticket, { requests: 40, passed: true, hosts: { 'a.test': hostPace(10), 'b.test': hostPace(30) } });
        g.ended.add(file);
      }
    }
    await g.time.advance(500);
    const [throttled, other] = running();
    g.governor.release(throttled!.ticket, { requests: 11, passed: false, rateLimited: { retryAfterMs: 1000, answers: 1 }, hosts: { 'a.test': hostPace(1, { answers: 1, retryAfterMs: 1000 }), 'b.test': hostPace(10) } });
    g.ended.add(throttled!.file);
    expect(g.governor.report().learnedRate).toBeNull();
    g.governor.release(other!.ticket, { requests: 40, passed: true, hosts: { 'a.test': hostPace(10), 'b.test': hostPace(30) } });
    g.ended.add(other!.file);
    // a.test served 10 per file, 2 files per 500 ms, over [1.5 s, 6.5 s]: 180, plus 10 from the file
    // still running at the throttle and none from the throttled one (its one request was the 429):
    // 190 in 5 s, paced to 0.9 x 38/s. b.test (never throttled) taught nothing.
    expect(g.governor.report().hosts).toEqual({ 'a.test': { learnedRate: 34.2, toldRate: null, rateLimitedAnswers: 1 } });
  });
});
