import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from '../common/time/backoff.ts';
import { FakeClock, flushMicrotasks } from '../common/time/fake-clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import type { RecordBlock } from './record-block.ts';
import { KafkaSink, type AckOwner, type RecordProducer } from './sink.ts';

const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => quiet,
} as unknown as Logger;

/** A producer whose sends the test settles one by one, recording what each carried. */
class HeldProducer implements RecordProducer {
  readonly sends: { ends: number[]; settle: (err?: Error) => void }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  disconnected = false;
  connect = async () => {};
  send(block: RecordBlock): Promise<void> {
    const ends = Array.from(block.ends.subarray(0, block.count));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      this.sends.push({
        ends,
        settle: (err) => {
          this.inFlight--;
          if (err) reject(err);
          else resolve();
        },
      });
    });
  }
  disconnect = async () => {
    this.disconnected = true;
  };
  /** Settles the oldest unsettled send at index `i`. */
  async settle(i: number, err?: Error): Promise<void> {
    this.sends[i]!.settle(err);
    await flushMicrotasks();
  }
}

class Owner implements AckOwner {
  readonly acks: number[] = [];
  checkpoints = 0;
  acked(end: number): void {
    this.acks.push(end);
  }
  batchAcked(): void {
    this.checkpoints++;
  }
}

function sink(
  producer: RecordProducer,
  clock: FakeClock,
  extra: Partial<ConstructorParameters<typeof KafkaSink>[0]> = {},
) {
  return new KafkaSink({
    producer,
    logger: quiet,
    clock,
    maxBufferedBytes: 1 << 20,
    // Two 100-byte values per block.
    batchBytes: 200,
    lingerMs: 20,
    backoff: () => new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 }),
    ...extra,
  });
}

const value = 'x'.repeat(100);

test('a failed block is retried after the backoff delay, and its acks arrive once it succeeds', async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const errors: unknown[] = [];
  const s = sink(producer, clock, { onError: (e) => errors.push(e) });
  const owner = new Owner();
  s.push('t', 'k', value, 100, owner, 100);
  await clock.advance(20); // linger
  assert.equal(producer.sends.length, 1);
  await producer.settle(0, new Error('broker gone'));
  assert.equal(s.lastError, 'broker gone');
  assert.equal(s.connected, false);
  assert.equal(errors.length, 1);
  await clock.advance(49);
  assert.equal(producer.sends.length, 1, 'no retry before the backoff delay (50 ms)');
  await clock.advance(1);
  assert.equal(producer.sends.length, 2, 'retried once the delay passed');
  assert.deepEqual(producer.sends[1]!.ends, [100], 'the same records');
  assert.deepEqual(owner.acks, []);
  await producer.settle(1);
  assert.deepEqual(owner.acks, [100]);
  assert.equal(owner.checkpoints, 1);
  assert.equal(s.connected, true);
  assert.equal(s.lastError, undefined);
  assert.equal(s.bufferedBytes, 0);
});

test('several blocks are in flight at once, never more than maxInFlight, one per lane', async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const s = sink(producer, clock, { maxInFlight: 3 });
  const owners = Array.from({ length: 6 }, () => new Owner());
  // Each owner fills a block of its own lane's (two records), six owners over three lanes.
  for (const [i, o] of owners.entries()) {
    s.push('t', `k${i}`, value, 100, o, 100);
    s.push('t', `k${i}`, value, 100, o, 200);
  }
  await clock.advance(20);
  assert.equal(producer.sends.length, 3);
  assert.equal(s.inFlight, 3);
  assert.equal(producer.maxInFlight, 3);
  // The second settles first: its lane goes on, the others stay as they are.
  await producer.settle(1);
  assert.deepEqual(owners[1]!.acks, [100, 200]);
  assert.equal(producer.sends.length, 4);
  for (let i = 0; i < producer.sends.length; i++) if (i !== 1) await producer.settle(i);
  for (let i = 4; i < producer.sends.length; i++) await producer.settle(i);
  assert.equal(producer.maxInFlight, 3, 'never more than maxInFlight');
  for (const o of owners) assert.deepEqual(o.acks, [100, 200]);
  assert.equal(s.bufferedBytes, 0);
});

test("a file's blocks go one at a time: the next waits for the failed one's retry, acks stay in read order", async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const s = sink(producer, clock, { maxInFlight: 4 });
  const file = new Owner();
  const other = new Owner();
  for (let n = 1; n <= 6; n++) s.push('t', 'file', value, 100, file, n * 100); // three blocks
  s.push('t', 'other', value, 100, other, 100);
  await clock.advance(20);
  // The file's first block and the other file's block: two lanes, one block each.
  assert.deepEqual(
    producer.sends.map((x) => x.ends),
    [[100, 200], [100]],
  );
  await producer.settle(0, new Error('NOT_LEADER_OR_FOLLOWER'));
  await producer.settle(1);
  assert.deepEqual(other.acks, [100]);
  assert.equal(producer.sends.length, 2, "the file's next block waits behind the failed one");
  await clock.advance(50);
  assert.deepEqual(producer.sends[2]!.ends, [100, 200], 'the failed block is sent again first');
  await producer.settle(2);
  assert.deepEqual(producer.sends[3]!.ends, [300, 400]);
  await producer.settle(3);
  await producer.settle(4);
  assert.deepEqual(file.acks, [100, 200, 300, 400, 500, 600], 'acknowledged in read order');
  assert.equal(file.checkpoints, 3, 'one checkpoint per acknowledged block');
});

test('shutdown sends what is queued, then disconnects; a second shutdown is harmless', async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const s = sink(producer, clock, { lingerMs: 10_000 });
  const owner = new Owner();
  s.push('t', 'k', value, 100, owner, 100);
  const done = s.shutdown(5000);
  await flushMicrotasks();
  assert.equal(producer.sends.length, 1, 'the linger is not waited for');
  await producer.settle(0);
  await done;
  assert.deepEqual(owner.acks, [100]);
  assert.equal(producer.disconnected, true);
  await s.shutdown();
  assert.equal(producer.sends.length, 1);
});

test('shutdown gives up after its timeout when Kafka does not answer', async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const s = sink(producer, clock);
  s.push('t', 'k', value, 100, new Owner(), 100);
  let finished = false;
  const done = s.shutdown(1000).then(() => (finished = true));
  await clock.advance(999);
  assert.equal(finished, false);
  await clock.advance(1);
  await done;
  assert.equal(producer.disconnected, true);
});

test('readers wait while the budget is full and are woken by an acknowledgement', async () => {
  const clock = new FakeClock();
  const producer = new HeldProducer();
  const s = sink(producer, clock, { maxBufferedBytes: 300 });
  const owner = new Owner();
  s.push('t', 'k', value, 100, owner, 100);
  s.push('t', 'k', value, 100, owner, 200);
  assert.equal(s.full, true);
  let woken = false;
  void s.waitForRoom().then(() => (woken = true));
  await flushMicrotasks();
  assert.equal(woken, false);
  await producer.settle(0);
  assert.equal(woken, true);
});

test('maxInFlight must be a whole number of at least 1', () => {
  assert.throws(() => sink(new HeldProducer(), new FakeClock(), { maxInFlight: 0 }), /maxInFlight/);
});
