// What the console writes to etcd, each write one transaction: the change, guarded by the
// key's mod_revision (so two editors never overwrite each other silently), together with its
// audit record (so the change and its audit land together or not at all: when etcd refuses
// the audit record, by its RBAC or any other failure, the change is refused too). Deleted
// entries go to the recycle bin in the same transaction. History comes from etcd's own
// revisions, until compaction.

import { randomBytes } from 'node:crypto';
import type { Etcd3, IKeyValue } from 'etcd3';
import {
  ADHOC_PREFIX,
  AUDIT_PREFIX,
  TRASH_PREFIX,
  collectionNameOf,
  keyOfCollection,
  type CollectionName,
} from '../common/keyspace.ts';
import { LcsError } from '../common/errors.ts';
import type { Issue } from '../common/schema/dsl.ts';
import { decodeCollectEntry, parseCollectEntry, type CollectEntry } from '../common/schema/collect-entry.ts';

export type AuditAction = 'create' | 'update' | 'delete' | 'rollback' | 'restore' | 'put-key' | 'dlq-replay';

export interface Actor {
  user: string;
  client: string;
}

export interface AuditRecord {
  id: string;
  time: string;
  user: string;
  client: string;
  action: AuditAction;
  key: string;
  before: string | null;
  after: string | null;
  /** The revision of the change (the audit key's own mod_revision: the same transaction). */
  modRevision: number;
  detail?: Record<string, unknown>;
}

export interface TrashItem {
  id: string;
  key: string;
  name: CollectionName;
  deletedAt: string;
  deletedBy: string;
  value: string;
  modRevision: number;
}

export interface Version {
  modRevision: number;
  version: number;
  value: string;
  entry?: CollectEntry;
  issues?: Issue[];
}

/** A request the store refuses: `status` is the HTTP status the API answers with. */
export class StoreError extends LcsError {
  readonly status: number;
  readonly issues: Issue[] | undefined;
  readonly current: { value: string | null; modRevision: number } | undefined;
  constructor(
    status: number,
    message: string,
    o: { issues?: Issue[]; current?: { value: string | null; modRevision: number }; cause?: unknown } = {},
  ) {
    super(status === 409 ? 'LCS_CONFLICT' : status === 503 ? 'LCS_UNAVAILABLE' : 'LCS_BAD_REQUEST', message, {
      cause: o.cause,
    });
    this.status = status;
    this.issues = o.issues;
    this.current = o.current;
  }
}

const HISTORY_LIMIT = 50;

const isCompacted = (err: unknown): boolean => /compacted/i.test(String((err as Error)?.message ?? err));

/** Only ad-hoc entries are the console's to write; the operator owns k8s/, legacy is one key. */
export function writableKey(name: string): string {
  const key = keyOfCollection(name);
  if (key === undefined)
    throw new StoreError(
      400,
      `"${name}" is not a collection name (adhoc/<name>, k8s/<ns>/<name>, legacy/<i>)`,
    );
  if (!key.startsWith(ADHOC_PREFIX))
    throw new StoreError(
      403,
      name.startsWith('k8s/')
        ? `${name} is owned by its LogCollection resource: edit it with kubectl`
        : `${name} comes from the legacy key /collect_log_conf: edit it in the Keys view (admin)`,
    );
  return key;
}

/** The value to store: validated with the CollectEntry schema, written as canonical JSON. */
export function validEntryValue(entry: unknown): string {
  const parsed = parseCollectEntry(entry);
  if (!parsed.ok) throw new StoreError(400, 'the entry does not validate', { issues: parsed.issues });
  return JSON.stringify(entry, null, 2);
}

export class ConsoleStore {
  private readonly etcd: Etcd3;
  private readonly now: () => Date;

  constructor(etcd: Etcd3, now: () => Date = () => new Date()) {
    this.etcd = etcd;
    this.now = now;
  }

  private auditKey(time: string): string {
    return `${AUDIT_PREFIX}${time}-${randomBytes(6).toString('hex')}`;
  }

  private auditValue(a: Omit<AuditRecord, 'id' | 'modRevision'>): string {
    return JSON.stringify(a);
  }

  async getRaw(key: string): Promise<IKeyValue | undefined> {
    const res = await this.etcd.kv.range({ key: Buffer.from(key) });
    return res.kvs[0];
  }

  /**
   * Puts `value` at `key` if its mod_revision is `expect` (0: the key must not exist), with the
   * audit record, and, when given, more operations in the same transaction.
   */
  private async guardedWrite(o: {
    key: string;
    expect: number;
    value: string | null;
    actor: Actor;
    action: AuditAction;
    before: string | null;
    detail?: Record<string, unknown>;
    also?: { put?: [string, string][]; del?: string[]; require?: [string, number][] };
  }): Promise<number> {
    const time = this.now().toISOString();
    const auditKey = this.auditKey(time);
    const audit = this.auditValue({
      time,
      user: o.actor.user,
      client: o.actor.client,
      action: o.action,
      key: o.key,
      before: o.before,
      after: o.value,
      ...(o.detail ? { detail: o.detail } : {}),
    });
    let txn = this.etcd.if(o.key, 'Mod', '==', o.expect).and(auditKey, 'Create', '==', 0);
    for (const [k, rev] of o.also?.require ?? []) txn = txn.and(k, 'Mod', '==', rev);
    const ops = [
      o.value === null ? this.etcd.delete().key(o.key) : this.etcd.put(o.key).value(o.value),
      this.etcd.put(auditKey).value(audit),
      ...(o.also?.put ?? []).map(([k, v]) => this.etcd.put(k).value(v)),
      ...(o.also?.del ?? []).map((k) => this.etcd.delete().key(k)),
    ];
    let res;
    try {
      res = await txn.then(...ops).commit();
    } catch (err) {
      throw new StoreError(
        503,
        `etcd refused the change and its audit record, so nothing was written: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (!res.succeeded) {
      const cur = await this.getRaw(o.key);
      throw new StoreError(
        409,
        cur
          ? `${o.key} changed since revision ${o.expect}: it is now at revision ${cur.mod_revision}`
          : o.expect === 0
            ? `${o.key} changed while writing`
            : `${o.key} was deleted since revision ${o.expect}`,
        {
          current: {
            value: cur ? cur.value.toString() : null,
            modRevision: cur ? Number(cur.mod_revision) : 0,
          },
        },
      );
    }
    return Number(res.header.revision);
  }

  /** Creates (revision 0) or updates an ad-hoc entry. */
  async saveEntry(name: string, entry: unknown, revision: number, actor: Actor): Promise<number> {
    const key = writableKey(name);
    const value = validEntryValue(entry);
    const before = revision === 0 ? null : ((await this.getRaw(key))?.value.toString() ?? null);
    return this.guardedWrite({
      key,
      expect: revision,
      value,
      actor,
      action: revision === 0 ? 'create' : 'update',
      before,
    });
  }

  /** Deletes an ad-hoc entry into the recycle bin; returns the trash id. */
  async deleteEntry(name: string, revision: number, actor: Actor): Promise<string> {
    const key = writableKey(name);
    const cur = await this.getRaw(key);
    if (!cur) throw new StoreError(404, `${name} does not exist`);
    const time = this.now().toISOString();
    const id = `${time}-${encodeURIComponent(name)}`;
    const item = { key, name, deletedAt: time, deletedBy: actor.user, value: cur.value.toString() };
    await this.guardedWrite({
      key,
      expect: revision,
      value: null,
      actor,
      action: 'delete',
      before: cur.value.toString(),
      detail: { trash: id },
      also: { put: [[`${TRASH_PREFIX}${id}`, JSON.stringify(item)]] },
    });
    return id;
  }

  /** Writes the value the entry had at `toRevision` as a new revision. */
  async rollback(name: string, toRevision: number, revision: number, actor: Actor): Promise<number> {
    const key = writableKey(name);
    const old = await this.valueAt(key, toRevision);
    if (old === undefined) throw new StoreError(404, `${name} has no value at revision ${toRevision}`);
    const decoded = decodeCollectEntry(old);
    if (!decoded.ok)
      throw new StoreError(400, `the value at revision ${toRevision} does not validate`, {
        issues: decoded.issues,
      });
    const cur = await this.getRaw(key);
    return this.guardedWrite({
      key,
      expect: revision,
      value: old,
      actor,
      action: 'rollback',
      before: cur?.value.toString() ?? null,
      detail: { toRevision },
    });
  }

  private async valueAt(key: string, revision: number): Promise<string | undefined> {
    try {
      const res = await this.etcd.kv.range({ key: Buffer.from(key), revision: String(revision) });
      const kv = res.kvs[0];
      return kv && Number(kv.mod_revision) === revision ? kv.value.toString() : undefined;
    } catch (err) {
      if (isCompacted(err))
        throw new StoreError(
          410,
          `revision ${revision} of ${key} was compacted away; the audit log still has it`,
        );
      throw err;
    }
  }

  /** The versions of a key since it was last created, newest first, until compaction. */
  async history(key: string): Promise<{ versions: Version[]; compacted: boolean }> {
    const versions: Version[] = [];
    let kv = await this.getRaw(key);
    let compacted = false;
    while (kv && versions.length < HISTORY_LIMIT) {
      const value = kv.value.toString();
      const decoded = key.startsWith(AUDIT_PREFIX) ? undefined : decodeCollectEntry(value);
      versions.push({
        modRevision: Number(kv.mod_revision),
        version: Number(kv.version),
        value,
        ...(decoded?.ok ? { entry: decoded.value } : decoded ? { issues: decoded.issues } : {}),
      });
      if (Number(kv.version) <= 1) break;
      try {
        const res = await this.etcd.kv.range({
          key: Buffer.from(key),
          revision: String(Number(kv.mod_revision) - 1),
        });
        kv = res.kvs[0];
      } catch (err) {
        if (!isCompacted(err)) throw err;
        compacted = true;
        break;
      }
    }
    return { versions, compacted };
  }

  async trash(): Promise<TrashItem[]> {
    const res = await this.etcd.getAll().prefix(TRASH_PREFIX).sort('Key', 'Descend').exec();
    return res.kvs.map((kv) => {
      const id = kv.key.toString().slice(TRASH_PREFIX.length);
      const v = JSON.parse(kv.value.toString()) as Omit<TrashItem, 'id' | 'modRevision'>;
      return { ...v, id, modRevision: Number(kv.mod_revision) };
    });
  }

  /** Puts a deleted entry back, if no entry of that name exists again. */
  async restore(id: string, actor: Actor): Promise<{ name: string; modRevision: number }> {
    const trashKey = `${TRASH_PREFIX}${id}`;
    const kv = await this.getRaw(trashKey);
    if (!kv) throw new StoreError(404, `nothing in the recycle bin with id ${id}`);
    const item = JSON.parse(kv.value.toString()) as TrashItem;
    const key = writableKey(item.name);
    const modRevision = await this.guardedWrite({
      key,
      expect: 0,
      value: item.value,
      actor,
      action: 'restore',
      before: null,
      detail: { trash: id },
      also: { del: [trashKey], require: [[trashKey, Number(kv.mod_revision)]] },
    }).catch((err: unknown) => {
      if (err instanceof StoreError && err.status === 409)
        throw new StoreError(409, `${item.name} exists again: delete or rename it before restoring`, {
          ...(err.current ? { current: err.current } : {}),
        });
      throw err;
    });
    return { name: item.name, modRevision };
  }

  /** Audit records, newest first; `key` filters (scanning at most `scan` records). */
  async audit(o: {
    key?: string;
    limit: number;
    before?: string;
    scan?: number;
  }): Promise<{ records: AuditRecord[]; next?: string }> {
    const records: AuditRecord[] = [];
    let end = o.before ? `${AUDIT_PREFIX}${o.before}` : undefined;
    let scanned = 0;
    const scan = o.scan ?? 10_000;
    for (;;) {
      const page = Math.min(500, scan - scanned);
      if (page <= 0) break;
      const res = await this.etcd.kv.range({
        key: Buffer.from(AUDIT_PREFIX),
        range_end: end ? Buffer.from(end) : prefixEnd(AUDIT_PREFIX),
        sort_order: 'Descend',
        sort_target: 'Key',
        limit: String(page),
      });
      for (const kv of res.kvs) {
        scanned++;
        const id = kv.key.toString().slice(AUDIT_PREFIX.length);
        end = kv.key.toString();
        const v = JSON.parse(kv.value.toString()) as Omit<AuditRecord, 'id' | 'modRevision'>;
        if (o.key !== undefined && v.key !== o.key) continue;
        records.push({ ...v, id, modRevision: Number(kv.mod_revision) });
        if (records.length >= o.limit) return { records, next: id };
      }
      if (!res.more) break;
    }
    return { records };
  }

  /** One page of raw keys under `prefix`, after `after`: an etcd range with a limit. */
  async keys(
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<{ kvs: IKeyValue[]; more: boolean }> {
    const start =
      after !== undefined && after >= prefix
        ? Buffer.concat([Buffer.from(after), Buffer.from([0])])
        : Buffer.from(prefix);
    const res = await this.etcd.kv.range({
      key: start,
      range_end: prefixEnd(prefix),
      limit: String(limit),
      keys_only: true,
    });
    return { kvs: res.kvs, more: res.more };
  }

  /** A raw key written by an admin; a collect entry is validated as the form is. */
  async putKey(key: string, value: string, revision: number, actor: Actor): Promise<number> {
    if (collectionNameOf(key) !== undefined) {
      const decoded = decodeCollectEntry(value);
      if (!decoded.ok)
        throw new StoreError(400, `${key} is a collect entry and the value does not validate`, {
          issues: decoded.issues,
        });
    }
    const before = (await this.getRaw(key))?.value.toString() ?? null;
    return this.guardedWrite({ key, expect: revision, value, actor, action: 'put-key', before });
  }

  /** An audit record for something that is not an etcd write (a dead-letter replay). */
  async recordAction(
    action: AuditAction,
    key: string,
    actor: Actor,
    detail: Record<string, unknown>,
  ): Promise<void> {
    const time = this.now().toISOString();
    const auditKey = this.auditKey(time);
    const value = this.auditValue({
      time,
      user: actor.user,
      client: actor.client,
      action,
      key,
      before: null,
      after: null,
      detail,
    });
    try {
      const res = await this.etcd
        .if(auditKey, 'Create', '==', 0)
        .then(this.etcd.put(auditKey).value(value))
        .commit();
      if (!res.succeeded) throw new Error('audit key collision');
    } catch (err) {
      throw new StoreError(
        503,
        `the audit record could not be written, so nothing was done: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}

export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      b[i]!++;
      return b.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
