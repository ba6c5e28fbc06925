// Several produce requests in flight against the real Kafka: the agent's sink and direct
// producer, 24 files over a 6-partition topic, acknowledgements held back (a slow broker) and
// some sends failing before or after Kafka wrote them (a refused connection, a lost answer).
// Each file's records must reach Kafka in read order (at least once), and no file is ever told
// a record is acknowledged, the moment its checkpoint may move, before Kafka acknowledged
// every record of that file up to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DirectProducer } from '../../agent/direct-producer.ts';
import { KafkaSink, type AckOwner, type RecordProducer } from '../../agent/sink.ts';
import type { RecordBlock } from '../../agent/record-block.ts';
import { Backoff } from '../../common/time/backoff.ts';
import { systemClock, sleep } from '../../common/time/clock.ts';
import { createLogger } from '../../common/observe/logger.ts';
import { endOffsetSum, kafkaBrokers, readTopic, testKafka } from '../support/kafka.ts';

const FILES = 24;
const LINES = 1500;
const run = `${Date.now().toString(36)}-${process.pid}`;

/** The real producer, with its answers delayed and some sends failed, counting what Kafka acked. */
class SlowFlakyProducer implements RecordProducer {
  private readonly ackedEnds = new Map<string, Set<number>>();
  inFlight = 0;
  maxInFlight = 0;
  sends = 0;
  failedBefore = 0;
  failedAfter = 0;
  private readonly real: DirectProducer;
  constructor(real: DirectProducer) {
    this.real = real;
  }
  connect = () => this.real.connect();
  disconnect = () => this.real.disconnect();
  async send(block: RecordBlock): Promise<void> {
    const n = ++this.sends;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await sleep(systemClock, 5 + (n % 4) * 10); // a slow broker: answers take 5-35 ms
      if (n % 7 === 0) {
        this.failedBefore++;
        throw new Error('injected: connection refused before sending');
      }
      await this.real.send(block);
      for (let i = 0; i < block.count; i++) {
        const key = block.keys[i]!;
        let ends = this.ackedEnds.get(key);
        if (!ends) this.ackedEnds.set(key, (ends = new Set()));
        ends.add(block.ends[i]!);
      }
      if (n % 11 === 0) {
        this.failedAfter++;
        throw new Error('injected: the answer was lost after Kafka wrote the batch');
      }
    } finally {
      this.inFlight--;
    }
  }
  /** Whether Kafka acknowledged every line 1..end of `key`. */
  ackedThrough(key: string, end: number): boolean {
    const ends = this.ackedEnds.get(key) ?? new Set();
    for (let e = 1; e <= end; e++) if (!ends.has(e)) return false;
    return true;
  }
}

class File implements AckOwner {
  ackedLine = 0;
  violations: string[] = [];
  checkpoints = 0;
  readonly key: string;
  private readonly producer: SlowFlakyProducer;
  private readonly onDone: () => void;
  constructor(key: string, producer: SlowFlakyProducer, onDone: () => void) {
    this.key = key;
    this.producer = producer;
    this.onDone = onDone;
  }
  acked(end: number): void {
    if (end !== this.ackedLine + 1) this.violations.push(`ack for line ${end} after line ${this.ackedLine}`);
    if (!this.producer.ackedThrough(this.key, end))
      this.violations.push(`ack for line ${end} before Kafka acknowledged every line up to it`);
    this.ackedLine = end;
    if (end === LINES) this.onDone();
  }
  batchAcked(): void {
    this.checkpoints++;
    if (!this.producer.ackedThrough(this.key, this.ackedLine))
      this.violations.push(`checkpoint at line ${this.ackedLine} passes an unacknowledged line`);
  }
}

test('several requests in flight: per-file order in Kafka and checkpoints only behind acknowledged lines', async () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `in-flight-${run}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const producer = new SlowFlakyProducer(
    new DirectProducer({ brokers: kafkaBrokers(), clientId: 'lcs-test-inflight' }),
  );
  const sink = new KafkaSink({
    producer,
    logger: createLogger({ level: 'error' }),
    maxBufferedBytes: 512 * 1024,
    batchBytes: 16 * 1024,
    lingerMs: 5,
    maxInFlight: 4,
    backoff: () => new Backoff({ baseMs: 10, maxMs: 50, minMs: 5 }),
  });
  let left = FILES;
  let allAcked!: () => void;
  const done = new Promise<void>((r) => (allAcked = r));
  const files = Array.from(
    { length: FILES },
    (_, f) => new File(`test-node/file-${f}`, producer, () => --left === 0 && allAcked()),
  );
  await producer.connect();
  for (let n = 1; n <= LINES; n++)
    for (const [f, file] of files.entries()) {
      if (sink.full) await sink.waitForRoom();
      const value = JSON.stringify({
        file: f,
        n,
        message: `line ${n} of file ${f} ${'x'.repeat((n * 7 + f) % 200)}`,
      });
      sink.push(topic, file.key, value, Buffer.byteLength(value), file, n);
    }
  await done;
  await sink.shutdown();

  assert.ok(producer.maxInFlight >= 3, `several sends were in flight at once (max ${producer.maxInFlight})`);
  assert.ok(producer.failedBefore > 0 && producer.failedAfter > 0, 'both kinds of failure happened');
  for (const file of files) {
    assert.deepEqual(file.violations, [], file.key);
    assert.equal(file.ackedLine, LINES);
    assert.ok(file.checkpoints > 1);
  }

  const total = FILES * LINES;
  const written = await endOffsetSum(kafka, topic); // a retried batch may have been written twice
  assert.ok(written >= total, `every line was written (${written} records for ${total} lines)`);
  const got = await readTopic(kafka, topic, written);
  assert.equal(got.length, written);
  for (const [f, file] of files.entries()) {
    const mine = got.filter((r) => r.key === file.key);
    assert.equal(new Set(mine.map((r) => r.partition)).size, 1, `${file.key}: one partition`);
    // At least once: a retried batch may repeat lines, but no line appears before an earlier one.
    let next = 1;
    for (const r of mine) {
      const { n, file: ff } = JSON.parse(r.value) as { n: number; file: number };
      assert.equal(ff, f);
      if (n > next) assert.fail(`${file.key}: line ${n} in Kafka before line ${next}`);
      if (n === next) next++;
    }
    assert.equal(next, LINES + 1, `${file.key}: every line, in order`);
  }
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
});
