// Shared pieces of the transfer's integration tests: records produced straight into Kafka
// (shaped like the agent's, with a deterministic `event.id`), a collect entry naming the
// topic, a transfer child process, and what the tests observe of it — its /metrics, its
// status in etcd, its committed offsets, its RSS.

import { readFileSync } from 'node:fs';
import type { Etcd3 } from 'etcd3';
import type { Kafka } from 'kafkajs';
import { adhocEntryKey, TRANSFER_STATUS_PREFIX } from '../../common/keyspace.ts';
import { parseTransferStatus, type TransferStatus } from '../../common/status/transfer.ts';
import { count, refresh } from '../support/elasticsearch.ts';
import type { LcsProcess } from '../support/lcs-process.ts';
import { waitFor } from '../support/wait.ts';

/** Transfer settings for a one-node Elasticsearch: no replicas, so indices go green. */
export const transferEnv = { LCS_TRANSFER_INDEX_REPLICAS: '0' };

export interface RecordSpec {
  /** Agent-shaped records carry event.id; others (a foreign producer) are plain text. */
  agent: boolean;
  run: string;
  i: number;
}

export function recordValue({ agent, run, i }: RecordSpec, timestamp: string): string {
  if (!agent) return `${run} foreign line ${i}`;
  return JSON.stringify({
    '@timestamp': timestamp,
    message: `${run} line ${i}`,
    event: { id: `${run}-${i}` },
    log: { file: { path: `/var/log/${run}.log` }, offset: i * 100 },
    host: { name: `node-${run}` },
  });
}

/** Produces `n` records (acks=all) spread over the partitions by key, in batches. */
export async function produce(
  kafka: Kafka,
  topic: string,
  n: number,
  make: (i: number) => string,
  opts: { from?: number; batch?: number } = {},
): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    const from = opts.from ?? 0;
    const batch = opts.batch ?? 5000;
    for (let i = from; i < from + n; i += batch) {
      const messages = [];
      for (let j = i; j < Math.min(from + n, i + batch); j++)
        messages.push({ key: `file-${j % 16}`, value: make(j) });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** A collect entry whose topic and index the transfer follows (its file source is unused here). */
export async function putEntry(etcd: Etcd3, name: string, topic: string, index: string): Promise<void> {
  await etcd
    .put(adhocEntryKey(name))
    .value(JSON.stringify({ source: { files: { paths: [`/var/log/${name}.log`] } }, topic, index }));
}

/** Documents in `<base>-*`, after a refresh (what search will show, without waiting for it). */
export async function indexed(base: string): Promise<number> {
  await refresh(`${base}-*`);
  return count(`${base}-*`);
}

export async function waitForIndexed(base: string, n: number, timeoutMs: number): Promise<void> {
  await waitFor(`${n} documents in ${base}-*`, async () => (await indexed(base)) >= n, {
    timeoutMs,
    intervalMs: 500,
  });
}

/** The URL the process serves /healthz /readyz /metrics on, from its start-up log line. */
export async function httpUrl(p: LcsProcess): Promise<string> {
  return waitFor('the transfer to serve /metrics', () => {
    const line = p
      .logs()
      .split('\n')
      .find((l) => l.includes('"msg":"serving /healthz'));
    return line ? (JSON.parse(line) as { url: string }).url : undefined;
  });
}

/** One metric's samples from /metrics, keyed by their label string (`{topic="a",partition="0"}`). */
export async function metric(url: string, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}

/** Every transfer's status record, read as the console and the metrics service read it. */
export async function transferStatuses(etcd: Etcd3): Promise<TransferStatus[]> {
  const all = await etcd.getAll().prefix(TRANSFER_STATUS_PREFIX).strings();
  return Object.entries(all).map(([key, raw]) => {
    const parsed = parseTransferStatus(raw, key);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  });
}

/** Sum of the group's committed offsets over the topic's partitions (-1 = none counts as 0). */
export async function committedSum(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (res?.partitions ?? []).reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Resident set size of a process in MiB, from /proc/<pid>/status (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}
