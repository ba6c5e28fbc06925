// Time as a dependency: logic takes a Clock, so tests drive time instead of sleeping.
// Runtime code never calls setTimeout or Date.now directly; it asks its Clock.

export type TimerHandle = { unref?(): unknown; ref?(): unknown } | number | object;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Lets a pending timer not hold the process open (real timers; a fake one has nothing to do). */
export function unref(handle: TimerHandle): void {
  if (typeof handle === 'object' && 'unref' in handle) handle.unref?.();
}

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (never rejects): a retry
 * loop checks its own stop condition after waking. `weak` (unref) keeps a pending wait from holding
 * the process open on shutdown.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal, weak = false): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(handle);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, Math.max(0, ms));
    if (weak) unref(handle);
    signal?.addEventListener('abort', done, { once: true });
  });
}
