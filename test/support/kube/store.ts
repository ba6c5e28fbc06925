// The object store behind the API-server double: resourceVersion, generation, the status
// subresource, finalizers with deletionTimestamp, optimistic concurrency and a bounded watch
// history (older resourceVersions get 410 Gone). Semantics follow the real API server for
// the parts LCS uses; docs/kube-api-double.md lists what is left out.

import { randomUUID } from 'node:crypto';
import { canonical, jsonPatch, mergePatch, PatchError, type Json } from './patch.ts';

export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  kind: string;
  statusSubresource: boolean;
  /** Custom resources get metadata.generation, bumped on spec changes. */
  generation: boolean;
}

export const RESOURCE_TYPES: ResourceType[] = [
  {
    group: 'lcs.dev',
    version: 'v1alpha1',
    plural: 'logcollections',
    kind: 'LogCollection',
    statusSubresource: true,
    generation: true,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    statusSubresource: false,
    generation: false,
  },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', statusSubresource: false, generation: false },
  // Pods: status is the kubelet's (written through /status); create drops it, as the real
  // server does. List and watch honour fieldSelector and labelSelector (selectors.ts).
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', statusSubresource: true, generation: false },
];

export type Obj = { [k: string]: Json } & { metadata: Meta };
export interface Meta {
  [k: string]: Json | undefined;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  finalizers?: string[];
  deletionTimestamp?: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  type: EventType;
  plural: string;
  object: Obj;
  rv: number;
  /** The object before this change (MODIFIED, DELETED): selector watches need both. */
  previous?: Obj;
}

/** An error the server renders as a Kubernetes Status object. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

export type PatchType = 'merge' | 'json';
export type Subresource = 'main' | 'status';

const specOf = (o: Obj) => {
  const rest: Record<string, Json> = { ...o };
  for (const k of ['metadata', 'status', 'apiVersion', 'kind']) delete rest[k];
  return JSON.stringify(canonical(rest));
};

export class ObjectStore {
  private rv = 1000;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private history: StoreEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldestWatchable = 0;
  retain = 1000;
  private readonly listeners = new Set<(ev: StoreEvent) => void>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
    for (const t of RESOURCE_TYPES) this.objects.set(t.plural, new Map());
  }

  type(plural: string): ResourceType {
    const t = RESOURCE_TYPES.find((r) => r.plural === plural);
    if (!t)
      throw new ApiError(404, 'NotFound', `the server could not find the requested resource (${plural})`);
    return t;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  onEvent(fn: (ev: StoreEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  list(plural: string, namespace?: string): { items: Obj[]; resourceVersion: string } {
    this.type(plural);
    const items = [...this.objects.get(plural)!.values()].filter(
      (o) => namespace === undefined || o.metadata.namespace === namespace,
    );
    return { items: structuredClone(items), resourceVersion: this.resourceVersion };
  }

  get(plural: string, namespace: string, name: string): Obj {
    const o = this.objects.get(this.type(plural).plural)!.get(`${namespace}/${name}`);
    if (!o) throw new ApiError(404, 'NotFound', `${plural} "${name}" not found`);
    return structuredClone(o);
  }

  create(plural: string, namespace: string, body: unknown): Obj {
    const t = this.type(plural);
    const obj = structuredClone(body) as Obj;
    if (typeof obj !== 'object' || obj === null || typeof obj.metadata !== 'object')
      throw new ApiError(400, 'BadRequest', 'body must be an object with metadata');
    const meta = obj.metadata;
    if (!meta.name && typeof meta['generateName'] === 'string')
      meta.name = `${meta['generateName']}${randomUUID().slice(0, 5)}`;
    if (!meta.name) throw new ApiError(422, 'Invalid', 'metadata.name: Required value');
    if (meta.namespace && meta.namespace !== namespace)
      throw new ApiError(
        400,
        'BadRequest',
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    const map = this.objects.get(plural)!;
    if (map.has(`${namespace}/${meta.name}`))
      throw new ApiError(409, 'AlreadyExists', `${plural} "${meta.name}" already exists`);
    meta.namespace = namespace;
    meta.uid = randomUUID();
    meta['creationTimestamp'] = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    delete meta.deletionTimestamp;
    if (t.generation) meta.generation = 1;
    // With a status subresource, status cannot be set on create.
    if (t.statusSubresource) delete obj['status'];
    obj['apiVersion'] = t.group ? `${t.group}/${t.version}` : t.version;
    obj['kind'] = t.kind;
    return this.commit(plural, obj, 'ADDED');
  }

  /** PUT: optimistic concurrency on metadata.resourceVersion when the body carries one. */
  update(plural: string, namespace: string, name: string, body: unknown, sub: Subresource): Obj {
    const current = this.get(plural, namespace, name);
    const next = structuredClone(body) as Obj;
    if (typeof next !== 'object' || next === null || typeof next.metadata !== 'object')
      throw new ApiError(400, 'BadRequest', 'body must be an object with metadata');
    if (next.metadata.name !== undefined && next.metadata.name !== name)
      throw new ApiError(400, 'BadRequest', 'the name of the object does not match the name on the URL');
    return this.write(plural, current, next, sub);
  }

  patch(
    plural: string,
    namespace: string,
    name: string,
    type: PatchType,
    body: unknown,
    sub: Subresource,
  ): Obj {
    const current = this.get(plural, namespace, name);
    let next: Obj;
    try {
      next = (
        type === 'merge'
          ? mergePatch(current as unknown as Json, body as Json)
          : jsonPatch(current as unknown as Json, body)
      ) as Obj;
    } catch (err) {
      if (err instanceof PatchError)
        throw new ApiError(err.status, err.status === 422 ? 'Invalid' : 'BadRequest', err.message);
      throw err;
    }
    // A merge patch that does not mention resourceVersion is unconditional.
    const asked =
      type === 'merge'
        ? (body as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion
        : next.metadata?.resourceVersion;
    next.metadata = { ...next.metadata, resourceVersion: asked ?? current.metadata.resourceVersion! };
    return this.write(plural, current, next, sub);
  }

  delete(plural: string, namespace: string, name: string): Obj {
    const current = this.get(plural, namespace, name);
    if (current.metadata.finalizers?.length) {
      if (current.metadata.deletionTimestamp) return current;
      current.metadata.deletionTimestamp = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
      current.metadata['deletionGracePeriodSeconds'] = 0;
      return this.commit(plural, current, 'MODIFIED');
    }
    return this.commit(plural, current, 'DELETED');
  }

  /**
   * Events after `rv` for a watch, or 'expired' when they are no longer retained.
   * rv '' or '0' means "start now": synthetic ADDED events for what exists.
   */
  since(plural: string, namespace: string | undefined, rv: string | undefined): StoreEvent[] | 'expired' {
    const match = (e: StoreEvent) =>
      e.plural === plural && (namespace === undefined || e.object.metadata.namespace === namespace);
    if (rv === undefined || rv === '' || rv === '0') {
      return this.list(plural, namespace).items.map((o) => ({
        type: 'ADDED' as const,
        plural,
        object: o,
        rv: Number(o.metadata.resourceVersion),
      }));
    }
    const from = Number(rv);
    if (!Number.isFinite(from) || from < this.oldestWatchable) return 'expired';
    return structuredClone(this.history.filter((e) => e.rv > from && match(e)));
  }

  /** Forgets the watch history: any watch from a resourceVersion older than now gets 410. */
  compact(): void {
    this.history = [];
    this.oldestWatchable = this.rv;
  }

  private write(plural: string, current: Obj, next: Obj, sub: Subresource): Obj {
    const t = this.type(plural);
    if (
      next.metadata.resourceVersion !== undefined &&
      next.metadata.resourceVersion !== current.metadata.resourceVersion
    )
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${plural} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    let result: Obj;
    if (sub === 'status') {
      if (!t.statusSubresource) throw new ApiError(404, 'NotFound', `${plural} has no status subresource`);
      // Status writes change status only.
      result = { ...current, ...(next['status'] === undefined ? {} : { status: next['status'] }) } as Obj;
      if (next['status'] === undefined) delete result['status'];
    } else {
      result = { ...next, metadata: { ...next.metadata } } as Obj;
      // Immutable and server-owned metadata.
      for (const k of [
        'uid',
        'creationTimestamp',
        'namespace',
        'name',
        'generation',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
      ] as const) {
        const meta = result.metadata as Record<string, Json | undefined>;
        if (current.metadata[k] === undefined) delete meta[k];
        else meta[k] = current.metadata[k];
      }
      if (t.statusSubresource) {
        if (current['status'] === undefined) delete result['status'];
        else result['status'] = current['status'];
      }
      if (current.metadata.deletionTimestamp) {
        const had = new Set(current.metadata.finalizers ?? []);
        const added = (result.metadata.finalizers ?? []).filter((f) => !had.has(f));
        if (added.length)
          throw new ApiError(
            422,
            'Invalid',
            `metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          );
      }
      if (t.generation && specOf(result) !== specOf(current))
        result.metadata.generation = (current.metadata.generation ?? 0) + 1;
    }
    result['apiVersion'] = current['apiVersion']!;
    result['kind'] = current['kind']!;
    if (result.metadata.deletionTimestamp && !result.metadata.finalizers?.length)
      return this.commit(plural, result, 'DELETED');
    if (
      JSON.stringify(canonical(result as unknown as Json)) ===
      JSON.stringify(canonical(current as unknown as Json))
    )
      return current;
    return this.commit(plural, result, 'MODIFIED');
  }

  private commit(plural: string, obj: Obj, type: EventType): Obj {
    this.rv++;
    obj.metadata.resourceVersion = String(this.rv);
    const map = this.objects.get(plural)!;
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const previous = map.get(key);
    if (type === 'DELETED') map.delete(key);
    else map.set(key, structuredClone(obj));
    const ev: StoreEvent = { type, plural, object: structuredClone(obj), rv: this.rv };
    if (previous) ev.previous = previous;
    this.history.push(ev);
    if (this.history.length > this.retain) {
      const dropped = this.history.splice(0, this.history.length - this.retain);
      this.oldestWatchable = Math.max(this.oldestWatchable, dropped[dropped.length - 1]!.rv);
    }
    for (const l of this.listeners) l(ev);
    return structuredClone(obj);
  }
}
