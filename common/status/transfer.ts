// TransferStatus (the status record of one transfer member, `/lcs/v1/status/transfers/<member>`,
// under a lease): its consumer group, assignment and topics, whether it is paused for an
// Elasticsearch outage, and its progress per partition. The transfer writes it
// (transfer/status.ts); the console, the metrics service and the tests read it with
// parseTransferStatus.

import {
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

export interface PartitionProgress {
  /** The last committed offset (Kafka's next offset to read), as Kafka writes it. */
  committed?: string;
  lag?: number;
}

/** What the transfer has done and is doing (transfer/progress.ts keeps the counts). */
export interface TransferProgress {
  indexed: number;
  retried: number;
  deadLettered: number;
  commitFailures: number;
  documentsPerSecond: number;
  bulk: { requests: number; lastMs?: number; avgMs?: number };
  elasticsearch: { up: boolean; downSince?: string; lastError?: string };
  /** By topic, then partition number. */
  partitions: Record<string, Record<string, PartitionProgress>>;
}

export interface TransferStatus extends TransferProgress {
  member: string;
  pid: number;
  groupId: string;
  startedAt: string;
  updatedAt: string;
  topics: string[];
  /** Partitions assigned to this member, by topic. */
  assignment: Record<string, number[]>;
  /** Consuming is paused while Elasticsearch is down. */
  paused: boolean;
  kafka: { lastError?: string };
}

/**
 * A transfer's status record from etcd. `key` (the record's etcd key) supplies the member when
 * the record does not name it.
 */
export function parseTransferStatus(raw: string | Buffer, key = ''): Parsed<TransferStatus> {
  const parsed = jsonObject(raw, `transfer status ${key}`.trimEnd());
  if (!parsed.ok) return parsed;
  const o = parsed.value;
  const bulk = object(o['bulk']);
  const es = object(o['elasticsearch']);
  return {
    ok: true,
    value: {
      member: str(o['member'], key.slice(key.lastIndexOf('/') + 1)),
      pid: num(o['pid']),
      groupId: str(o['groupId']),
      startedAt: str(o['startedAt']),
      updatedAt: str(o['updatedAt']),
      topics: strings(o['topics']),
      assignment: recordOf(o['assignment'], (v) =>
        Array.isArray(v) ? v.filter((p): p is number => Number.isInteger(p)) : [],
      ),
      paused: bool(o['paused']),
      kafka: optStr('lastError', object(o['kafka'])['lastError']),
      indexed: num(o['indexed']),
      retried: num(o['retried']),
      deadLettered: num(o['deadLettered']),
      commitFailures: num(o['commitFailures']),
      documentsPerSecond: num(o['documentsPerSecond']),
      bulk: {
        requests: num(bulk['requests']),
        ...optNum('lastMs', bulk['lastMs']),
        ...optNum('avgMs', bulk['avgMs']),
      },
      // Up unless the record says otherwise: a record that does not say is no outage report.
      elasticsearch: {
        up: bool(es['up'], true),
        ...optStr('downSince', es['downSince']),
        ...optStr('lastError', es['lastError']),
      },
      partitions: recordOf(o['partitions'], (t) =>
        recordOf(t, (p) => {
          const q = object(p);
          return { ...optStr('committed', q['committed']), ...optNum('lag', q['lag']) };
        }),
      ),
    },
  };
}
