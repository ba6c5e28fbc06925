// A three-broker Kafka cluster (KRaft, replication factor 3, min.insync.replicas 2) restarted
// broker by broker while the agent ships a file written at a steady rate, then the partition
// leader of that file killed with -9 and restarted: every line arrives, none under two ids,
// none out of order, and lines keep reaching Kafka while any one broker is down (acks=all is
// satisfied by the two in-sync replicas left). Vector, Fluent Bit and Beats have each lost
// data here (a sink that never recovers after a cluster restart, acks counted early).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { KafkaCluster } from '../../deploy/local/kafka-cluster.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { startWriter } from '../support/writer.ts';
import { checkDelivery, missing } from './delivery-check.ts';

const BASE_PORT = Number(process.env.LCS_TEST_KAFKA_CLUSTER_PORT ?? 39092);
const RATE = 5_000;
const SECONDS = 150;
const say = (line: string) => process.stdout.write(`# ${line}\n`);

const probe = new KafkaCluster({ dir: '', basePort: BASE_PORT });
const { p, etcd } = usePipeline('kroll', { env: { LCS_KAFKA_BROKERS: probe.brokers().join(',') } });
const cluster = new KafkaCluster({ dir: join(p.dir, 'kafka-cluster'), basePort: BASE_PORT, log: say });
const kafka = new Kafka({
  brokers: cluster.brokers(),
  clientId: 'lcs-test-kroll',
  logLevel: logLevel.NOTHING,
});

before(async () => {
  await cluster.up();
});

after(async () => {
  await p.stop();
  await cluster.down();
  rmSync(join(p.dir, 'kafka-cluster'), { recursive: true, force: true });
});

/** Whether every partition of `topic` has all three replicas in sync again. */
async function fullyReplicated(topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.every((q) => q.isr.length === 3 && q.leader >= 0);
  } finally {
    await admin.disconnect();
  }
}

/** The leader of the one partition that holds records (one file: one key, one partition). */
async function fileLeader(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const used = offsets.filter((o) => Number(o.high) > 0);
    assert.equal(used.length, 1, `one file's records in one partition (${JSON.stringify(offsets)})`);
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.find((q) => q.partitionId === used[0]!.partition)!.leader;
  } finally {
    await admin.disconnect();
  }
}

test(`Kafka rolling restart and a leader killed (-9) at ${RATE} lines/s: nothing lost, nothing twice, file order kept`, async () => {
  const file = join(p.dir, 'r.log');
  writeFileSync(file, '');
  const topic = `kroll-${p.id}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 4,
        replicationFactor: 3,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  await etcd
    .put(adhocEntryKey('r'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  p.startAgent();
  await waitForTailer(p, 'adhoc/r', file);

  const lines = RATE * SECONDS;
  const writing = startWriter({ file, lines, perSecond: RATE, tag: 'roll' });
  await waitFor('lines flowing', async () => (await endOffsetSum(kafka, topic)) >= RATE * 3, {
    timeoutMs: 60000,
    intervalMs: 200,
  });

  const recoveries: Record<string, number> = {};
  const faults: { node: number; kill: boolean }[] = cluster.ids().map((node) => ({ node, kill: false }));
  for (const { node, kill } of faults) {
    await cluster.stop(node, { kill });
    const down = await endOffsetSum(kafka, topic);
    // One broker of three down: acks=all still succeeds on the two in-sync replicas left.
    await waitFor(
      `lines reaching Kafka with broker ${node} down`,
      async () => (await endOffsetSum(kafka, topic)) >= down + RATE,
      { timeoutMs: 60000, intervalMs: 200 },
    );
    const restarted = Date.now();
    cluster.spawn(node);
    await cluster.waitServing(node);
    await waitFor(
      `every replica of ${topic} in sync after broker ${node} restarted`,
      () => fullyReplicated(topic),
      {
        timeoutMs: 120000,
        intervalMs: 500,
      },
    );
    recoveries[`restart node ${node}: back in sync (s)`] = (Date.now() - restarted) / 1000;
  }

  // Then the leader of the file's partition (the one partition holding records) dies without
  // a controlled shutdown.
  const leader = await fileLeader(topic);
  const before = await endOffsetSum(kafka, topic);
  const killedAt = Date.now();
  await cluster.stop(leader, { kill: true });
  await waitFor(
    `lines reaching Kafka after the leader (broker ${leader}) was killed`,
    async () => (await endOffsetSum(kafka, topic)) >= before + RATE,
    { timeoutMs: 90000, intervalMs: 200 },
  );
  recoveries[`leader ${leader} killed: delivering again (s)`] = (Date.now() - killedAt) / 1000;
  cluster.spawn(leader);
  await cluster.waitServing(leader);

  const { written } = await writing;
  assert.equal(written, lines);
  const d = await checkDelivery(kafka, topic, 'roll', lines, 240000);
  assert.deepEqual(missing(d.numbers, lines), [], 'no line lost');
  assert.equal(d.linesWithTwoIds, 0, 'no line under two event ids');
  assert.equal(d.reordered, 0, 'the file order kept');
  say(`records ${d.records} for ${lines} lines (resent ${d.resent}); ${JSON.stringify(recoveries)}`);
});
