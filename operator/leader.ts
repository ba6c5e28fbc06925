// Leader election through a coordination.k8s.io/v1 Lease, as client-go does it: the holder
// renews every retry period; another candidate takes over only after it has seen the same
// record unchanged for a whole lease duration (its own clock, so no clock-skew trust), and
// the holder steps down when it could not renew within the renew deadline, which is shorter
// than the lease duration — so two replicas never both believe they lead. Writes use the
// Lease's resourceVersion, so two candidates racing for it cannot both win.

import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Clock } from '../common/time/clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';

export interface Observed {
  /** holderIdentity and renewTime of the record last seen. */
  record: string;
  /** When this candidate first saw that record (its own clock). */
  at: number;
}

export type LeaseDecision =
  | { action: 'create' | 'renew' | 'takeover'; observed: Observed | undefined }
  | { action: 'wait'; observed: Observed; holder: string };

const timeOf = (t: unknown): string => (t instanceof Date ? t.toISOString() : String(t ?? ''));

/** Pure: what a candidate should do with the Lease it just read. */
export function decide(
  lease: V1Lease | undefined,
  identity: string,
  now: number,
  durationMs: number,
  previous: Observed | undefined,
): LeaseDecision {
  if (!lease) return { action: 'create', observed: undefined };
  const holder = lease.spec?.holderIdentity ?? '';
  const record = `${holder}@${timeOf(lease.spec?.renewTime)}`;
  const observed = previous?.record === record ? previous : { record, at: now };
  if (holder === identity) return { action: 'renew', observed };
  if (holder && now < observed.at + durationMs) return { action: 'wait', observed, holder };
  return { action: 'takeover', observed };
}

export interface ElectorOptions {
  kc: KubeConfig;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  clock: Clock;
  logger: Logger;
  onChange: (leading: boolean) => void;
}

export class LeaderElector {
  private readonly opts: ElectorOptions;
  private readonly api: CoordinationV1Api;
  private observed: Observed | undefined;
  private lastRenew = 0;
  private timer: unknown;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  leading = false;
  holder: string | undefined;

  constructor(opts: ElectorOptions) {
    this.opts = opts;
    this.api = opts.kc.makeApiClient(CoordinationV1Api);
  }

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      // Step down on time even while a request hangs.
      if (this.leading && this.opts.clock.now() - this.lastRenew > this.opts.renewDeadlineMs) this.set(false);
      this.running = this.attempt().finally(() => {
        if (!this.stopped) this.timer = this.opts.clock.setTimeout(tick, this.opts.retryPeriodMs);
      });
    };
    tick();
  }

  /** Stops; a leader releases the Lease so another replica takes over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    await this.running;
    if (!this.leading) return;
    this.set(false);
    try {
      const lease = await this.api.readNamespacedLease({
        name: this.opts.name,
        namespace: this.opts.namespace,
      });
      if (lease.spec?.holderIdentity === this.opts.identity)
        await this.api.replaceNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } },
        });
    } catch (err) {
      this.opts.logger.warn('could not release the leader lease; it will expire', {
        error: describeError(err),
      });
    }
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.opts.logger.info(leading ? 'became the leader' : 'stopped leading', {
      lease: `${this.opts.namespace}/${this.opts.name}`,
      identity: this.opts.identity,
    });
    this.opts.onChange(leading);
  }

  private async attempt(): Promise<void> {
    const { namespace, name, identity, clock } = this.opts;
    const now = clock.now();
    try {
      let lease: V1Lease | undefined;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
      const d = decide(lease, identity, now, this.opts.leaseDurationMs, this.observed);
      this.observed = d.observed;
      if (d.action === 'wait') {
        this.holder = d.holder;
        this.set(false);
        return;
      }
      const spec = {
        holderIdentity: identity,
        leaseDurationSeconds: Math.max(1, Math.ceil(this.opts.leaseDurationMs / 1000)),
        renewTime: new V1MicroTime(now),
        acquireTime: d.action === 'renew' ? lease!.spec!.acquireTime : new V1MicroTime(now),
        leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (d.action === 'takeover' ? 1 : 0),
      };
      if (d.action === 'create')
        await this.api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
      // The resourceVersion makes this a compare-and-swap: a racing candidate gets 409.
      else await this.api.replaceNamespacedLease({ name, namespace, body: { ...lease!, spec } });
      this.lastRenew = now;
      this.holder = identity;
      this.set(true);
    } catch (err) {
      // 409: another candidate wrote the Lease between our read and write; it leads now.
      if ((err as { code?: number }).code === 409) return this.set(false);
      this.opts.logger.warn('leader lease update failed', { error: describeError(err) });
      if (this.leading && clock.now() - this.lastRenew > this.opts.renewDeadlineMs) this.set(false);
    }
  }
}
