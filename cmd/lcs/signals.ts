// What a termination signal means to a running component. The first one starts a clean
// shutdown. Another while it runs is usually the same request delivered twice: Ctrl-C reaches
// every process of the terminal's process group, and a parent (the demo, npm, a wrapper
// script) then forwards it or sends its own SIGTERM a moment later. Exiting on that would skip
// the commit, the group leave and the final checkpoint, so only a person can cut the shutdown
// short: Ctrl-C (SIGINT) again, at least `repeatMs` after the first signal.

import type { Clock } from '../../common/time/clock.ts';

export type SignalDecision = 'shut-down' | 'already-stopping' | 'exit-now';

export class StopSignals {
  private first: number | undefined;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly repeatMs: number;

  constructor(clock: Pick<Clock, 'now'>, repeatMs = 1000) {
    this.clock = clock;
    this.repeatMs = repeatMs;
  }

  decide(signal: NodeJS.Signals): SignalDecision {
    const now = this.clock.now();
    if (this.first === undefined) {
      this.first = now;
      return 'shut-down';
    }
    return signal === 'SIGINT' && now - this.first >= this.repeatMs ? 'exit-now' : 'already-stopping';
  }
}
