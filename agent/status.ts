// AgentStatus (DESIGN.md "Status and observability"): per tailer the collection, file,
// offset, size, lag, events/s and last error, plus the config revision applied.

import type { CollectionRunner } from './collection.ts';
import type { PlannedCollection } from './plan.ts';
import type { KafkaSink } from './sink.ts';
import type { LossLedger, LossRecord } from './loss-ledger.ts';

export interface TailerStatus {
  collection: string;
  file: string;
  fileId?: string;
  state: string;
  offset: number;
  size: number;
  lagBytes: number;
  eventsPerSec: number;
  lastError?: string;
}

export interface CollectionStatus {
  topic: string;
  modRevision: number;
  files: number;
  eventsPerSec: number;
  errors: string[];
  lostBytes?: number;
}

export interface AgentStatus {
  node: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  configRevision: number;
  etcd: { connected: boolean; lastError?: string };
  kafka: { connected: boolean; bufferedBytes: number; lastError?: string };
  collections: Record<string, CollectionStatus>;
  rejected: Record<string, string>;
  tailers: TailerStatus[];
  /** Recent losses (rotated away, deleted or truncated before read). */
  loss?: LossRecord[];
  /** The pod resolver's state (Kubernetes mode only). */
  kubernetes?: { synced: boolean; pods: number; lists: number; lastError?: string };
}

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

export function renderAgentStatus(input: {
  node: string;
  now: number;
  startedAt: number;
  configRevision: number;
  etcd: AgentStatus['etcd'];
  sink: KafkaSink;
  running: { plan: PlannedCollection; runner: CollectionRunner }[];
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
