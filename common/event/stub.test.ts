import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEncoder } from './encode.ts';
import { headOf, readHead } from './reader.ts';
import { refusedStub, STUB_MESSAGE_CHARS } from './stub.ts';

const src = {
  node: 'n',
  collection: 'k8s/ns/x',
  path: '/var/log/pods/x.log',
  fileId: 'f',
  fields: { team: 'pay' },
  kubernetes: { namespace: 'ns', pod: 'p', container: 'c' },
};

test('a refused record becomes a stub that keeps its id, its place and the first 1 KiB, marked truncated', () => {
  const { value } = new EventEncoder(src, 1 << 20).encode(
    {
      offset: 4096,
      message: 'é'.repeat(5000),
      stream: 'stderr',
      truncated: false,
      invalidUtf8: true,
      length: 10_000,
    },
    '2026-01-02T03:04:05.000Z',
  );
  const original = JSON.parse(value);
  const stub = JSON.parse(refusedStub(Buffer.from(value), 'web'));
  assert.equal(stub.message, 'é'.repeat(STUB_MESSAGE_CHARS));
  assert.deepEqual(stub.event, { ...original.event, truncated: true });
  for (const k of ['@timestamp', 'log', 'host', 'collection', 'kubernetes', 'stream'])
    assert.deepEqual(stub[k], original[k], k);
  assert.equal(stub.fields, undefined, 'only what identifies and places the event');
  assert.match(stub.error.message, /Kafka refused the \d+-byte record: topic web takes less/);
  // The transfer routes the stub where the record would have gone, under the same id.
  assert.deepEqual(headOf(stub), readHead(value));
});

test('a value that is not a JSON object leaves only the error', () => {
  for (const bad of ['not json', 'null', '[1,2]', '"s"', '{"event":"x","message":5}']) {
    const stub = JSON.parse(refusedStub(Buffer.from(bad), 't'));
    assert.deepEqual(Object.keys(stub).sort(), ['error', 'event', 'message'], bad);
    assert.deepEqual([stub.message, stub.event], ['', { truncated: true }], bad);
  }
});
