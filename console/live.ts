// What the console shows live, from two etcd mirrors (list, then watch; re-listed after any
// disconnect or compaction): the collect entries, and the status records of every agent,
// transfer and metrics instance. A status record whose lease ended disappears from etcd; the
// console keeps the last one it saw and shows the node offline. Changes are emitted for the
// server-sent events (`collections`, `node`).

import { EventEmitter } from 'node:events';
import type { Etcd3 } from 'etcd3';
import { EtcdMirror } from '../common/etcd/mirror.ts';
import type { RawValue } from '../common/config/snapshot.ts';
import { decodeSnapshot, emptySnapshot, type CollectionConfig } from '../common/config/snapshot.ts';
import {
  AGENT_STATUS_PREFIX,
  COLLECT_PREFIX,
  LEGACY_KEY,
  METRICS_STATUS_PREFIX,
  STATUS_PREFIX,
  TRANSFER_STATUS_PREFIX,
  type CollectionName,
} from '../common/keyspace.ts';
import { indexBase, type CollectEntry } from '../common/schema/collect-entry.ts';
import { parseAgentStatus, type AgentStatus } from '../common/status/agent.ts';
import { parseTransferStatus, type TransferStatus } from '../common/status/transfer.ts';
import { parseMetricsStatus, type MetricsStatus } from '../common/status/metrics.ts';
import type { Logger } from '../common/observe/logger.ts';

export type NodeKind = 'agent' | 'transfer' | 'metrics';
export type NodeState = 'online' | 'stale' | 'offline';

export interface NodeView<S> {
  kind: NodeKind;
  name: string;
  state: NodeState;
  updatedAt?: string;
  /** When the record's lease ended (offline only). */
  offlineSince?: string;
  status?: S;
  /** The record did not parse: what was wrong. */
  error?: string;
}

export type Origin = 'LogCollection' | 'ad-hoc' | 'legacy';

export interface LiveNumbers {
  nodes: number;
  eventsPerSec: number;
  lagBytes: number;
  errors: number;
  lostBytes: number;
}

export type RolloutState = 'current' | 'stale' | 'failing' | 'offline';

export interface RolloutRow {
  node: string;
  modRevision: number;
  state: RolloutState;
  errors: string[];
  updatedAt?: string;
}

export interface CollectionView {
  name: CollectionName;
  origin: Origin;
  key: string;
  modRevision: number;
  topic?: string;
  index?: string;
  source?: CollectEntry['source'];
  entry?: CollectEntry;
  valid: boolean;
  error?: string;
  readOnly: boolean;
  kubectl?: string;
  live: LiveNumbers;
}

const KIND_OF: [string, NodeKind][] = [
  [AGENT_STATUS_PREFIX, 'agent'],
  [TRANSFER_STATUS_PREFIX, 'transfer'],
  [METRICS_STATUS_PREFIX, 'metrics'],
];

/** How long an offline node stays listed after its lease ended. */
const OFFLINE_KEPT_MS = 24 * 3600_000;

export interface LiveOptions {
  etcd: Etcd3;
  logger: Logger;
  /** A record not rewritten within this is stale (its node may be wedged). */
  staleAfterMs: number;
  now?: () => number;
}

export class LiveView extends EventEmitter {
  private readonly o: LiveOptions;
  private readonly now: () => number;
  private readonly collectMirror: EtcdMirror;
  private readonly statusMirror: EtcdMirror;
  /** By etcd key: the value seen, and the collections it holds (the legacy key holds several). */
  private readonly entries = new Map<string, { raw: RawValue; collections: CollectionConfig[] }>();
  private byName = new Map<CollectionName, CollectionConfig>();
  private names: CollectionName[] | undefined;
  private collectRevision = 0;
  /** By status key: the mod revision last parsed (a batch re-parses only what changed). */
  private readonly statusSeen = new Map<string, number>();
  private readonly nodes = new Map<string, NodeView<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  etcdConnected = false;
  etcdError: string | undefined;

  constructor(o: LiveOptions) {
    super();
    this.setMaxListeners(0);
    this.o = o;
    this.now = o.now ?? Date.now;
    const onConnection = (up: boolean, error?: string) => {
      this.etcdConnected = up;
      this.etcdError = error;
    };
    this.collectMirror = new EtcdMirror({
      etcd: o.etcd,
      ranges: [{ prefix: COLLECT_PREFIX }, { key: LEGACY_KEY }],
      logger: o.logger.child({ part: 'collect-mirror' }),
      onChange: (state, revision) => this.onCollect(state, revision),
      onConnection,
    });
    this.statusMirror = new EtcdMirror({
      etcd: o.etcd,
      ranges: [{ prefix: STATUS_PREFIX }],
      logger: o.logger.child({ part: 'status-mirror' }),
      onChange: (state) => this.onStatus(state),
      onConnection,
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.collectMirror.start(), this.statusMirror.start()]);
    this.timer = setInterval(() => this.recheckStale(), 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.collectMirror.stop(), this.statusMirror.stop()]);
  }

  get revision(): number {
    return this.collectRevision;
  }

  /** Decodes only the keys whose mod revision changed: 50,000 entries are not re-read per change. */
  private onCollect(state: ReadonlyMap<string, RawValue>, revision: number): void {
    this.collectRevision = revision;
    let changed = false;
    for (const [key, raw] of state) {
      const had = this.entries.get(key);
      if (had?.raw.modRevision === raw.modRevision) continue;
      const decoded = decodeSnapshot(emptySnapshot, new Map([[key, raw]]), revision);
      for (const c of had?.collections ?? []) this.byName.delete(c.name);
      const collections = [...decoded.collections.values()];
      for (const c of collections) this.byName.set(c.name, c);
      this.entries.set(key, { raw: { ...raw }, collections });
      changed = true;
      this.emit('collections', { key, modRevision: raw.modRevision });
    }
    for (const [key, had] of this.entries) {
      if (state.has(key)) continue;
      for (const c of had.collections) this.byName.delete(c.name);
      this.entries.delete(key);
      changed = true;
      this.emit('collections', { key, modRevision: 0 });
    }
    if (changed) this.names = undefined;
  }

  /** Online while the record was rewritten within staleAfter (a metrics instance: two intervals). */
  private stateOf(updatedAt: string | undefined, status?: unknown): NodeState {
    const t = updatedAt ? Date.parse(updatedAt) : NaN;
    const interval = (status as { intervalMs?: number } | undefined)?.intervalMs ?? 0;
    const bound = Math.max(this.o.staleAfterMs, 2 * interval + 5000);
    return Number.isFinite(t) && this.now() - t <= bound ? 'online' : 'stale';
  }

  private onStatus(state: ReadonlyMap<string, RawValue>): void {
    const seen = new Set<string>();
    for (const [key, { value, modRevision }] of state) {
      const kind = KIND_OF.find(([p]) => key.startsWith(p));
      if (!kind) continue;
      const name = key.slice(kind[0].length);
      const id = `${kind[1]}/${name}`;
      seen.add(id);
      if (this.statusSeen.get(key) === modRevision) continue;
      this.statusSeen.set(key, modRevision);
      const parsed =
        kind[1] === 'agent'
          ? parseAgentStatus(value, key)
          : kind[1] === 'transfer'
            ? parseTransferStatus(value, key)
            : parseMetricsStatus(value, key);
      const prev = this.nodes.get(id);
      const updatedAt = parsed.ok ? updatedAtOf(parsed.value) : undefined;
      const view: NodeView<unknown> = parsed.ok
        ? {
            kind: kind[1],
            name,
            state: this.stateOf(updatedAt, parsed.value),
            ...(updatedAt ? { updatedAt } : {}),
            status: parsed.value,
          }
        : { kind: kind[1], name, state: 'online', error: parsed.error };
      this.nodes.set(id, view);
      if (!prev || prev.state !== view.state || prev.updatedAt !== view.updatedAt)
        this.emit('node', { kind: view.kind, name, state: view.state });
    }
    for (const key of this.statusSeen.keys()) if (!state.has(key)) this.statusSeen.delete(key);
    for (const [id, view] of this.nodes) {
      if (seen.has(id) || view.state === 'offline') continue;
      // The record is gone: its lease ended (or it was deleted). Keep what it last said.
      const off: NodeView<unknown> = {
        ...view,
        state: 'offline',
        offlineSince: new Date(this.now()).toISOString(),
      };
      this.nodes.set(id, off);
      this.emit('node', { kind: view.kind, name: view.name, state: 'offline' });
    }
  }

  private recheckStale(): void {
    for (const [id, view] of this.nodes) {
      if (view.state === 'offline') {
        if (this.now() - Date.parse(view.offlineSince!) > OFFLINE_KEPT_MS) this.nodes.delete(id);
        continue;
      }
      if (view.error) continue;
      const state = this.stateOf(view.updatedAt, view.status);
      if (state !== view.state) {
        this.nodes.set(id, { ...view, state });
        this.emit('node', { kind: view.kind, name: view.name, state });
      }
    }
  }

  nodesOf<K extends NodeKind>(
    kind: K,
  ): NodeView<K extends 'agent' ? AgentStatus : K extends 'transfer' ? TransferStatus : MetricsStatus>[] {
    return [...this.nodes.values()]
      .filter((n) => n.kind === kind)
      .sort((a, b) => a.name.localeCompare(b.name)) as never;
  }

  /** What the online agents report per collection, added up in one pass over their records. */
  private liveNumbers(): Map<CollectionName, LiveNumbers> {
    const out = new Map<CollectionName, LiveNumbers>();
    const of = (name: string): LiveNumbers => {
      let n = out.get(name);
      if (!n) out.set(name, (n = { nodes: 0, eventsPerSec: 0, lagBytes: 0, errors: 0, lostBytes: 0 }));
      return n;
    };
    for (const a of this.nodesOf('agent')) {
      if (a.state === 'offline' || !a.status) continue;
      const s = a.status;
      for (const [name, cs] of Object.entries(s.collections)) {
        const n = of(name);
        n.nodes++;
        n.eventsPerSec += cs.eventsPerSec;
        n.errors += cs.errors.length;
        n.lostBytes += cs.lostBytes ?? 0;
      }
      for (const name of Object.keys(s.rejected)) of(name).errors++;
      for (const t of s.tailers) of(t.collection).lagBytes += t.lagBytes;
    }
    return out;
  }

  private view(c: CollectionConfig, live: LiveNumbers | undefined): CollectionView {
    const origin: Origin = c.name.startsWith('k8s/')
      ? 'LogCollection'
      : c.name.startsWith('legacy')
        ? 'legacy'
        : 'ad-hoc';
    const [, ns, name] = c.name.split('/');
    const entry = c.error ? undefined : c.entry;
    return {
      name: c.name,
      origin,
      key: c.key,
      modRevision: c.modRevision,
      ...(c.entry ? { topic: c.entry.topic, index: indexBase(c.entry), source: c.entry.source } : {}),
      ...(entry ? { entry } : {}),
      valid: !c.error,
      ...(c.error ? { error: c.error } : {}),
      readOnly: origin !== 'ad-hoc',
      ...(origin === 'LogCollection' ? { kubectl: `kubectl edit logcollection ${name} -n ${ns}` } : {}),
      live: live ?? { nodes: 0, eventsPerSec: 0, lagBytes: 0, errors: 0, lostBytes: 0 },
    };
  }

  /**
   * One page of the collections in name order, after `after`, whose name, topic or index
   * contains `q`, that `visible` lets through; `total` counts every match.
   */
  collections(o: { q?: string; after?: string; limit?: number; visible?: (key: string) => boolean } = {}): {
    collections: CollectionView[];
    total: number;
    next?: string;
  } {
    this.names ??= [...this.byName.keys()].sort();
    const q = o.q?.toLowerCase();
    const limit = o.limit ?? Infinity;
    const live = this.liveNumbers();
    const page: CollectionView[] = [];
    let total = 0;
    let next: string | undefined;
    for (const name of this.names) {
      const c = this.byName.get(name)!;
      if (o.visible && !o.visible(c.key)) continue;
      if (
        q &&
        !name.toLowerCase().includes(q) &&
        !(c.entry?.topic.toLowerCase().includes(q) ?? false) &&
        !(c.entry?.index?.includes(q) ?? false)
      )
        continue;
      total++;
      if (o.after !== undefined && name <= o.after) continue;
      if (page.length < limit) page.push(this.view(c, live.get(name)));
      else next ??= page.at(-1)!.name;
    }
    return { collections: page, total, ...(next ? { next } : {}) };
  }

  collection(name: string): CollectionView | undefined {
    const c = this.byName.get(name);
    return c && this.view(c, this.liveNumbers().get(name));
  }

  rawValue(key: string): RawValue | undefined {
    return this.entries.get(key)?.raw;
  }

  /** Which agents run which revision of a collection, and in what state. */
  rollout(name: string): { rows: RolloutRow[]; counts: Record<RolloutState, number>; staleAfterSec: number } {
    const c = this.byName.get(name);
    const rows: RolloutRow[] = [];
    for (const a of this.nodesOf('agent')) {
      const s = a.status;
      if (!s) continue;
      const cs = s.collections[name];
      const rejected = s.rejected[name];
      if (!cs && !rejected) continue;
      const errors = [...(cs?.errors ?? []), ...(rejected ? [rejected] : [])];
      const modRevision = cs?.modRevision ?? 0;
      const state: RolloutState =
        a.state !== 'online'
          ? 'offline'
          : errors.length
            ? 'failing'
            : c && modRevision < c.modRevision
              ? 'stale'
              : 'current';
      rows.push({
        node: a.name,
        modRevision,
        state,
        errors,
        ...(a.updatedAt ? { updatedAt: a.updatedAt } : {}),
      });
    }
    const counts = { current: 0, stale: 0, failing: 0, offline: 0 };
    for (const r of rows) counts[r.state]++;
    return { rows, counts, staleAfterSec: this.o.staleAfterMs / 1000 };
  }
}

function updatedAtOf(s: unknown): string | undefined {
  const o = s as { updatedAt?: string; lastSampleAt?: string };
  return o.updatedAt || o.lastSampleAt || undefined;
}
