// A Clock that moves only when a test says so: unit tests of stateful code (retry loops,
// pollers, leases) advance time instead of sleeping. For tests; runtime code uses systemClock.

import type { Clock, TimerHandle } from './clock.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.timers.push(timer);
    return { id: timer.id, unref: () => undefined, ref: () => undefined };
  }

  clearTimeout(handle: unknown): void {
    const id = (handle as { id?: number } | undefined)?.id;
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.length;
  }

  /** When each pending timer fires, soonest first. */
  get deadlines(): number[] {
    return this.timers.map((t) => t.at).sort((a, b) => a - b);
  }

  /** When the next timer fires, or undefined. */
  get nextAt(): number | undefined {
    return this.timers.reduce<number | undefined>(
      (m, t) => (m === undefined || t.at < m ? t.at : m),
      undefined,
    );
  }

  /**
   * Moves time forward by `ms`, firing due timers in order; between timers it lets promise
   * callbacks run, so code that awaits after a wake schedules its next timer before time moves on.
   */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = until;
    await flushMicrotasks();
  }

  /**
   * Moves time from timer to timer until `p` settles, and returns it: for code under test
   * that waits on this clock between steps (retry loops). Throws if `p` is still pending with
   * no timer left to fire, or after `limitMs`, instead of hanging the test.
   */
  async run<T>(p: Promise<T>, limitMs = 24 * 3600_000): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    const until = this.t + limitMs;
    for (;;) {
      await flushMicrotasks();
      if (settled) return p;
      const next = this.nextAt;
      if (next === undefined)
        throw new Error('FakeClock.run: the promise waits on something other than this clock');
      if (next > until) throw new Error(`FakeClock.run: still pending after ${limitMs} ms of fake time`);
      await this.advance(next - this.t);
    }
  }
}

/** Lets every queued promise callback (and those they queue) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
