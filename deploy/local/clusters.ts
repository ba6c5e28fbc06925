// `npm run services:up -- --cluster`: the engines as clusters on this machine, for the fault
// tests and for trying LCS the way it runs in production: Kafka with three KRaft nodes
// (replication factor 3, min.insync.replicas 2), etcd with three members, Elasticsearch with
// three nodes, each node on its own loopback ports and data directory under the services
// folder (`<services>/cluster/<engine>`), beside the single-node services (other ports).

import path from 'node:path';
import { EtcdCluster } from './etcd-cluster.ts';
import { KafkaCluster } from './kafka-cluster.ts';
import { ElasticsearchCluster } from './elasticsearch-cluster.ts';
import { ServiceError } from './errors.ts';
import { servicesDir, type Env } from './layout.ts';
import type { Log } from './install.ts';

export const CLUSTER_NAMES = ['etcd', 'kafka', 'elasticsearch'] as const;
export type ClusterName = (typeof CLUSTER_NAMES)[number];

/** Node 1's client port; node i uses base + 10·(i−1). `LCS_CLUSTER_<NAME>_PORT` overrides. */
export const CLUSTER_BASE_PORTS: Record<ClusterName, number> = {
  etcd: 32379,
  kafka: 32092,
  elasticsearch: 32200,
};

export function clusterBasePort(name: ClusterName, env: Env = process.env): number {
  const key = `LCS_CLUSTER_${name.toUpperCase()}_PORT`;
  const raw = env[key];
  if (raw === undefined || raw === '') return CLUSTER_BASE_PORTS[name];
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > 65500)
    throw new ServiceError(
      'bad-config',
      `${key}=${raw} is not a TCP port (1-65500; nodes take the next ports)`,
    );
  return v;
}

export interface Clusters {
  etcd: EtcdCluster;
  kafka: KafkaCluster;
  elasticsearch: ElasticsearchCluster;
}

export function clusters(log: Log = () => {}, env: Env = process.env): Clusters {
  const dir = (n: ClusterName) => path.join(servicesDir(env), 'cluster', n);
  return {
    etcd: new EtcdCluster({ dir: dir('etcd'), basePort: clusterBasePort('etcd', env), log }),
    kafka: new KafkaCluster({ dir: dir('kafka'), basePort: clusterBasePort('kafka', env), env, log }),
    elasticsearch: new ElasticsearchCluster({
      dir: dir('elasticsearch'),
      basePort: clusterBasePort('elasticsearch', env),
      log,
    }),
  };
}

/** The settings every component takes to use the clusters (docs/design.md "Common settings"). */
export function clusterEndpointEnv(c: Clusters): Record<string, string> {
  return {
    LCS_ETCD_ENDPOINTS: c.etcd.endpoints().join(','),
    LCS_KAFKA_BROKERS: c.kafka.brokers().join(','),
    LCS_ELASTICSEARCH_URL: c.elasticsearch.urls().join(','),
  };
}

export function parseClusterNames(args: readonly string[]): ClusterName[] {
  const names = args.filter((a) => !a.startsWith('--'));
  for (const n of names)
    if (!(CLUSTER_NAMES as readonly string[]).includes(n))
      throw new ServiceError('bad-config', `unknown cluster "${n}" (clusters: ${CLUSTER_NAMES.join(', ')})`);
  return names.length ? (names as ClusterName[]) : [...CLUSTER_NAMES];
}

/** Starts the named clusters one after another (each waits until healthy); a failure stops what this call started. */
export async function clustersUp(
  names: readonly ClusterName[],
  log: Log,
  env: Env = process.env,
): Promise<Clusters> {
  const c = clusters(log, env);
  const started: ClusterName[] = [];
  try {
    for (const n of names) {
      const t = Date.now();
      log(`${n} cluster: starting…`);
      await c[n].up();
      started.push(n);
      log(`${n} cluster: up in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  } catch (err) {
    log(
      `starting the ${names[started.length]} cluster failed; stopping what was started (${started.join(', ') || 'nothing'})`,
    );
    for (const n of started.reverse()) await c[n].down().catch(() => {});
    throw err;
  }
  return c;
}

export async function clustersDown(
  names: readonly ClusterName[],
  log: Log,
  env: Env = process.env,
): Promise<void> {
  const c = clusters(log, env);
  for (const n of [...names].reverse()) {
    await c[n].down();
    log(`${n} cluster: stopped`);
  }
}
