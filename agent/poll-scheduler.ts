// One timer for every tailer's idle wait. A node follows hundreds or thousands of files and
// most are quiet; with a timer each, the event loop kept a timer (and its closure) per file
// and woke once per file per poll. Here waits fall into slots `resolutionMs` wide (a hashed
// timer wheel keyed by slot number); one clock timer is armed for the earliest non-empty slot,
// and when it fires every wait of every due slot runs in one turn of the loop.

import type { Clock, TimerHandle } from '../common/time/clock.ts';

export class PollScheduler {
  private readonly clock: Clock;
  private readonly resolutionMs: number;
  /** Slot number (deadline ÷ resolution, rounded up) → the waits due then. */
  private readonly slots = new Map<number, Set<() => void>>();
  private timer: TimerHandle | undefined;
  private armedFor = Infinity;

  constructor(clock: Clock, resolutionMs = 50) {
    if (!(resolutionMs > 0)) throw new RangeError(`resolutionMs must be > 0 (got ${resolutionMs})`);
    this.clock = clock;
    this.resolutionMs = resolutionMs;
  }

  /**
   * Calls `fn` once, `ms` from now or up to one slot later (never earlier). Returns a cancel
   * function; cancelling after the call is harmless.
   */
  after(ms: number, fn: () => void): () => void {
    const slot = Math.ceil((this.clock.now() + Math.max(0, ms)) / this.resolutionMs);
    let due = this.slots.get(slot);
    if (!due) this.slots.set(slot, (due = new Set()));
    due.add(fn);
    if (slot < this.armedFor) this.arm(slot);
    return () => {
      due.delete(fn);
      if (!due.size && this.slots.get(slot) === due) this.slots.delete(slot);
      // Nothing left to wait for (every tailer stopped): no timer either.
      if (!this.slots.size && this.timer !== undefined) {
        this.clock.clearTimeout(this.timer);
        this.timer = undefined;
        this.armedFor = Infinity;
      }
    };
  }

  /** Resolves after `ms` (see after()) or when the returned `wake` is called, whichever is first. */
  sleep(ms: number): { done: Promise<void>; wake: () => void } {
    const { promise, resolve } = Promise.withResolvers<void>();
    const cancel = this.after(ms, resolve);
    return {
      done: promise,
      wake: () => {
        cancel();
        resolve();
      },
    };
  }

  /** Waits not yet due (for tests and the idle figures). */
  get pending(): number {
    let n = 0;
    for (const s of this.slots.values()) n += s.size;
    return n;
  }

  /** Distinct deadlines (slots) waiting: what one timer stands in for. */
  get slotCount(): number {
    return this.slots.size;
  }

  private arm(slot: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.armedFor = slot;
    this.timer = this.clock.setTimeout(() => this.fire(), slot * this.resolutionMs - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Math.floor(this.clock.now() / this.resolutionMs);
    let next = Infinity;
    const due: Set<() => void>[] = [];
    for (const [slot, waits] of this.slots) {
      if (slot <= now) {
        this.slots.delete(slot);
        due.push(waits);
      } else if (slot < next) next = slot;
    }
    for (const waits of due) for (const fn of waits) fn();
    // A wait added by one of the calls above armed the timer already if it is earliest.
    if (next < this.armedFor) this.arm(next);
  }
}
