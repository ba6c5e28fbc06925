import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSnapshot, emptySnapshot, type RawValue } from '../common/config/snapshot.ts';
import { EventEncoder, type EncodableEvent } from '../common/event/encode.ts';
import { toDoc } from './documents.ts';
import { routingFrom } from './routing.ts';

const routing = routingFrom(
  decodeSnapshot(
    emptySnapshot,
    new Map<string, RawValue>([
      [
        '/lcs/v1/collect/adhoc/a',
        {
          value: JSON.stringify({ source: { files: { paths: ['/x'] } }, topic: 't', index: 'apps' }),
          modRevision: 1,
        },
      ],
      [
        '/lcs/v1/collect/k8s/ns/q"x',
        {
          value: JSON.stringify({ source: { files: { paths: ['/y'] } }, topic: 't', index: 'quoted' }),
          modRevision: 1,
        },
      ],
    ]),
    1,
  ),
);

/** What the general path (a full JSON.parse) decides, for comparison. */
const slow = (value: string) =>
  toDoc({ topic: 't', partition: 0, offset: '1', timestamp: '0', value: Buffer.from(`\n${value}`) }, routing);

const ev = (message: string, extra: Partial<EncodableEvent> = {}): EncodableEvent => ({
  offset: 7,
  message,
  truncated: false,
  invalidUtf8: false,
  length: 1,
  ...extra,
});

test('agent records are routed without a full parse, exactly as a full parse would', () => {
  const messages = [
    'plain',
    'quotes " and \\ backslashes',
    '","event":{"id":"FAKE"},"collection":{"name":"adhoc/a"}',
    'ünïcödé ✓',
    '',
  ];
  const sources = [
    { node: 'n', collection: 'adhoc/a', path: '/var/log/a.log', fileId: 'f' },
    {
      node: 'n',
      collection: 'adhoc/a',
      path: '/p","collection":{"name":"evil"}',
      fileId: 'f',
      fields: { k: 'v' },
      kubernetes: { namespace: 'ns', pod: 'p', container: 'c', labels: {} },
    },
    { node: 'n', collection: 'k8s/ns/q"x', path: '/p', fileId: 'f' },
    { node: 'n', collection: 'gone', path: '/p', fileId: 'f' },
  ];
  for (const src of sources)
    for (const m of messages)
      for (const extra of [
        {},
        { timestamp: '2026-05-06T07:08:09.123456789Z', stream: 'stderr' },
        { truncated: true },
      ]) {
        const { value } = new EventEncoder(src, 1 << 20).encode(ev(m, extra), '2026-01-02T00:00:00.000Z');
        const fast = toDoc(
          { topic: 't', partition: 0, offset: '1', timestamp: '0', value: Buffer.from(value) },
          routing,
        );
        const reference = slow(value);
        assert.equal(fast.sourceText, value, 'sent as written');
        assert.deepEqual([fast.id, fast.index], [reference.id, reference.index], `${src.collection} / ${m}`);
      }
});
