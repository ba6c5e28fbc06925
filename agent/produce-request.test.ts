import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '@platformatic/kafka';
import { recordBatchBytes } from './record-batch.ts';
import { blockOf } from './record-block.ts';
import { ACKS_ALL, parseProduceResponse, produceRequest } from './produce-request.ts';

const block = blockOf([
  { topic: 'a', key: 'node/f1', value: 'one' },
  { topic: 'b', key: 'node/f2', value: 'deux' },
  { topic: 'a', key: 'node/f3', value: 'trois' },
]);

test('a Produce v3 body: null transactional id, acks=all, timeout, each topic once with its partitions', () => {
  const batches = [
    { topic: 'a', partition: 2, records: [0] },
    { topic: 'b', partition: 0, records: [1] },
    { topic: 'a', partition: 1, records: [2] },
  ];
  const buf = produceRequest(block, batches, 30000, 1_700_000_000_000);
  const r = Reader.from(buf);
  assert.equal(r.readInt16(), -1, 'transactional_id: null');
  assert.equal(r.readInt16(), ACKS_ALL);
  assert.equal(r.readInt32(), 30000);
  const seen: [string, number, number][] = [];
  r.readArray(
    (t) => {
      const topic = t.readString(false);
      t.readArray(
        (p) => {
          const partition = p.readInt32();
          const size = p.readInt32();
          p.skip(size);
          seen.push([topic, partition, size]);
        },
        false,
        false,
      );
    },
    false,
    false,
  );
  assert.equal(r.remaining, 0, 'nothing after the last batch');
  assert.deepEqual(seen, [
    ['a', 2, recordBatchBytes(block, [0])],
    ['a', 1, recordBatchBytes(block, [2])],
    ['b', 0, recordBatchBytes(block, [1])],
  ]);
});

test("a Produce v3 response: every partition's error code and base offset", () => {
  const w = Writer.create()
    .appendInt32(2)
    .appendString('a', false)
    .appendInt32(2)
    .appendInt32(2)
    .appendInt16(0)
    .appendInt64(41n)
    .appendInt64(-1n)
    .appendInt32(1)
    .appendInt16(10) // MESSAGE_TOO_LARGE
    .appendInt64(-1n)
    .appendInt64(-1n)
    .appendString('b', false)
    .appendInt32(1)
    .appendInt32(0)
    .appendInt16(6) // NOT_LEADER_OR_FOLLOWER
    .appendInt64(-1n)
    .appendInt64(-1n)
    .appendInt32(0); // throttle_time_ms
  assert.deepEqual(parseProduceResponse(Reader.from(w)), [
    { topic: 'a', partition: 2, errorCode: 0, baseOffset: 41n },
    { topic: 'a', partition: 1, errorCode: 10, baseOffset: -1n },
    { topic: 'b', partition: 0, errorCode: 6, baseOffset: -1n },
  ]);
});
