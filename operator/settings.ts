// The operator's settings, declared once: etcd, the Kubernetes connection, namespace policy,
// resync and leader election. The typed values (OperatorSettings) are derived from this
// declaration; validateOperatorSettings holds the rules across settings.

import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  etcdSettings,
  kafkaSettings,
  serveSettings,
  validateEtcdSettings,
  validateKafkaSettings,
} from '../common/config/common-settings.ts';
import { setting, type SettingsOf } from '../common/config/settings.ts';
import { ConfigError } from '../common/errors.ts';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const dns1123 = (v: string) =>
  v === '' || /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v)
    ? undefined
    : 'must be a Kubernetes name (lowercase letters, digits, "-")';
const positive = (v: number) => (v > 0 ? undefined : 'must be greater than 0');

/** In a pod the service account tells the namespace; elsewhere lcs-system (the chart's default). */
export function defaultNamespace(exists = existsSync, read = (p: string) => readFileSync(p, 'utf8')): string {
  return exists(SA_NAMESPACE) ? read(SA_NAMESPACE).trim() : 'lcs-system';
}

export const operatorSettings = {
  ...etcdSettings,
  ...kafkaSettings,
  'operator.createTopics': setting.bool({
    env: 'LCS_OPERATOR_CREATE_TOPICS',
    default: false,
    description:
      "create a LogCollection's Kafka topic when it does not exist, with spec.kafka's partitions, replicationFactor and retentionMs (never changes an existing topic)",
  }),
  ...serveSettings,
  'kube.config': setting.string({
    env: 'LCS_KUBECONFIG',
    default: '',
    description:
      'kubeconfig file; empty: in-cluster service account when in a pod, else $KUBECONFIG or ~/.kube/config',
  }),
  'operator.namespace': setting.string({
    env: 'LCS_OPERATOR_NAMESPACE',
    default: defaultNamespace(),
    description:
      "the operator's own namespace (trusted for files sources unless operator.trustedNamespaces says otherwise)",
    check: dns1123,
  }),
  'operator.watchNamespace': setting.string({
    env: 'LCS_OPERATOR_WATCH_NAMESPACE',
    default: '',
    description: 'reconcile only this namespace (empty: all namespaces, which needs cluster-wide RBAC)',
    check: dns1123,
  }),
  'operator.trustedNamespaces': setting.list({
    env: 'LCS_OPERATOR_TRUSTED_NAMESPACES',
    default: [],
    description:
      'namespaces whose LogCollections may read host files (a files source); empty: only operator.namespace',
    check: (v) => v.map(dns1123).find(Boolean),
  }),
  'operator.resync': setting.duration({
    env: 'LCS_OPERATOR_RESYNC',
    default: 60_000,
    description: 'how often every LogCollection and collect entry is reconciled even without a change',
    check: positive,
  }),
  'leader.enabled': setting.bool({
    env: 'LCS_LEADER_ENABLED',
    default: true,
    description: 'elect one writer among replicas through a Lease (turn off only for a single replica)',
  }),
  'leader.leaseName': setting.string({
    env: 'LCS_LEADER_LEASE_NAME',
    default: 'lcs-operator',
    description: 'name of the coordination.k8s.io Lease',
    check: dns1123,
  }),
  'leader.leaseNamespace': setting.string({
    env: 'LCS_LEADER_LEASE_NAMESPACE',
    default: '',
    description: 'namespace of the Lease (empty: operator.namespace)',
    check: dns1123,
  }),
  'leader.identity': setting.string({
    env: 'LCS_LEADER_IDENTITY',
    default: `${hostname()}_${process.pid}`,
    description: 'this replica in the Lease (the pod name is a good choice)',
  }),
  'leader.leaseDuration': setting.duration({
    default: 15_000,
    description: 'how long a Lease holds without renewal before another replica may take over',
    check: positive,
  }),
  'leader.renewDeadline': setting.duration({
    default: 10_000,
    description: 'a leader that could not renew for this long stops writing (must be < leader.leaseDuration)',
    check: positive,
  }),
  'leader.retryPeriod': setting.duration({
    default: 2_000,
    description: 'how often the Lease is renewed or checked',
    check: positive,
  }),
};

export type OperatorSettings = SettingsOf<typeof operatorSettings>;

/** Rules across the operator's settings; each problem names the key to change. */
export function validateOperatorSettings(s: OperatorSettings): ConfigError[] {
  const problems = [...validateEtcdSettings(s), ...validateKafkaSettings(s)];
  const lease = s['leader.leaseDuration'];
  const renew = s['leader.renewDeadline'];
  if (renew >= lease)
    problems.push(
      new ConfigError(
        'leader.renewDeadline',
        `must be shorter than leader.leaseDuration (${lease} ms), or two replicas could both lead`,
      ),
    );
  if (s['leader.retryPeriod'] >= renew)
    problems.push(
      new ConfigError(
        'leader.retryPeriod',
        `must be shorter than leader.renewDeadline (${renew} ms), or a leader gives up before it retried once`,
      ),
    );
  return problems;
}
