// The etcd keyspace (v1), docs/design.md "etcd keyspace". Every key LCS reads or writes is built
// and parsed here, so the layout lives in one place.

export const PREFIX = '/lcs/v1/';
export const COLLECT_PREFIX = '/lcs/v1/collect/';
export const K8S_PREFIX = '/lcs/v1/collect/k8s/';
export const ADHOC_PREFIX = '/lcs/v1/collect/adhoc/';
export const LEGACY_KEY = '/collect_log_conf';
export const AGENT_STATUS_PREFIX = '/lcs/v1/status/agents/';
export const TRANSFER_STATUS_PREFIX = '/lcs/v1/status/transfers/';
export const METRICS_STATUS_PREFIX = '/lcs/v1/status/metrics/';
export const ELECTION_PREFIX = '/lcs/v1/election/';
export const AUDIT_PREFIX = '/lcs/v1/audit/';
export const TRASH_PREFIX = '/lcs/v1/trash/';
export const STATUS_PREFIX = '/lcs/v1/status/';

/** A collection's stable name: `k8s/<ns>/<name>`, `adhoc/<name>` or `legacy/<n>`. */
export type CollectionName = string;

export const k8sEntryKey = (namespace: string, name: string): string => `${K8S_PREFIX}${namespace}/${name}`;
export const adhocEntryKey = (name: string): string => `${ADHOC_PREFIX}${name}`;
export const agentStatusKey = (node: string): string => `${AGENT_STATUS_PREFIX}${node}`;
export const transferStatusKey = (member: string): string => `${TRANSFER_STATUS_PREFIX}${member}`;
export const metricsStatusKey = (node: string): string => `${METRICS_STATUS_PREFIX}${node}`;
/** Where candidates for a role campaign (etcd3 Election), e.g. `metrics-pipeline`. */
export const electionKey = (role: string): string => `${ELECTION_PREFIX}${role}`;

/** The etcd key of a collection name (`adhoc/x`, `k8s/ns/x`); legacy names live in one key. */
export function keyOfCollection(name: CollectionName): string | undefined {
  if (name === 'legacy' || name.startsWith('legacy/')) return LEGACY_KEY;
  const key = `${COLLECT_PREFIX}${name}`;
  return collectionNameOf(key) === name ? key : undefined;
}

/** The collection name for a collect key, or undefined if the key is not a collect entry. */
export function collectionNameOf(key: string): CollectionName | undefined {
  if (!key.startsWith(COLLECT_PREFIX)) return undefined;
  const rest = key.slice(COLLECT_PREFIX.length);
  if (rest.startsWith('k8s/')) {
    const parts = rest.split('/');
    return parts.length === 3 && parts[1] && parts[2] ? rest : undefined;
  }
  if (rest.startsWith('adhoc/')) {
    const name = rest.slice('adhoc/'.length);
    return /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(name) ? rest : undefined;
  }
  return undefined;
}

export const legacyCollectionName = (i: number): CollectionName => `legacy/${i}`;
