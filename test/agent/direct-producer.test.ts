// The direct producer against the real Kafka: record batches LCS encodes itself must arrive
// whole, once, in order per key, on the partition the Java client (and kafkajs) would choose.
import { DirectProducer } from '../../agent/direct-producer.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { blockOf } from '../../agent/record-block.ts';
import { kafkaBrokers, readTopic, testKafka } from '../support/kafka.ts';

const run = `${Date.now().toString(36)}-${process.pid}`;

test('two topics, twelve keys, UTF-8 values: each record once, in order per key, on the Java partition', async () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topics = [`direct-a-${run}`, `direct-b-${run}`];
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 })),
    waitForLeaders: true,
  });
  const producer = new DirectProducer({ brokers: kafkaBrokers(), clientId: 'lcs-test-direct' });
  await producer.connect();
  const sent: { topic: string; key: string; value: string }[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const records = Array.from({ length: 2000 }, (_, i) => {
        const n = round * 2000 + i;
        const key = `node/file-${n % 12}`;
        return {
          topic: topics[n % 2]!,
          key,
          value: JSON.stringify({ n, message: `ligne ${n} — ✓ ${'x'.repeat(n % 300)}` }),
        };
      });
      sent.push(...records);
      await producer.send(blockOf(records));
    }
  } finally {
    await producer.disconnect();
  }
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = [0, 1, 2, 3].map((partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));
  for (const topic of topics) {
    const expected = sent.filter((r) => r.topic === topic);
    const got = await readTopic(kafka, topic, expected.length);
    assert.equal(got.length, expected.length, `${topic}: every record arrived`);
    assert.deepEqual(new Set(got.map((r) => r.value)).size, expected.length, `${topic}: no record twice`);
    for (const key of new Set(expected.map((r) => r.key))) {
      const mine = got.filter((r) => r.key === key);
      assert.deepEqual(
        mine.map((r) => r.value),
        expected.filter((r) => r.key === key).map((r) => r.value),
        `${topic} ${key}: in send order`,
      );
      const javaPartition = partitioner({ topic, partitionMetadata, message: { key, value: '' } });
      assert.deepEqual(
        [...new Set(mine.map((r) => r.partition))],
        [javaPartition],
        `${key}: on the Java client's partition`,
      );
    }
  }
  await admin.deleteTopics({ topics }).catch(() => {});
  await admin.disconnect();
});

test('a dead broker is an error that names it, not a hang', async () => {
  const producer = new DirectProducer({
    brokers: ['127.0.0.1:1'],
    clientId: 'lcs-test-dead',
    connectionTimeout: 500,
  });
  await assert.rejects(producer.send(blockOf([{ topic: 't', key: 'k', value: 'v' }])), (err: Error) =>
    /127\.0\.0\.1:1|ECONNREFUSED|Connection/i.test(`${err.message} ${String(err.cause ?? '')}`),
  );
  await producer.disconnect();
});
