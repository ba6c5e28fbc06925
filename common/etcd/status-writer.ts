// Writes a component's status record to etcd under a lease, every interval and on demand.
// When the process dies the lease expires and the record disappears, so the console and the
// operator see a dead node go away. A lost lease (etcd restarted, partition) is re-granted.

import type { Etcd3, Lease } from 'etcd3';
import type { Logger } from '../observe/logger.ts';
import { describeError } from '../errors.ts';
import { explainEtcdError } from './explain.ts';
import { sleep, systemClock, unref, type Clock, type TimerHandle } from '../time/clock.ts';

export interface StatusWriterOptions {
  etcd: Etcd3;
  key: string;
  intervalMs: number;
  logger: Logger;
  /** Builds the record; called for each write. */
  render: () => unknown;
  clock?: Clock;
}

/** How long shutdown waits for etcd to revoke the lease (the TTL removes the record anyway). */
const REVOKE_WAIT_MS = 2000;

export class StatusWriter {
  private readonly opts: StatusWriterOptions;
  private readonly clock: Clock;
  private lease: Lease | undefined;
  private timer: TimerHandle | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;
  private dirty = false;
  lastError: string | undefined;

  constructor(opts: StatusWriterOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.flush();
      this.timer = this.clock.setTimeout(tick, this.opts.intervalMs);
      unref(this.timer);
    };
    tick();
  }

  /** Writes now (coalesced with a write already under way). */
  flush(): Promise<void> {
    if (this.dirty) return this.writing;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      if (this.stopped) return;
      try {
        await this.leaseFor().put(this.opts.key).value(JSON.stringify(this.opts.render()));
        if (this.lastError) this.opts.logger.info('status writes work again', { key: this.opts.key });
        this.lastError = undefined;
      } catch (err) {
        // Logged once per outage, not once per interval, with the reason in words.
        if (!this.lastError) {
          const problem = await explainEtcdError(this.opts.etcd, err);
          this.opts.logger.warn('status write failed; retrying every interval', {
            key: this.opts.key,
            error: describeError(err),
            ...(problem ? { problem } : {}),
          });
        }
        this.lastError = describeError(err);
        this.dropLease();
      }
    });
    return this.writing;
  }

  private leaseFor(): Lease {
    if (!this.lease) {
      const ttl = Math.max(10, Math.ceil((this.opts.intervalMs * 3) / 1000));
      const lease = this.opts.etcd.lease(ttl, { autoKeepAlive: true });
      lease.on('lost', (err) => {
        if (!this.lastError)
          this.opts.logger.warn('status lease lost; re-granting', { error: describeError(err) });
        if (this.lease === lease) this.dropLease();
      });
      this.lease = lease;
    }
    return this.lease;
  }

  private dropLease(): void {
    const l = this.lease;
    this.lease = undefined;
    l?.removeAllListeners();
    l?.on('lost', () => {});
    l?.release();
  }

  /** Stops writing and revokes the lease, removing the record at once. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.writing;
    const l = this.lease;
    this.lease = undefined;
    if (!l) return;
    const gaveUp = new AbortController();
    await Promise.race([l.revoke().catch(() => {}), sleep(this.clock, REVOKE_WAIT_MS, gaveUp.signal, true)]);
    gaveUp.abort(); // clears the wait's timer when the revoke won
  }
}
