import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from './errors.ts';
import { clusterBasePort, clusterEndpointEnv, clusters, parseClusterNames } from './clusters.ts';

test('the clusters sit on their own ports, three nodes each, and the components are told all of them', () => {
  const env = { LCS_SERVICES_DIR: '/s' };
  const e = clusterEndpointEnv(clusters(() => {}, env));
  assert.equal(e.LCS_ETCD_ENDPOINTS, 'http://127.0.0.1:32379,http://127.0.0.1:32389,http://127.0.0.1:32399');
  assert.equal(e.LCS_KAFKA_BROKERS, '127.0.0.1:32092,127.0.0.1:32102,127.0.0.1:32112');
  assert.equal(
    e.LCS_ELASTICSEARCH_URL,
    'http://127.0.0.1:32200,http://127.0.0.1:32210,http://127.0.0.1:32220',
  );
  assert.equal(clusterBasePort('kafka', { LCS_CLUSTER_KAFKA_PORT: '42092' }), 42092);
  assert.throws(
    () => clusterBasePort('etcd', { LCS_CLUSTER_ETCD_PORT: 'x' }),
    (err: unknown) => err instanceof ServiceError && /LCS_CLUSTER_ETCD_PORT=x/.test(err.message),
  );
});

test('--cluster takes engine names, all three by default, and refuses others by name', () => {
  assert.deepEqual(parseClusterNames(['--cluster']), ['etcd', 'kafka', 'elasticsearch']);
  assert.deepEqual(parseClusterNames(['--cluster', 'kafka']), ['kafka']);
  assert.throws(
    () => parseClusterNames(['--cluster', 'influxdb']),
    /unknown cluster "influxdb" \(clusters: etcd, kafka, elasticsearch\)/,
  );
});
