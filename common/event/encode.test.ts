import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEncoder, type EncodableEvent } from './encode.ts';
import { buildEvent, type EventSource } from './event.ts';

const base: EncodableEvent = {
  offset: 42,
  message: 'hé "quoted"\t\u0001',
  truncated: false,
  invalidUtf8: false,
  length: 7,
};
const slow = (src: EventSource, e: EncodableEvent, readAt: string) =>
  JSON.parse(
    JSON.stringify(
      buildEvent(
        src,
        e.offset,
        e.message,
        e.timestamp ?? readAt,
        e.stream ? { ...e.fields, stream: e.stream } : e.fields,
        {
          truncated: e.truncated,
          invalidUtf8: e.invalidUtf8,
          originalBytes: e.length,
        },
      ),
    ),
  );

test('the fast path encodes exactly what buildEvent + JSON.stringify would', () => {
  const sources: EventSource[] = [
    { node: 'n1', collection: 'adhoc/a', path: '/var/log/a "b".log', fileId: 'f1' },
    {
      node: 'n1',
      collection: 'k8s/ns/x',
      path: '/p',
      fileId: 'f2',
      fields: { team: 'pay' },
      kubernetes: { namespace: 'ns', pod: 'p-1', container: 'c', labels: { app: 'x' } },
    },
  ];
  const events: EncodableEvent[] = [
    base,
    { ...base, timestamp: '2026-01-02T03:04:05.123456789Z', stream: 'stderr' },
    { ...base, truncated: true, invalidUtf8: true, length: 10_000_000 },
  ];
  for (const src of sources)
    for (const e of events) {
      const { value, bytes } = new EventEncoder(src, 1 << 20).encode(e, '2026-11-26T00:00:00.000Z');
      assert.deepEqual(JSON.parse(value), slow(src, e, '2026-11-26T00:00:00.000Z'));
      assert.equal(bytes, Buffer.byteLength(value));
    }
});

test('parsed fields, errors and oversized records take the general path', () => {
  const src: EventSource = { node: 'n', collection: 'c', path: '/p', fileId: 'f' };
  const enc = new EventEncoder(src, 400);
  const withFields = JSON.parse(enc.encode({ ...base, fields: { level: 'warn' } }, 't').value);
  assert.equal(withFields.level, 'warn');
  const withError = JSON.parse(enc.encode({ ...base, error: 'not JSON' }, 't').value);
  assert.deepEqual(withError.error, { message: 'not JSON' });
  const big = enc.encode({ ...base, message: 'x'.repeat(5000) }, 't');
  assert.ok(big.bytes <= 400);
  assert.equal(JSON.parse(big.value).event.truncated, true);
});
