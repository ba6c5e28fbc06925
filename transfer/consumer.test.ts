import assert from 'node:assert/strict';
import test from 'node:test';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { emptySnapshot } from '../common/config/snapshot.ts';
import { silentLogger } from '../common/observe/logger.ts';
import { FakeClock } from '../common/time/fake-clock.ts';
import type { BulkDoc } from './bulk.ts';
import { TopicConsumer } from './consumer.ts';
import type { IndexControl, Indexer } from './indexer.ts';
import { routingFrom } from './routing.ts';

type EachBatch = (p: EachBatchPayload) => Promise<void>;

/** A kafkajs consumer in memory: records what the member does with it. */
function fakeKafka(opts: { failConnects?: number; commitHangs?: boolean } = {}) {
  const clock = new FakeClock(1_000_000);
  let failConnects = opts.failConnects ?? 0;
  const connects: number[] = [];
  const commits: string[] = [];
  const seeks: string[] = [];
  let eachBatch: EachBatch | undefined;
  /** The event handlers of the latest consumer (each registers its own). */
  const handlers = new Map<string, (e: unknown) => void>();
  const create = () =>
    ({
      events: { REBALANCING: 'rebalancing', GROUP_JOIN: 'group.join', CRASH: 'crash' },
      on: (name: string, fn: (e: unknown) => void) => (handlers.set(name, fn), () => {}),
      async connect() {
        connects.push(clock.now());
        if (failConnects-- > 0) throw new Error('There is no leader for this topic-partition');
      },
      subscribe: async () => {},
      async run(cfg: { eachBatch: EachBatch }) {
        eachBatch = cfg.eachBatch;
      },
      commitOffsets(offsets: { offset: string }[]) {
        if (opts.commitHangs) return new Promise(() => {});
        commits.push(...offsets.map((o) => o.offset));
        return Promise.resolve();
      },
      seek(o: { offset: string }) {
        seeks.push(o.offset);
      },
      disconnect: async () => {},
    }) as unknown as Consumer;
  const emit = (name: string, e: unknown) => handlers.get(name)?.(e);
  return { clock, create, connects, commits, seeks, emit, batch: () => eachBatch! };
}

function member(
  k: ReturnType<typeof fakeKafka>,
  index: (docs: BulkDoc[], ctl: IndexControl) => Promise<void>,
) {
  return new TopicConsumer({
    kafka: { brokers: ['unused:9092'] },
    createConsumer: k.create,
    clock: k.clock,
    random: () => 0.999999,
    groupId: 'g',
    logger: silentLogger,
    indexer: { index } as unknown as Indexer,
    routing: () => routingFrom(emptySnapshot),
    bulkDocs: 2,
    bulkBytes: 1 << 20,
    sessionTimeoutMs: 30_000,
    partitionsConcurrently: 1,
  });
}

/** One fetched batch of `n` records from offset 10 on. */
function batch(n: number, running = () => true): EachBatchPayload {
  const messages = Array.from({ length: n }, (_, i) => ({
    offset: String(10 + i),
    timestamp: '1767225600000',
    value: Buffer.from(JSON.stringify({ message: `m${i}` })),
    key: null,
    headers: {},
    attributes: 0,
  }));
  return {
    batch: {
      topic: 'web',
      partition: 0,
      highWatermark: String(10 + n),
      messages,
      firstOffset: () => messages[0]!.offset,
      lastOffset: () => messages[n - 1]!.offset,
    },
    heartbeat: async () => {},
    isRunning: running,
    isStale: () => false,
    resolveOffset: () => {},
  } as unknown as EachBatchPayload;
}

test('a member that cannot start is retried on the clock with a growing delay', async () => {
  const k = fakeKafka({ failConnects: 3 });
  const c = member(k, async () => {});
  await k.clock.run(c.follow(['web']));
  const gaps = k.connects.slice(1).map((t, i) => t - k.connects[i]!);
  assert.deepEqual(gaps, [250, 499, 999], 'jittered ceilings 250·2^n, never under 250 ms');
  assert.deepEqual(c.currentTopics, ['web']);
  assert.equal(c.lastError, undefined);
  await c.shutdown();
});

test('a member kafkajs gave up on (a crash without restart) is replaced after a backoff', async () => {
  const k = fakeKafka();
  const c = member(k, async () => {});
  await k.clock.run(c.follow(['web']));
  k.emit('crash', { payload: { error: new Error('Failed to find group coordinator'), restart: false } });
  assert.match(c.lastError ?? '', /consumer group g, .*grant Read on the group/);
  await k.clock.run(c.follow(['web']));
  assert.equal(k.connects.length, 2, 'a new member');
  assert.equal(k.connects[1]! - k.connects[0]!, 1000, 'after a second');
  assert.deepEqual(c.currentTopics, ['web']);
  // A crash kafkajs recovers from itself is left to it.
  k.emit('crash', { payload: { error: new Error('The coordinator is loading'), restart: true } });
  await k.clock.run(c.follow(['web']));
  assert.equal(k.connects.length, 2);
  await c.shutdown();
});

test('each chunk is committed only after Elasticsearch acknowledged it, in order', async () => {
  const k = fakeKafka();
  const indexed: string[][] = [];
  const c = member(k, async (docs) => void indexed.push(docs.map((d) => d.offset)));
  await k.clock.run(c.follow(['web']));
  await k.batch()(batch(5)); // hands the batch to its lane and returns (kafkajs fetches ahead)
  await c.shutdown(); // waits for the lane
  assert.deepEqual(indexed, [['10', '11'], ['12', '13'], ['14']]);
  assert.deepEqual(k.commits, ['12', '14', '15'], 'the next offset after each acknowledged chunk');
  assert.deepEqual(k.seeks, []);
});

test('a chunk that fails is read again: the partition seeks back to its first record', async () => {
  const k = fakeKafka();
  let calls = 0;
  const c = member(k, async () => {
    if (++calls === 2) throw new Error('elasticsearch said no');
  });
  await k.clock.run(c.follow(['web']));
  await k.batch()(batch(5));
  await c.shutdown();
  assert.deepEqual(k.commits, ['12'], 'nothing committed past the failure');
  assert.deepEqual(k.seeks, ['12']);
  assert.match(c.lastError ?? '', /elasticsearch said no/);
});

test('a batch waiting for its commits gives up once the partition is no longer ours', async () => {
  const k = fakeKafka({ commitHangs: true });
  let running = true;
  const c = member(k, async () => {});
  await k.clock.run(c.follow(['web']));
  await k.batch()(batch(2, () => running)); // hands the batch to its lane
  let returned = false;
  const p = c.shutdown().then(() => (returned = true)); // resolves once the lane's batch ended
  await k.clock.advance(1000);
  assert.equal(returned, false, 'still waiting for the commit while the batch is ours');
  running = false; // a rebalance: kafkajs stops the member's run
  await k.clock.advance(200);
  assert.equal(returned, true, 'noticed within one check interval');
  await p;
});
