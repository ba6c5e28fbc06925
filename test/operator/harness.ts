// Shared set-up for the operator's integration tests: an API server (the real kube-apiserver
// by default for test/kube/, the double for fault tests; see backends.ts), the real etcd,
// operators started in-process with short timings, and "kubectl"-like helpers that go
// through the real @kubernetes/client-node.

import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import { systemClock } from '../../common/time/clock.ts';
import { createLogger, type Logger } from '../../common/observe/logger.ts';
import { AGENT_STATUS_PREFIX, K8S_PREFIX, agentStatusKey, k8sEntryKey } from '../../common/keyspace.ts';
import type { AgentStatus } from '../../common/status/agent.ts';
import { Operator, type OperatorConfig, type OperatorDeps } from '../../operator/operator.ts';
import { GROUP, PLURAL, VERSION, type LogCollection } from '../../operator/resource.ts';
import type { KubeApiDouble } from '../support/kube/server.ts';
import { doubleBackend, realBackend, type KubeBackend } from './backends.ts';

export const OPERATOR_NS = 'lcs-system';
const base = { group: GROUP, version: VERSION, plural: PLURAL };
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const podsSpec = (ns: string, topic = 'app-logs') => ({
  topic,
  source: { pods: { namespace: ns, selector: { matchLabels: { app: 'web' } } } },
});

/** The namespaces the operator tests use; the real backend empties them before each test. */
export const TEST_NAMESPACES = ['team-a', 'team-t', OPERATOR_NS];

export class Harness {
  readonly backend: KubeBackend;
  readonly etcd: Etcd3;
  readonly kc: KubeConfig;
  readonly co: CustomObjectsApi;
  readonly operators: Operator[] = [];
  readonly logs: string[] = [];

  private constructor(backend: KubeBackend) {
    this.backend = backend;
    this.etcd = new Etcd3({
      hosts: (process.env['LCS_ETCD_ENDPOINTS'] ?? 'http://127.0.0.1:2379').split(','),
    });
    this.kc = backend.userKc;
    this.co = this.kc.makeApiClient(CustomObjectsApi);
  }

  /** `real`: the kube service's API server, the operator with its ServiceAccount's token. */
  static async start(opts: { server?: 'real' | 'double' } = {}): Promise<Harness> {
    const backend =
      opts.server === 'real'
        ? await realBackend(TEST_NAMESPACES, { ns: OPERATOR_NS, name: 'lcs-operator' })
        : await doubleBackend();
    const h = new Harness(backend);
    await h.clean();
    return h;
  }

  /** The double, for the fault tests; the real server has no such handle. */
  get api(): KubeApiDouble {
    if (!this.backend.double)
      throw new Error('this test runs against the real API server: no double to drive');
    return this.backend.double;
  }

  /** Other test files may have left keys behind; ours start from an empty keyspace. */
  async clean(): Promise<void> {
    await this.etcd.delete().prefix(K8S_PREFIX);
    await this.etcd.delete().prefix('/lcs/v1/status/');
  }

  logger(identity: string): Logger {
    return createLogger({ level: 'debug', base: { identity }, write: (l) => this.logs.push(l) });
  }

  config(over: Partial<OperatorConfig> & { identity?: string } = {}): OperatorConfig {
    const identity = over.identity ?? 'op-1';
    return {
      policy: { trustedNamespaces: [OPERATOR_NS] },
      resyncMs: 1000,
      host: identity,
      leader: {
        enabled: true,
        namespace: OPERATOR_NS,
        name: 'lcs-operator',
        identity,
        leaseDurationMs: 1500,
        renewDeadlineMs: 1000,
        retryPeriodMs: 200,
      },
      ...over,
    };
  }

  async operator(
    over: Partial<OperatorConfig> & { identity?: string } = {},
    extra: Partial<OperatorDeps> = {},
  ): Promise<Operator> {
    const cfg = this.config(over);
    const op = new Operator(cfg, {
      kc: this.backend.operatorKc,
      etcd: this.etcd,
      logger: this.logger(cfg.leader.identity),
      clock: systemClock,
      ...extra,
    });
    this.operators.push(op);
    await op.start();
    return op;
  }

  async create(ns: string, name: string, spec: unknown): Promise<LogCollection> {
    return (await this.co.createNamespacedCustomObject({
      ...base,
      namespace: ns,
      body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'LogCollection', metadata: { name }, spec },
    })) as LogCollection;
  }

  async patch(ns: string, name: string, body: unknown): Promise<LogCollection> {
    return (await this.co.patchNamespacedCustomObject(
      { ...base, namespace: ns, name, body },
      merge,
    )) as LogCollection;
  }

  async remove(ns: string, name: string): Promise<void> {
    await this.co.deleteNamespacedCustomObject({ ...base, namespace: ns, name });
  }

  async get(ns: string, name: string): Promise<LogCollection | undefined> {
    try {
      return (await this.co.getNamespacedCustomObject({ ...base, namespace: ns, name })) as LogCollection;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  condition(r: LogCollection | undefined, type: string) {
    return r?.status?.conditions?.find((c) => c.type === type);
  }

  async entry(
    ns: string,
    name: string,
  ): Promise<{ value: Record<string, unknown>; modRevision: number } | undefined> {
    const res = await this.etcd.get(k8sEntryKey(ns, name)).exec();
    const kv = res.kvs[0];
    return kv ? { value: JSON.parse(kv.value.toString()), modRevision: Number(kv.mod_revision) } : undefined;
  }

  /** Writes an agent status record the way an agent would (AgentStatus shape). */
  async agentReports(
    node: string,
    collections: AgentStatus['collections'],
    rejected: Record<string, string> = {},
  ): Promise<void> {
    const now = new Date().toISOString();
    const status: AgentStatus = {
      node,
      pid: 1,
      startedAt: now,
      updatedAt: now,
      configRevision: 0,
      etcd: { connected: true },
      kafka: { connected: true, bufferedBytes: 0 },
      collections,
      rejected,
      tailers: [],
    };
    await this.etcd.put(agentStatusKey(node)).value(JSON.stringify(status));
  }

  /** Sum of a counter over label sets, from the operator's Prometheus registry. */
  static counter(op: Operator, name: string): number {
    return op.registry
      .render()
      .split('\n')
      .filter((l) => l.startsWith(name))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  async stopOperators(): Promise<void> {
    await Promise.all(this.operators.splice(0).map((o) => o.shutdown()));
  }

  async close(): Promise<void> {
    await this.stopOperators();
    await this.clean();
    await this.backend.close();
    this.etcd.close();
  }
}

export { AGENT_STATUS_PREFIX };
