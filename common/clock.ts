// Time as a dependency: logic takes a Clock, so tests drive time instead of sleeping.

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?(): unknown; ref?(): unknown } | number | object;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
