// AgentStatus (the status record of one agent, `/lcs/v1/status/agents/<node>`, under a lease):
// per tailer the collection, file, offset, size, lag, events/s and last error, per collection
// its revision, files, rate and errors, plus the config revision applied. The agent writes it
// (agent/status.ts); the operator, the console and the metrics service read it with
// parseAgentStatus.

import {
  arrayOf,
  bool,
  jsonObject,
  num,
  object,
  optNum,
  optStr,
  recordOf,
  str,
  strings,
  type Parsed,
} from './read.ts';

export interface TailerStatus {
  collection: string;
  file: string;
  fileId?: string;
  state: string;
  offset: number;
  size: number;
  lagBytes: number;
  eventsPerSec: number;
  lastError?: string;
}

export interface CollectionStatus {
  topic: string;
  /** The entry's mod revision this agent runs (0 when a record does not say: never a real one). */
  modRevision: number;
  files: number;
  eventsPerSec: number;
  errors: string[];
  lostBytes?: number;
}

/** Bytes lost before they could be read: rotated away, deleted or truncated. */
export interface LossRecord {
  collection: string;
  path: string;
  bytes: number;
  reason: string;
  at: string;
}

export interface AgentStatus {
  node: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  configRevision: number;
  etcd: { connected: boolean; lastError?: string };
  kafka: { connected: boolean; bufferedBytes: number; lastError?: string };
  collections: Record<string, CollectionStatus>;
  /** Entries that failed validation, by collection name: the error. */
  rejected: Record<string, string>;
  tailers: TailerStatus[];
  /** Recent losses (rotated away, deleted or truncated before read). */
  loss?: LossRecord[];
  /** The pod resolver's state (Kubernetes mode only). */
  kubernetes?: { synced: boolean; pods: number; lists: number; lastError?: string };
}

/**
 * An agent's status record from etcd. `key` (the record's etcd key) supplies the node when the
 * record does not name it.
 */
export function parseAgentStatus(raw: string | Buffer, key = ''): Parsed<AgentStatus> {
  const parsed = jsonObject(raw, `agent status ${key}`.trimEnd());
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const etcd = object(o['etcd']);
  const kafka = object(o['kafka']);
  const k8s = o['kubernetes'] === undefined ? undefined : object(o['kubernetes']);
  return {
    ok: true,
    value: {
      node: str(o['node'], key.slice(key.lastIndexOf('/') + 1)),
      pid: num(o['pid']),
      startedAt: str(o['startedAt']),
      updatedAt: str(o['updatedAt']),
      configRevision: num(o['configRevision']),
      etcd: { connected: bool(etcd['connected']), ...optStr('lastError', etcd['lastError']) },
      kafka: {
        connected: bool(kafka['connected']),
        bufferedBytes: num(kafka['bufferedBytes']),
        ...optStr('lastError', kafka['lastError']),
      },
      collections: recordOf(o['collections'], collectionStatus),
      rejected: recordOf(o['rejected'], (v) => (typeof v === 'string' ? v : String(JSON.stringify(v)))),
      tailers: arrayOf(o['tailers'], tailerStatus),
      ...(Array.isArray(o['loss']) ? { loss: arrayOf(o['loss'], lossRecord) } : {}),
      ...(k8s
        ? {
            kubernetes: {
              synced: bool(k8s['synced']),
              pods: num(k8s['pods']),
              lists: num(k8s['lists']),
              ...optStr('lastError', k8s['lastError']),
            },
          }
        : {}),
    },
  };
}

function collectionStatus(v: unknown): CollectionStatus {
  const c = object(v);
  return {
    topic: str(c['topic']),
    modRevision: num(c['modRevision']),
    files: num(c['files']),
    eventsPerSec: num(c['eventsPerSec']),
    errors: strings(c['errors']),
    ...optNum('lostBytes', c['lostBytes']),
  };
}

const tailerStatus = (t: Record<string, unknown>): TailerStatus => ({
  collection: str(t['collection']),
  file: str(t['file']),
  ...optStr('fileId', t['fileId']),
  state: str(t['state']),
  offset: num(t['offset']),
  size: num(t['size']),
  lagBytes: num(t['lagBytes']),
  eventsPerSec: num(t['eventsPerSec']),
  ...optStr('lastError', t['lastError']),
});

const lossRecord = (l: Record<string, unknown>): LossRecord => ({
  collection: str(l['collection']),
  path: str(l['path']),
  bytes: num(l['bytes']),
  reason: str(l['reason']),
  at: str(l['at']),
});
