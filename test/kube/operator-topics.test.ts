// operator.createTopics against the real Kafka: a LogCollection's topic is created with the
// partitions and retention of spec.kafka before its entry is written, and an Event says so;
// an existing topic is left as it is.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { silentLogger } from '../../common/observe/logger.ts';
import { KafkaTopics } from '../../operator/topics.ts';
import { testKafka, kafkaBrokers } from '../support/kafka.ts';
import { waitFor } from '../support/wait.ts';
import { Harness, podsSpec } from '../operator/harness.ts';

test('a missing topic is created from spec.kafka before the entry; an existing one is not touched', async (t) => {
  const h = await Harness.start({ server: 'real' });
  const topics = new KafkaTopics({ brokers: kafkaBrokers(), clientId: 'lcs-operator-test' }, silentLogger);
  t.after(() => h.close());
  await h.operator({}, { topics });
  const admin = testKafka().admin();
  await admin.connect();
  t.after(() => admin.disconnect());

  const topic = `op-topic-${Date.now().toString(36)}`;
  await h.create('team-t', 'web', {
    ...podsSpec('team-t', topic),
    kafka: { partitions: 3, retentionMs: 3600000 },
  });
  await waitFor('the entry in etcd', () => h.entry('team-t', 'web'), { timeoutMs: 10000 });
  // The topic was ensured before the entry was written, so it exists now, as specified.
  const md = await admin.fetchTopicMetadata({ topics: [topic] });
  assert.equal(md.topics[0]!.partitions.length, 3);
  const cfg = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  assert.equal(cfg.resources[0]!.configEntries[0]!.configValue, '3600000');
  await waitFor('a TopicCreated event', async () =>
    (await h.backend.eventReasons('team-t')).includes('TopicCreated'),
  );

  // An existing topic keeps its partitions whatever the spec says.
  const existing = `op-existing-${Date.now().toString(36)}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: existing, numPartitions: 1 }] });
  await h.create('team-t', 'api', { ...podsSpec('team-t', existing), kafka: { partitions: 6 } });
  await waitFor('the second entry in etcd', () => h.entry('team-t', 'api'), { timeoutMs: 10000 });
  const md2 = await admin.fetchTopicMetadata({ topics: [existing] });
  assert.equal(md2.topics[0]!.partitions.length, 1);
});
