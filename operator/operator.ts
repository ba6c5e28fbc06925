// The operator component: an informer on LogCollections, a mirror of the operator-owned
// collect keys and the agents' status records in etcd, a leader elector, a periodic resync
// and the controller that reconciles. Every trigger only queues "namespace/name" keys; what
// to do is decided from the caches when the key is worked (level-based).

import type { Etcd3 } from 'etcd3';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../common/time/clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry, registerShared } from '../common/observe/metrics.ts';
import { EtcdMirror } from '../common/etcd/mirror.ts';
import type { RawValue } from '../common/config/snapshot.ts';
import { AGENT_STATUS_PREFIX, K8S_PREFIX } from '../common/keyspace.ts';
import { parseAgentStatus } from '../common/status/agent.ts';
import type { AgentRecord } from './agents.ts';
import { Controller } from './controller.ts';
import { etcdEntryWriter } from './etcd-entries.ts';
import { LogCollectionInformer } from './informer.ts';
import { createKubeClient } from './kube-client.ts';
import { LeaderElector, type ElectorOptions } from './leader.ts';
import type { Policy } from './policy.ts';
import type { TopicEnsurer } from './topics.ts';

export interface OperatorConfig {
  /** Only this namespace's LogCollections (and etcd keys) when set; all otherwise. */
  watchNamespace?: string;
  policy: Policy;
  resyncMs: number;
  /** Host name or pod name, for Events and the default leader identity. */
  host: string;
  leader: { enabled: boolean } & Pick<
    ElectorOptions,
    'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'
  >;
}

export interface OperatorDeps {
  kc: KubeConfig;
  /** Set when the operator creates missing Kafka topics (operator.createTopics). */
  topics?: TopicEnsurer;
  etcd: Etcd3;
  logger: Logger;
  clock: Clock;
}

export class Operator {
  readonly registry = new Registry();
  readonly informer: LogCollectionInformer;
  readonly controller: Controller;
  readonly elector: LeaderElector | undefined;
  private readonly mirror: EtcdMirror;
  private readonly cfg: OperatorConfig;
  private readonly deps: OperatorDeps;
  private etcdState: ReadonlyMap<string, RawValue> = new Map();
  private etcdRevision = 0;
  private etcdListed = false;
  private readonly agents = new Map<string, { modRevision: number; record: AgentRecord | undefined }>();
  private resyncTimer: unknown;
  private stopped = false;
  private readonly metrics;

  constructor(cfg: OperatorConfig, deps: OperatorDeps) {
    this.cfg = cfg;
    this.deps = deps;
    const shared = registerShared(this.registry);
    this.metrics = {
      reconciles: this.registry.counter(
        'lcs_operator_reconciles_total',
        'Reconciles of one LogCollection key, by result',
      ),
      etcdWrites: this.registry.counter(
        'lcs_operator_etcd_writes_total',
        'Collect entries written or removed, by op',
      ),
      statusWrites: this.registry.counter('lcs_operator_status_writes_total', 'LogCollection status updates'),
      errors: shared.errors,
      leader: this.registry.gauge('lcs_operator_leader', '1 while this replica leads'),
    };
    const kube = createKubeClient(deps.kc, {
      namespace: cfg.watchNamespace,
      component: 'lcs-operator',
      host: cfg.host,
    });
    const enqueue = (key: string) => this.controller.enqueue(key);
    this.informer = new LogCollectionInformer({
      kc: deps.kc,
      client: kube,
      logger: deps.logger,
      clock: deps.clock,
      onChange: enqueue,
      onList: () => this.enqueueAll(),
    });
    this.mirror = new EtcdMirror({
      etcd: deps.etcd,
      ranges: [{ prefix: this.entryPrefix() }, { prefix: AGENT_STATUS_PREFIX }],
      logger: deps.logger,
      onChange: (state, revision) => this.etcdChanged(state, revision),
    });
    this.elector = cfg.leader.enabled
      ? new LeaderElector({
          kc: deps.kc,
          ...cfg.leader,
          clock: deps.clock,
          logger: deps.logger,
          onChange: (leading) => {
            this.metrics.leader.set({}, leading ? 1 : 0);
            if (leading) this.enqueueAll();
          },
        })
      : undefined;
    this.controller = new Controller({
      view: {
        resource: (key) => this.informer.get(key),
        entry: (k) => {
          const raw = this.etcdState.get(k);
          return raw ? { value: raw.value, modRevision: raw.modRevision } : undefined;
        },
        etcdRevision: () => this.etcdRevision,
        agents: () => [...this.agents.values()].flatMap((a) => (a.record ? [a.record] : [])),
        ready: () => this.leading && this.informer.synced && this.etcdListed,
      },
      kube,
      writer: etcdEntryWriter(deps.etcd),
      ...(deps.topics ? { topics: deps.topics } : {}),
      policy: cfg.policy,
      clock: deps.clock,
      logger: deps.logger,
      metrics: this.metrics,
    });
  }

  get leading(): boolean {
    return !this.elector || this.elector.leading;
  }

  async start(): Promise<void> {
    await this.mirror.start();
    await this.informer.start();
    this.elector?.start();
    if (!this.elector) this.metrics.leader.set({}, 1);
    this.scheduleResync();
    this.enqueueAll();
  }

  ready(): { ok: boolean; reason?: string } {
    if (!this.etcdListed) return { ok: false, reason: 'etcd not listed yet' };
    if (!this.informer.synced)
      return {
        ok: false,
        reason: `LogCollections not listed yet${this.informer.lastError ? `: ${this.informer.lastError}` : ''}`,
      };
    return { ok: true };
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.resyncTimer !== undefined) this.deps.clock.clearTimeout(this.resyncTimer);
    await this.controller.stop();
    await this.elector?.stop();
    await this.informer.stop();
    await this.mirror.stop();
    await this.deps.topics?.close();
  }

  /** Every key that exists on either side: resources and operator-owned entries. */
  enqueueAll(): void {
    for (const r of this.informer.list())
      this.controller.enqueue(`${r.metadata.namespace}/${r.metadata.name}`);
    for (const k of this.etcdState.keys()) {
      const key = this.resourceKeyOf(k);
      if (key) this.controller.enqueue(key);
    }
    this.controller.kick();
  }

  private entryPrefix(): string {
    return this.cfg.watchNamespace ? `${K8S_PREFIX}${this.cfg.watchNamespace}/` : K8S_PREFIX;
  }

  private resourceKeyOf(etcdKey: string): string | undefined {
    if (!etcdKey.startsWith(this.entryPrefix())) return undefined;
    const parts = etcdKey.slice(K8S_PREFIX.length).split('/');
    return parts.length === 2 && parts[0] && parts[1] ? `${parts[0]}/${parts[1]}` : undefined;
  }

  private scheduleResync(): void {
    this.resyncTimer = this.deps.clock.setTimeout(() => {
      if (this.stopped) return;
      this.enqueueAll();
      this.scheduleResync();
    }, this.cfg.resyncMs);
  }

  private etcdChanged(state: ReadonlyMap<string, RawValue>, revision: number): void {
    const before = this.etcdState;
    this.etcdState = new Map(state);
    this.etcdRevision = revision;
    this.etcdListed = true;
    const touched = new Set<string>();
    for (const k of new Set([...before.keys(), ...state.keys()])) {
      if (before.get(k)?.modRevision === state.get(k)?.modRevision) continue;
      const key = this.resourceKeyOf(k);
      if (key) touched.add(key);
      if (k.startsWith(AGENT_STATUS_PREFIX)) {
        const old = this.agents.get(k)?.record;
        const raw = state.get(k);
        const parsed = raw ? parseAgentStatus(raw.value, k) : undefined;
        // A record this operator cannot read counts as no report (an agent of another version
        // may write more; only a value that is not an object at all is refused).
        if (parsed && !parsed.ok)
          this.deps.logger.warn('agent status ignored', { key: k, error: parsed.error });
        // Only what the operator reads is kept: a record lists every tailer of its node.
        const record: AgentRecord | undefined = parsed?.ok
          ? {
              node: parsed.value.node,
              collections: parsed.value.collections,
              rejected: parsed.value.rejected,
            }
          : undefined;
        if (raw) this.agents.set(k, { modRevision: raw.modRevision, record });
        else this.agents.delete(k);
        // Only the collections this agent reports (before or now) can have changed.
        for (const rec of [old, record]) {
          for (const name of [...Object.keys(rec?.collections ?? {}), ...Object.keys(rec?.rejected ?? {})]) {
            const m = /^k8s\/([^/]+)\/([^/]+)$/.exec(name);
            if (m && (!this.cfg.watchNamespace || m[1] === this.cfg.watchNamespace))
              touched.add(`${m[1]}/${m[2]}`);
          }
        }
      }
    }
    for (const key of touched) this.controller.enqueue(key);
    this.controller.kick();
  }
}
