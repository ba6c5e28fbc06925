// The agent's status record (AgentStatus, common/status/agent.ts) from its running collections,
// sink and ledger, and the events/s rates it shows. The record is a contract other components
// parse; status.test.ts checks that what is written here is what they read.

import type { AgentStatus, CollectionStatus, TailerStatus } from '../common/status/agent.ts';
import type { CollectionRunner } from './collection.ts';
import type { PlannedCollection } from './plan.ts';
import type { KafkaSink } from './sink.ts';
import type { Tailer } from './tailer.ts';
import type { LossLedger } from './loss-ledger.ts';

/** Events per second per collection over a sliding window of recent seconds. */
export class RateTracker {
  private readonly buckets = new Map<string, Map<number, number>>();
  add(name: string, n: number, now: number): void {
    let b = this.buckets.get(name);
    if (!b) this.buckets.set(name, (b = new Map()));
    const s = Math.floor(now / 1000);
    b.set(s, (b.get(s) ?? 0) + n);
    for (const k of b.keys()) if (k < s - 60) b.delete(k);
  }
  /** Forgets names with nothing in the last minute (files that went away). */
  prune(now: number): void {
    const s = Math.floor(now / 1000);
    for (const [name, b] of this.buckets)
      if (![...b.keys()].some((k) => k >= s - 60)) this.buckets.delete(name);
  }
  get size(): number {
    return this.buckets.size;
  }
  rate(name: string, now: number, windowS = 10): number {
    const b = this.buckets.get(name);
    if (!b) return 0;
    const s = Math.floor(now / 1000);
    let sum = 0;
    for (const [k, v] of b) if (k > s - windowS && k <= s) sum += v;
    return Math.round((sum / windowS) * 100) / 100;
  }
}

/** What the record reads of a running collection (narrowed, so a test can hand it plain objects). */
export interface RunningCollection {
  plan: Pick<PlannedCollection, 'name' | 'modRevision' | 'error'> & { entry: { topic: string } };
  runner: {
    errors: CollectionRunner['errors'];
    tailers: ReadonlyMap<
      unknown,
      { opts: { path: string } } & Pick<
        Tailer,
        'fileId' | 'state' | 'ackedPos' | 'size' | 'lagBytes' | 'lastError'
      >
    >;
  };
}

export function renderAgentStatus(input: {
  node: string;
  now: number;
  startedAt: number;
  configRevision: number;
  etcd: AgentStatus['etcd'];
  sink: Pick<KafkaSink, 'connected' | 'bufferedBytes' | 'lastError'>;
  running: RunningCollection[];
  rejected: Map<string, string>;
  rates: RateTracker;
  ledger: LossLedger;
  kubernetes?: AgentStatus['kubernetes'];
}): AgentStatus {
  const collections: Record<string, CollectionStatus> = {};
  const tailers: TailerStatus[] = [];
  for (const { plan, runner } of input.running) {
    const errors = [...runner.errors].map(([path, e]) => (path.startsWith('(') ? e : `${path}: ${e}`));
    if (plan.error) errors.unshift(plan.error);
    for (const t of runner.tailers.values()) {
      if (t.lastError) errors.push(`${t.opts.path}: ${t.lastError}`);
      tailers.push({
        collection: plan.name,
        file: t.opts.path,
        ...(t.fileId ? { fileId: t.fileId } : {}),
        state: t.state,
        offset: t.ackedPos,
        size: t.size,
        lagBytes: t.lagBytes,
        eventsPerSec: input.rates.rate(`${plan.name}\0${t.opts.path}`, input.now),
        ...(t.lastError ? { lastError: t.lastError } : {}),
      });
    }
    collections[plan.name] = {
      topic: plan.entry.topic,
      modRevision: plan.modRevision,
      files: runner.tailers.size,
      eventsPerSec: input.rates.rate(plan.name, input.now),
      errors,
      lostBytes: input.ledger.total(plan.name),
    };
  }
  return {
    node: input.node,
    pid: process.pid,
    startedAt: new Date(input.startedAt).toISOString(),
    updatedAt: new Date(input.now).toISOString(),
    configRevision: input.configRevision,
    etcd: input.etcd,
    kafka: {
      connected: input.sink.connected,
      bufferedBytes: input.sink.bufferedBytes,
      ...(input.sink.lastError ? { lastError: input.sink.lastError } : {}),
    },
    collections,
    rejected: Object.fromEntries(input.rejected),
    tailers,
    loss: input.ledger.list(),
    ...(input.kubernetes ? { kubernetes: input.kubernetes } : {}),
  };
}
