// The operator's settings: etcd, the Kubernetes connection, namespace policy, resync and
// leader election.

import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { etcdSettings, kafkaSettings, processSettings } from '../common/config/common-settings.ts';
import type { SettingSpec } from '../common/config/settings.ts';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const dns1123 = (v: unknown) =>
  v === '' || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(String(v))
    ? undefined
    : 'must be a Kubernetes name (lowercase letters, digits, "-")';
const positive = (v: unknown) => (typeof v === 'number' && v > 0 ? undefined : 'must be greater than 0');

/** In a pod the service account tells the namespace; elsewhere lcs-system (the chart's default). */
export function defaultNamespace(exists = existsSync, read = (p: string) => readFileSync(p, 'utf8')): string {
  return exists(SA_NAMESPACE) ? read(SA_NAMESPACE).trim() : 'lcs-system';
}

export const operatorSettings: SettingSpec[] = [
  ...etcdSettings,
  ...kafkaSettings,
  {
    key: 'operator.createTopics',
    type: 'bool',
    env: 'LCS_OPERATOR_CREATE_TOPICS',
    default: false,
    description:
      "create a LogCollection's Kafka topic when it does not exist, with spec.kafka's partitions, replicationFactor and retentionMs (never changes an existing topic)",
  },
  ...processSettings.filter((s) => s.key !== 'status.interval' && s.key !== 'node.name'),
  {
    key: 'kube.config',
    type: 'string',
    env: 'LCS_KUBECONFIG',
    default: '',
    description:
      'kubeconfig file; empty: in-cluster service account when in a pod, else $KUBECONFIG or ~/.kube/config',
  },
  {
    key: 'operator.namespace',
    type: 'string',
    env: 'LCS_OPERATOR_NAMESPACE',
    default: defaultNamespace(),
    description:
      "the operator's own namespace (trusted for files sources unless operator.trustedNamespaces says otherwise)",
    check: dns1123,
  },
  {
    key: 'operator.watchNamespace',
    type: 'string',
    env: 'LCS_OPERATOR_WATCH_NAMESPACE',
    default: '',
    description: 'reconcile only this namespace (empty: all namespaces, which needs cluster-wide RBAC)',
    check: dns1123,
  },
  {
    key: 'operator.trustedNamespaces',
    type: 'list',
    env: 'LCS_OPERATOR_TRUSTED_NAMESPACES',
    default: [],
    description:
      'namespaces whose LogCollections may read host files (a files source); empty: only operator.namespace',
    check: (v) => (v as string[]).map(dns1123).find(Boolean),
  },
  {
    key: 'operator.resync',
    type: 'duration',
    env: 'LCS_OPERATOR_RESYNC',
    default: 60_000,
    description: 'how often every LogCollection and collect entry is reconciled even without a change',
    check: positive,
  },
  {
    key: 'leader.enabled',
    type: 'bool',
    env: 'LCS_LEADER_ENABLED',
    default: true,
    description: 'elect one writer among replicas through a Lease (turn off only for a single replica)',
  },
  {
    key: 'leader.leaseName',
    type: 'string',
    env: 'LCS_LEADER_LEASE_NAME',
    default: 'lcs-operator',
    description: 'name of the coordination.k8s.io Lease',
    check: dns1123,
  },
  {
    key: 'leader.leaseNamespace',
    type: 'string',
    env: 'LCS_LEADER_LEASE_NAMESPACE',
    default: '',
    description: 'namespace of the Lease (empty: operator.namespace)',
    check: dns1123,
  },
  {
    key: 'leader.identity',
    type: 'string',
    env: 'LCS_LEADER_IDENTITY',
    default: `${hostname()}_${process.pid}`,
    description: 'this replica in the Lease (the pod name is a good choice)',
  },
  {
    key: 'leader.leaseDuration',
    type: 'duration',
    default: 15_000,
    description: 'how long a Lease holds without renewal before another replica may take over',
    check: positive,
  },
  {
    key: 'leader.renewDeadline',
    type: 'duration',
    default: 10_000,
    description: 'a leader that could not renew for this long stops writing (must be < leader.leaseDuration)',
    check: positive,
  },
  {
    key: 'leader.retryPeriod',
    type: 'duration',
    default: 2_000,
    description: 'how often the Lease is renewed or checked',
    check: positive,
  },
];
