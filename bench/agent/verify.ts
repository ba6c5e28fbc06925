// Correctness check after a run: reads a topic back and counts, per collector, the lines that
// arrived (distinct (file, offset) pairs), the ones that arrived more than once, the ones
// lost, and records out of file-offset order within a key (file).

import type { Kafka } from 'kafkajs';

export interface Verified {
  /** Records read back (duplicates included). */
  arrived: number;
  /** Distinct lines: (key, file offset) pairs. */
  distinct: number;
  /** Records whose (key, offset) was already seen. */
  duplicates: number;
  /** Lines of the corpus that never arrived. */
  lost: number;
  /** Records whose file offset is not greater than the previous one of the same key. */
  orderViolations: number;
}

export async function verifyTopic(
  kafka: Kafka,
  topic: string,
  /** Records in the topic (its end offsets): reading stops there. */
  records: number,
  /** Lines of the corpus: what `lost` is counted against. */
  lines: number,
  timeoutMs = 300_000,
): Promise<Verified> {
  const consumer = kafka.consumer({ groupId: `bench-agent-verify-${topic}`, maxBytes: 16 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const last = new Map<string, number>();
  const seen = new Map<string, Set<number>>();
  let duplicates = 0;
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
          let offsets = seen.get(key);
          if (!offsets) seen.set(key, (offsets = new Set()));
          if (offsets.has(off)) duplicates++;
          else {
            offsets.add(off);
            // A resend of a line already seen is a duplicate, not an ordering fault.
            if ((last.get(key) ?? -1) >= off) violations++;
            last.set(key, off);
          }
        }
        if (arrived >= records) resolve();
      },
    });
  });
  clearTimeout(timer);
  await consumer.disconnect();
  let distinct = 0;
  for (const s of seen.values()) distinct += s.size;
  return {
    arrived,
    distinct,
    duplicates,
    lost: Math.max(0, lines - distinct),
    orderViolations: violations,
  };
}
