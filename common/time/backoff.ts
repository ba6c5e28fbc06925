// The one retry delay policy: exponential with full jitter (a random delay in
// [0, min(max, base·2^attempt)]), as AWS's "Exponential Backoff and Jitter" recommends, so
// that many nodes retrying the same dead broker or cluster do not retry in step. A loop that
// is not a retry against a shared service (an idle file's poll) may ask for no jitter.

export interface BackoffOptions {
  /** First ceiling, in ms. */
  baseMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  /** A value in [0, 1); injected so tests are deterministic. */
  random?: () => number;
  /** Lowest delay, in ms (a floor keeps a hot loop from spinning on jitter near 0). */
  minMs?: number;
  /** 'full' (the default): random below the ceiling; 'none': the ceiling itself. */
  jitter?: 'full' | 'none';
}

/** The delay before retry number `attempt` (0-based). Pure. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  if (opts.jitter === 'none') return Math.max(opts.minMs ?? 0, ceiling);
  return Math.max(opts.minMs ?? 0, Math.floor(random() * ceiling));
}

/** Attempt counter around backoffDelay: `next()` after a failure, `reset()` after a success. */
export class Backoff {
  private attempt = 0;
  private readonly opts: BackoffOptions;
  private readonly random: () => number;

  constructor(opts: BackoffOptions) {
    if (!(opts.baseMs > 0) || !(opts.maxMs >= opts.baseMs))
      throw new RangeError(`backoff needs 0 < baseMs <= maxMs (got ${opts.baseMs}, ${opts.maxMs})`);
    this.opts = opts;
    this.random = opts.random ?? Math.random;
  }

  /** The delay to wait now; the next call's ceiling doubles. */
  next(): number {
    return backoffDelay(this.attempt++, this.opts, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
