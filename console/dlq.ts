// The dead letters of a collection: the records the transfer wrote to `<topic>.dlq` (the
// reason, the index, where the event came from and the event itself), read from Kafka, and a
// replay that produces the chosen events to the collection's topic again once the cause (a
// mapping, a size limit) is fixed. A replayed event keeps its event.id, so Elasticsearch
// still holds it once. Reading uses a short-lived consumer group of its own, deleted after.

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { StoreError } from './store.ts';

export interface DeadLetter {
  partition: number;
  offset: string;
  key?: string;
  timestamp: string;
  reason: string;
  index?: string;
  source?: { topic: string; partition: number; offset: string };
  event: unknown;
  original: string | null;
}

const READ_TIMEOUT_MS = 10_000;

export class DeadLetters {
  private readonly kafka: Kafka;

  constructor(config: KafkaConfig) {
    this.kafka = new Kafka({ ...config, logLevel: logLevel.NOTHING });
  }

  /** The newest `limit` records of each partition of `topic`, oldest first. */
  async read(topic: string, limit: number): Promise<DeadLetter[]> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const topics = await admin.listTopics();
      if (!topics.includes(topic)) return [];
      const offsets = await admin.fetchTopicOffsets(topic);
      const want = offsets
        .map((o) => ({
          partition: o.partition,
          start: Math.max(Number(o.low), Number(o.high) - limit),
          high: Number(o.high),
        }))
        .filter((o) => o.high > o.start);
      if (!want.length) return [];
      const groupId = `lcs-console-dlq-${randomBytes(6).toString('hex')}`;
      const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
      const out: DeadLetter[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const done = new Set<number>();
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(new StoreError(503, `reading ${topic} took longer than ${READ_TIMEOUT_MS / 1000} s`)),
            READ_TIMEOUT_MS,
          );
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                const w = want.find((x) => x.partition === batch.partition);
                if (!w) return;
                for (const m of batch.messages)
                  if (Number(m.offset) >= w.start && Number(m.offset) < w.high)
                    out.push(decode(batch.partition, m));
                if (Number(batch.lastOffset()) + 1 >= w.high) done.add(batch.partition);
                if (done.size === want.length) {
                  clearTimeout(timer);
                  resolve();
                }
              },
            })
            .catch(reject);
          for (const w of want) consumer.seek({ topic, partition: w.partition, offset: String(w.start) });
        });
      } finally {
        await consumer.disconnect().catch(() => {});
        await admin.deleteGroups([groupId]).catch(() => {});
      }
      return out.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError(503, `Kafka did not answer: ${(err as Error).message}`, { cause: err });
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Produces the chosen dead letters' events to `topic` again. */
  async replay(
    dlqTopic: string,
    topic: string,
    picks: { partition: number; offset: string }[],
  ): Promise<{ replayed: number; topic: string }> {
    const all = await this.read(dlqTopic, 1000);
    const chosen = picks.map((p) => {
      const r = all.find((x) => x.partition === p.partition && x.offset === p.offset);
      if (!r)
        throw new StoreError(
          404,
          `no dead letter at ${dlqTopic} partition ${p.partition} offset ${p.offset} (among the newest 1000)`,
        );
      if (r.original === null)
        throw new StoreError(
          400,
          `the dead letter at partition ${p.partition} offset ${p.offset} holds no event to replay`,
        );
      return r;
    });
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    try {
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: chosen.map((r) => ({ ...(r.key ? { key: r.key } : {}), value: r.original! })),
      });
    } catch (err) {
      throw new StoreError(503, `Kafka did not take the replay: ${(err as Error).message}`, { cause: err });
    } finally {
      await producer.disconnect().catch(() => {});
    }
    return { replayed: chosen.length, topic };
  }
}

function decode(
  partition: number,
  m: { offset: string; key: Buffer | null; value: Buffer | null; timestamp: string },
): DeadLetter {
  let v: Record<string, unknown> = {};
  try {
    v = JSON.parse(m.value?.toString('utf8') ?? '{}') as Record<string, unknown>;
  } catch {
    v = { reason: 'the dead-letter record is not JSON', original: m.value?.toString('utf8') ?? null };
  }
  const original = typeof v.original === 'string' ? v.original : null;
  let event: unknown = original;
  try {
    if (original) event = JSON.parse(original);
  } catch {
    /* shown as text */
  }
  return {
    partition,
    offset: m.offset,
    ...(m.key ? { key: m.key.toString('utf8') } : {}),
    timestamp: new Date(Number(m.timestamp)).toISOString(),
    reason: String(v.reason ?? ''),
    ...(typeof v.index === 'string' ? { index: v.index } : {}),
    ...(v.source ? { source: v.source as DeadLetter['source'] } : {}),
    event,
    original,
  };
}
