// The pipeline sampler: every metrics instance that runs it campaigns in an etcd election
// (`/lcs/v1/election/metrics-pipeline/`, etcd3's Election, the Go client's algorithm); the
// elected one reads every agent's and transfer's status record each interval and turns them
// into points (pipeline/points.ts). A lost lease (etcd restarted, this instance partitioned
// away) ends leadership at once and the instance campaigns again after a back-off; another
// instance takes over once the old lease expires (LEASE_TTL_S).

import type { Campaign, Etcd3 } from 'etcd3';
import { AGENT_STATUS_PREFIX, PREFIX, TRANSFER_STATUS_PREFIX } from '../../common/keyspace.ts';
import { parseAgentStatus } from '../../common/status/agent.ts';
import { parseTransferStatus } from '../../common/status/transfer.ts';
import { describeError } from '../../common/errors.ts';
import { Backoff } from '../../common/time/backoff.ts';
import type { Clock, TimerHandle } from '../../common/time/clock.ts';
import type { Logger } from '../../common/observe/logger.ts';
import type { Point } from '../point.ts';
import type { PipelineSource } from '../service.ts';
import { agentPoints, transferPoints } from './points.ts';

export const ELECTION_NAME = 'metrics-pipeline';
/** The election lease: how long a dead leader's role stays taken. */
export const LEASE_TTL_S = 10;

export interface PipelineOptions {
  etcd: Etcd3;
  /** This instance's name in the election (its node). */
  identity: string;
  clock: Clock;
  logger: Logger;
  onChange?: (leading: boolean) => void;
}

export class EtcdPipelineSource implements PipelineSource {
  private readonly o: PipelineOptions;
  private readonly backoff: Backoff;
  private campaign: Campaign | undefined;
  private retry: TimerHandle | undefined;
  private stopped = false;
  leader = false;
  /** Records that could not be read in the last sample (key → error). */
  unreadable: Record<string, string> = {};

  constructor(o: PipelineOptions) {
    this.o = o;
    this.backoff = new Backoff({ baseMs: 500, maxMs: 10_000, minMs: 100 });
  }

  start(): void {
    if (this.stopped || this.campaign) return;
    const c = this.o.etcd.namespace(PREFIX).election(ELECTION_NAME, LEASE_TTL_S).campaign(this.o.identity);
    this.campaign = c;
    c.on('elected', () => {
      if (this.campaign !== c || this.stopped) return;
      this.backoff.reset();
      this.set(true);
    });
    c.on('error', (err: Error) => {
      if (this.campaign !== c) return;
      this.campaign = undefined;
      this.set(false);
      c.resign().catch(() => undefined);
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.o.logger.warn('pipeline election lost its lease; campaigning again', {
        error: describeError(err),
        retryMs: delay,
      });
      this.retry = this.o.clock.setTimeout(() => this.start(), delay);
    });
  }

  private set(leading: boolean): void {
    if (this.leader === leading) return;
    this.leader = leading;
    this.o.logger.info(
      leading ? 'elected: writing the pipeline measurements' : 'no longer the pipeline writer',
    );
    this.o.onChange?.(leading);
  }

  async points(time: number): Promise<Point[]> {
    if (!this.leader) return [];
    const [agents, transfers] = await Promise.all([
      this.o.etcd.getAll().prefix(AGENT_STATUS_PREFIX).strings(),
      this.o.etcd.getAll().prefix(TRANSFER_STATUS_PREFIX).strings(),
    ]);
    const out: Point[] = [];
    const unreadable: Record<string, string> = {};
    for (const [key, raw] of Object.entries(agents)) {
      const r = parseAgentStatus(raw, key);
      if (r.ok) out.push(...agentPoints(r.value, time));
      else unreadable[key] = r.error;
    }
    for (const [key, raw] of Object.entries(transfers)) {
      const r = parseTransferStatus(raw, key);
      if (r.ok) out.push(...transferPoints(r.value, time));
      else unreadable[key] = r.error;
    }
    for (const [key, error] of Object.entries(unreadable))
      if (!this.unreadable[key])
        this.o.logger.warn('a status record is unreadable; it is left out', { key, error });
    this.unreadable = unreadable;
    return out;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) this.o.clock.clearTimeout(this.retry);
    const c = this.campaign;
    this.campaign = undefined;
    this.set(false);
    // Resigning revokes the lease, so another instance takes over now rather than after the TTL.
    await c?.resign().catch(() => undefined);
  }
}
