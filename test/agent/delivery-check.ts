// Reads a topic the agent wrote and checks delivery by event.id: which numbered lines
// arrived, how many records were resent, and whether any line arrived under two ids. Streams
// the records (a test may produce close to a million) and keeps only what the checks need.

import type { Kafka } from 'kafkajs';
import { waitForTopic } from '../support/kafka.ts';

export interface Delivery {
  records: number;
  distinctIds: number;
  /** Line numbers seen (from `<tag> <n> …` messages). */
  numbers: Set<number>;
  /** Lines whose number arrived under more than one event.id (must be 0). */
  linesWithTwoIds: number;
  /** Records whose id was seen before (resends). */
  resent: number;
  minRecordBytes: number;
  /**
   * Lines that first arrived after a higher-numbered line of the same partition (a file's
   * records share one partition, so for one file this is reordering; resends do not count).
   */
  reordered: number;
  sample: Record<string, unknown>[];
}

const ID = /"event":\{"id":"([^"]+)"/;

export async function checkDelivery(
  kafka: Kafka,
  topic: string,
  tag: string,
  expectedNumbers: number,
  timeoutMs = 120000,
): Promise<Delivery> {
  await waitForTopic(kafka, topic, timeoutMs);
  const consumer = kafka.consumer({
    groupId: `lcs-check-${topic}-${Date.now()}`,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  const idOf = new Map<number, string>();
  const seenIds = new Set<string>();
  const d: Delivery = {
    records: 0,
    distinctIds: 0,
    numbers: new Set(),
    linesWithTwoIds: 0,
    resent: 0,
    minRecordBytes: Infinity,
    reordered: 0,
    sample: [],
  };
  const highestFirst = new Map<number, number>();
  const lineRe = new RegExp(`"message":"${tag} (\\d+) `);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const timer = setTimeout(() => done(), timeoutMs);
  // A consumer restart or rebalance may hand us records again: count each Kafka offset once,
  // so "resent" means resent by the agent, not re-read by this checker.
  const seenOffsets = new Set<string>();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        const at = `${batch.partition}:${m.offset}`;
        if (seenOffsets.has(at)) continue;
        seenOffsets.add(at);
        const v = m.value?.toString() ?? '';
        d.records++;
        d.minRecordBytes = Math.min(d.minRecordBytes, v.length);
        if (d.sample.length < 3) d.sample.push(JSON.parse(v) as Record<string, unknown>);
        const id = ID.exec(v)?.[1] ?? '';
        if (seenIds.has(id)) d.resent++;
        else seenIds.add(id);
        const n = Number(lineRe.exec(v)?.[1] ?? NaN);
        if (Number.isNaN(n)) continue;
        const prev = idOf.get(n);
        if (prev === undefined) {
          idOf.set(n, id);
          d.numbers.add(n);
          if (n < (highestFirst.get(batch.partition) ?? -1)) d.reordered++;
          else highestFirst.set(batch.partition, n);
        } else if (prev !== id) d.linesWithTwoIds++;
      }
      if (d.numbers.size >= expectedNumbers) done();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  d.distinctIds = seenIds.size;
  return d;
}

export function missing(numbers: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < count && out.length < 20; i++) if (!numbers.has(i)) out.push(i);
  return out;
}

/** Resident set size of a process in bytes (VmRSS). */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
