// The LogCollection custom resource: its identity in the API, its shape as the operator
// reads it, and the status it writes. The spec is a CollectEntry (common/schema).

export const GROUP = 'lcs.dev';
export const VERSION = 'v1alpha1';
export const PLURAL = 'logcollections';
export const KIND = 'LogCollection';
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Held while the resource has an entry in etcd, so deleting it removes the entry first. */
export const FINALIZER = 'lcs.dev/collect-entry';

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  finalizers?: string[];
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type ConditionType = 'Accepted' | 'Synced' | 'Ready';
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: ConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number;
  lastTransitionTime: string;
}

export interface LogCollectionStatus {
  observedGeneration: number;
  /** The etcd key the resource is written to. */
  key: string;
  /** The entry's mod revision in etcd, when the entry exists. */
  modRevision?: number;
  topic?: string;
  /** Agents whose status record lists this collection. */
  agents: number;
  /** Of those, agents that applied the current mod revision. */
  agentsUpToDate: number;
  agentsWithErrors: number;
  eventsPerSec: number;
  lastError?: string;
  conditions: Condition[];
}

export interface LogCollection {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: Partial<LogCollectionStatus>;
}

export const resourceKey = (r: { metadata: { namespace: string; name: string } }): string =>
  `${r.metadata.namespace}/${r.metadata.name}`;
export const collectionName = (namespace: string, name: string): string => `k8s/${namespace}/${name}`;
