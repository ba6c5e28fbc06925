// Kafka helpers for tests: end offsets and reading a topic back.

import { Kafka, logLevel } from 'kafkajs';

export const kafkaBrokers = (): string[] => (process.env.LCS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function testKafka(): Kafka {
  return new Kafka({ brokers: kafkaBrokers(), clientId: 'lcs-test', logLevel: logLevel.NOTHING });
}

/** Sum of the high watermarks of a topic's partitions (0 when the topic does not exist). */
export async function endOffsetSum(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((s, o) => s + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Reads every record of a topic from the beginning until `expected` have arrived or time runs out. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  expected: number,
  timeoutMs = 30000,
): Promise<{ key: string; value: string; partition: number }[]> {
  await waitForTopic(kafka, topic, timeoutMs);
  const consumer = kafka.consumer({ groupId: `lcs-test-${topic}-${Date.now()}-${Math.random()}` });
  const out: { key: string; value: string; partition: number }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const timer = setTimeout(() => done(), timeoutMs);
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      out.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
      if (out.length >= expected) done();
    },
  });
  await finished;
  clearTimeout(timer);
  await consumer.disconnect();
  return out;
}

/** Waits until the topic exists with a leader for every partition (the agent creates it). */
export async function waitForTopic(kafka: Kafka, topic: string, timeoutMs = 30000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        const md = await admin.fetchTopicMetadata({ topics: [topic] });
        const parts = md.topics[0]?.partitions ?? [];
        if (parts.length && parts.every((p) => p.leader >= 0)) return;
      } catch {
        // not there yet
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic} did not appear within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}
