// Correctness check after a run: reads a topic back and checks that every line arrived once
// and that each key's (file's) records are in file-offset order.

import type { Kafka } from 'kafkajs';

export interface Verified {
  arrived: number;
  /** Records whose file offset is not greater than the previous one of the same key. */
  orderViolations: number;
}

export async function verifyTopic(
  kafka: Kafka,
  topic: string,
  expected: number,
  timeoutMs = 300_000,
): Promise<Verified> {
  const consumer = kafka.consumer({ groupId: `bench-agent-verify-${topic}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const last = new Map<string, number>();
  let arrived = 0;
  let violations = 0;
  let timer: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          arrived++;
          const key = m.key?.toString() ?? '';
          // LCS: "log":{"file":…,"offset":N}; rsyslog template: "log.offset":"N".
          const v = m.value!.toString();
          const match = /"offset":(\d+)\}|"log\.offset":"(\d+)"/.exec(v);
          const off = Number(match?.[1] ?? match?.[2] ?? -1);
          if ((last.get(key) ?? -1) >= off) violations++;
          last.set(key, off);
        }
        if (arrived >= expected) resolve();
      },
    });
  });
  clearTimeout(timer);
  await consumer.disconnect();
  return { arrived, orderViolations: violations };
}
