// The API server the operator's integration tests run against: the real kube-apiserver of
// the `kube` service (test/kube/, the default for behaviour), or the double
// (test/support/kube/) for the faults a real server cannot be made to produce on cue:
// dropped watches, a forced 410, failing requests. Both answer the same questions the tests
// ask — how many status writes, which events, who holds the Lease — from the audit log and
// the API on the real server, from the request log and the store on the double.

import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { GROUP, PLURAL, VERSION } from '../../operator/resource.ts';
import { AUDIT_MARKER_NAMESPACE } from '../../deploy/local/kube.ts';
import { KubeApiDouble } from '../support/kube/server.ts';
import {
  adminKubeConfig,
  applyBase,
  auditEvents,
  serviceAccountKubeconfig,
} from '../support/kube-cluster.ts';
import { waitFor } from '../support/wait.ts';

export interface KubeBackend {
  readonly kind: 'real' | 'double';
  /** What the operator runs with: on the real server its ServiceAccount's token. */
  readonly operatorKc: KubeConfig;
  /** What the test itself acts with ("kubectl"): the admin. */
  readonly userKc: KubeConfig;
  /** Only on the double: fault injection, request log, store. */
  readonly double?: KubeApiDouble;
  /** Successful writes to LogCollections' status (of `name` if given). */
  statusWrites(name?: string): Promise<number>;
  /** Writes to existing LogCollections: patch/update/delete of the object or its status. */
  objectWrites(): Promise<number>;
  /** Patches of the main resource `name` (finalizer added, finalizer released, label edits). */
  mainPatches(name: string): Promise<number>;
  /** The reasons of the Events in `ns` (all namespaces the tests use if not given). */
  eventReasons(ns?: string): Promise<string[]>;
  leaseHolder(ns: string, name: string): Promise<string | undefined>;
  close(): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const base = { group: GROUP, version: VERSION, plural: PLURAL };

export async function doubleBackend(): Promise<KubeBackend> {
  const api = await new KubeApiDouble().start();
  const kc = new KubeConfig();
  kc.loadFromString(api.kubeconfig());
  const isObjectWrite = (r: { method: string; path: string }) =>
    r.method !== 'GET' && r.path.includes('/logcollections/');
  return {
    kind: 'double',
    operatorKc: kc,
    userKc: kc,
    double: api,
    statusWrites: async (name) => api.statusWrites(name).length,
    objectWrites: async () => api.requests.filter(isObjectWrite).length,
    mainPatches: async (name) =>
      api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/logcollections/${name}`)).length,
    eventReasons: async (ns) =>
      api.store.list('events', ns).items.map((e) => String((e as { reason?: string }).reason)),
    leaseHolder: async (ns, name) => {
      try {
        return (api.store.get('leases', ns, name) as { spec?: { holderIdentity?: string } }).spec
          ?.holderIdentity;
      } catch {
        return undefined;
      }
    },
    close: () => api.stop(),
  };
}

function isConflict(err: unknown): boolean {
  return (err as { code?: number }).code === 409;
}
function isNotFound(err: unknown): boolean {
  return (err as { code?: number }).code === 404;
}

/**
 * The real server. `namespaces` are created if missing and emptied of LogCollections and
 * Events, and the operator's Lease is removed, so each test starts as on a fresh cluster
 * although the control plane is shared by every test file.
 */
export async function realBackend(
  namespaces: readonly string[],
  lease: { ns: string; name: string },
): Promise<KubeBackend> {
  await applyBase();
  const userKc = adminKubeConfig();
  const core = userKc.makeApiClient(CoreV1Api);
  const co = userKc.makeApiClient(CustomObjectsApi);
  const coord = userKc.makeApiClient(CoordinationV1Api);
  for (const ns of [...namespaces, AUDIT_MARKER_NAMESPACE]) {
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch((err: unknown) => {
      if (!isConflict(err)) throw err;
    });
  }
  for (const ns of namespaces) {
    const list = (await co.listNamespacedCustomObject({ ...base, namespace: ns })) as {
      items: { metadata: { name: string } }[];
    };
    for (const item of list.items) {
      const name = item.metadata.name;
      await co
        .patchNamespacedCustomObject(
          { ...base, namespace: ns, name, body: { metadata: { finalizers: null } } },
          merge,
        )
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      await co.deleteNamespacedCustomObject({ ...base, namespace: ns, name }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
    }
    await core.deleteCollectionNamespacedEvent({ namespace: ns });
  }
  await coord.deleteNamespacedLease({ namespace: lease.ns, name: lease.name }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  const { kc: operatorKc } = await serviceAccountKubeconfig('lcs-operator');

  // The audit log is written as requests complete; before counting, write a marker and wait
  // until it shows, so every write the test waited for is in the log.
  const marker = `marker-${randomBytes(4).toString('hex')}`;
  const markers = () =>
    auditEvents().filter(
      (e) => e.objectRef?.namespace === AUDIT_MARKER_NAMESPACE && e.objectRef.name === marker,
    ).length;
  const settled = async () => {
    const before = markers();
    const body = {
      metadata: { name: marker },
      data: { at: `${Date.now()}-${randomBytes(4).toString('hex')}` },
    };
    if (before === 0) await core.createNamespacedConfigMap({ namespace: AUDIT_MARKER_NAMESPACE, body });
    else await core.replaceNamespacedConfigMap({ namespace: AUDIT_MARKER_NAMESPACE, name: marker, body });
    await waitFor('the audit log to catch up', () => markers() > before, { timeoutMs: 5000, intervalMs: 20 });
    return auditEvents().filter(
      (e) => e.objectRef?.resource === PLURAL && (e.responseStatus?.code ?? 0) < 300 && e.objectRef.name,
    );
  };
  return {
    kind: 'real',
    operatorKc,
    userKc,
    statusWrites: async (name) =>
      (await settled()).filter(
        (e) => e.objectRef?.subresource === 'status' && (name === undefined || e.objectRef.name === name),
      ).length,
    objectWrites: async () =>
      (await settled()).filter((e) => ['patch', 'update', 'delete'].includes(e.verb)).length,
    mainPatches: async (name) =>
      (await settled()).filter(
        (e) => e.verb === 'patch' && !e.objectRef?.subresource && e.objectRef?.name === name,
      ).length,
    eventReasons: async (ns) => {
      const out: string[] = [];
      for (const n of ns ? [ns] : namespaces) {
        const list = await core.listNamespacedEvent({ namespace: n });
        out.push(...list.items.map((e) => String(e.reason)));
      }
      return out;
    },
    leaseHolder: async (ns, name) => {
      try {
        return (await coord.readNamespacedLease({ namespace: ns, name })).spec?.holderIdentity;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    close: async () => {},
  };
}
