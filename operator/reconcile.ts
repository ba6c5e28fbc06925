// The reconciler's decision, as a pure function of what is observed now: the resource (or
// its absence), the etcd entry with its mod revision, the agents' status records, the
// namespace policy and the time. It returns the etcd writes (compare-and-swap on the mod
// revision seen), the finalizer change, the status (only when it differs from the one
// shown) and the Events to emit. Level-based: it never sees a watch event type, so a
// missed, repeated or reordered event changes nothing.

import { formatIssues } from '../common/schema/dsl.ts';
import { decodeCollectEntry, parseCollectEntry, type CollectEntry } from '../common/schema/collect-entry.ts';
import { k8sEntryKey } from '../common/keyspace.ts';
import { summarize, type AgentRecord } from './agents.ts';
import { checkPolicy, type Policy } from './policy.ts';
import { collectionName, FINALIZER, type LogCollection, type LogCollectionStatus } from './resource.ts';
import { buildStatus, canonicalJson, transitionEvents, type KubeEvent, type Verdict } from './status.ts';

export interface ObservedEntry {
  value: string;
  modRevision: number;
}

export interface ReconcileInput {
  namespace: string;
  name: string;
  /** Undefined when no such resource exists (its etcd entry, if any, is garbage). */
  resource: LogCollection | undefined;
  entry: ObservedEntry | undefined;
  agents: readonly AgentRecord[];
  policy: Policy;
  now: number;
}

/** expectModRevision 0 means "the key must not exist". */
export type EtcdWrite =
  | { op: 'put'; key: string; value: string; expectModRevision: number }
  | { op: 'delete'; key: string; expectModRevision: number };

export interface ReconcileResult {
  etcd: EtcdWrite[];
  finalizer?: 'add' | 'remove';
  /** Present only when it differs from the status the resource shows. */
  status?: LogCollectionStatus;
  events: KubeEvent[];
}

const NOTHING: ReconcileResult = { etcd: [], events: [] };

export function sameEntry(observed: string, desired: CollectEntry): boolean {
  const d = decodeCollectEntry(observed);
  // Compared after defaults, so a hand-written but equivalent value is not drift.
  return d.ok && canonicalJson(d.value) === canonicalJson(desired);
}

export function reconcile(input: ReconcileInput): ReconcileResult {
  const { resource, entry } = input;
  const key = k8sEntryKey(input.namespace, input.name);
  const remove: EtcdWrite[] = entry ? [{ op: 'delete', key, expectModRevision: entry.modRevision }] : [];

  // Garbage: an operator-owned key without a resource.
  if (!resource) return { ...NOTHING, etcd: remove };

  const hasFinalizer = resource.metadata.finalizers?.includes(FINALIZER) ?? false;
  if (resource.metadata.deletionTimestamp) {
    if (!hasFinalizer) return NOTHING;
    // The entry goes first; the finalizer is released once etcd no longer holds it.
    if (entry) return { ...NOTHING, etcd: remove };
    return { ...NOTHING, finalizer: 'remove' };
  }

  const finalizer = hasFinalizer ? undefined : ('add' as const);
  const generation = resource.metadata.generation ?? 0;
  const parsed = parseCollectEntry(resource.spec);
  let accepted: Verdict;
  let desired: CollectEntry | undefined;
  if (!parsed.ok) {
    accepted = {
      status: 'False',
      reason: 'InvalidSpec',
      message: `the spec is not a valid CollectEntry: ${formatIssues(parsed.issues)}`,
    };
  } else {
    const verdict = checkPolicy(input.namespace, parsed.value, input.policy);
    if (verdict.ok) {
      accepted = {
        status: 'True',
        reason: 'Valid',
        message: 'the spec is a valid CollectEntry and passes the namespace policy',
      };
      desired = parsed.value;
    } else accepted = { status: 'False', reason: verdict.reason, message: verdict.message };
  }

  let etcd: EtcdWrite[] = [];
  let synced: Verdict;
  if (!desired) {
    // A rejected spec must not keep collecting under an older, accepted version: a
    // namespace that lost trust must lose its host-file entry too.
    etcd = remove;
    synced = {
      status: 'False',
      reason: 'NotAccepted',
      message: `nothing is written to etcd while the spec is not accepted${entry ? `; removing the previous entry from ${key}` : ''}`,
    };
  } else if (entry && sameEntry(entry.value, desired)) {
    synced = {
      status: 'True',
      reason: 'Synced',
      message: `${key} holds generation ${generation} (mod revision ${entry.modRevision})`,
    };
  } else {
    etcd = [{ op: 'put', key, value: JSON.stringify(desired), expectModRevision: entry?.modRevision ?? 0 }];
    synced = { status: 'Unknown', reason: 'Syncing', message: `writing generation ${generation} to ${key}` };
  }

  const summary = summarize(collectionName(input.namespace, input.name), entry?.modRevision, input.agents);
  const status = buildStatus(
    {
      generation,
      key,
      topic: desired?.topic,
      modRevision: desired && etcd.length === 0 ? entry?.modRevision : undefined,
      accepted,
      synced,
      agents: summary,
    },
    resource.status,
    input.now,
  );
  const changed = canonicalJson(status) !== canonicalJson(resource.status ?? null);
  return {
    etcd,
    ...(finalizer ? { finalizer } : {}),
    ...(changed ? { status } : {}),
    events: changed ? transitionEvents(resource.status, status) : [],
  };
}
