// The operator's view of the Kubernetes API, over @kubernetes/client-node: list and watch
// LogCollections, change finalizers and status, post Events. Every write carries what it
// needs for optimistic concurrency; errors become OperatorErrors.

import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import {
  API_VERSION,
  GROUP,
  KIND,
  PLURAL,
  VERSION,
  type LogCollection,
  type LogCollectionStatus,
} from './resource.ts';
import type { KubeEvent } from './status.ts';
import { kubeError } from './errors.ts';

export interface LogCollectionList {
  items: LogCollection[];
  metadata?: { resourceVersion?: string };
}

export interface KubeClient {
  /** The watch path for ListWatch and the matching list call. */
  readonly path: string;
  list(): Promise<LogCollectionList>;
  setFinalizers(r: LogCollection, finalizers: string[]): Promise<LogCollection>;
  writeStatus(r: LogCollection, status: LogCollectionStatus): Promise<LogCollection>;
  emit(r: LogCollection, e: KubeEvent, now: number): Promise<void>;
}

const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A merge patch that replaces `status` exactly: fields that went away are set to null. */
export function statusPatch(
  old: LogCollection['status'],
  next: LogCollectionStatus,
): { status: Record<string, unknown> } {
  const status: Record<string, unknown> = { ...next };
  for (const k of Object.keys(old ?? {})) if (!(k in next)) status[k] = null;
  return { status };
}

export function createKubeClient(
  kc: KubeConfig,
  opts: { namespace?: string; component: string; host: string },
): KubeClient {
  const co = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const ns = opts.namespace;
  const base = { group: GROUP, version: VERSION, plural: PLURAL };
  return {
    path: ns ? `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    async list() {
      try {
        return (
          ns
            ? await co.listNamespacedCustomObject({ ...base, namespace: ns })
            : await co.listClusterCustomObject(base)
        ) as LogCollectionList;
      } catch (err) {
        throw kubeError('listing LogCollections', err);
      }
    },
    async setFinalizers(r, finalizers) {
      try {
        // resourceVersion in a merge patch is a precondition: 409 if the object moved on.
        const body = { metadata: { finalizers, resourceVersion: r.metadata.resourceVersion } };
        return (await co.patchNamespacedCustomObject(
          { ...base, namespace: r.metadata.namespace, name: r.metadata.name, body },
          merge,
        )) as LogCollection;
      } catch (err) {
        throw kubeError(`updating the finalizers of ${r.metadata.namespace}/${r.metadata.name}`, err);
      }
    },
    async writeStatus(r, status) {
      try {
        const body = statusPatch(r.status, status);
        return (await co.patchNamespacedCustomObjectStatus(
          { ...base, namespace: r.metadata.namespace, name: r.metadata.name, body },
          merge,
        )) as LogCollection;
      } catch (err) {
        throw kubeError(`writing the status of ${r.metadata.namespace}/${r.metadata.name}`, err);
      }
    },
    async emit(r, e, now) {
      const time = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
      try {
        await core.createNamespacedEvent({
          namespace: r.metadata.namespace,
          body: {
            metadata: {
              name: `${r.metadata.name}.${randomBytes(8).toString('hex')}`,
              namespace: r.metadata.namespace,
            },
            involvedObject: {
              apiVersion: API_VERSION,
              kind: KIND,
              name: r.metadata.name,
              namespace: r.metadata.namespace,
              uid: r.metadata.uid,
              resourceVersion: r.metadata.resourceVersion,
            },
            type: e.type,
            reason: e.reason,
            message: e.message.slice(0, 1024),
            source: { component: opts.component, host: opts.host },
            reportingComponent: opts.component,
            reportingInstance: opts.host,
            firstTimestamp: time as unknown as Date,
            lastTimestamp: time as unknown as Date,
            count: 1,
          },
        });
      } catch (err) {
        throw kubeError(`posting event ${e.reason} on ${r.metadata.namespace}/${r.metadata.name}`, err);
      }
    },
  };
}
