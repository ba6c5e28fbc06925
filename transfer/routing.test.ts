import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSnapshot, emptySnapshot, type RawValue } from '../common/config/snapshot.ts';
import { toDoc } from './documents.ts';
import { routingFrom } from './routing.ts';

const snap = decodeSnapshot(
  emptySnapshot,
  new Map<string, RawValue>([
    [
      '/lcs/v1/collect/adhoc/a',
      {
        value: JSON.stringify({ source: { files: { paths: ['/x'] } }, topic: 'Web', index: 'weblogs' }),
        modRevision: 1,
      },
    ],
    [
      '/lcs/v1/collect/adhoc/b',
      { value: JSON.stringify({ source: { files: { paths: ['/y'] } }, topic: 'net' }), modRevision: 1 },
    ],
  ]),
  1,
);

test('topics and index bases come from the entries', () => {
  const r = routingFrom(snap);
  assert.deepEqual(r.topics, ['Web', 'net']);
  assert.equal(r.byCollection.get('adhoc/a'), 'weblogs');
  assert.equal(r.byTopic.get('net'), 'net');
});

test('agent records keep their id; foreign records get topic/partition/offset', () => {
  const r = routingFrom(snap);
  const agent = toDoc(
    {
      topic: 'Web',
      partition: 1,
      offset: '7',
      timestamp: '0',
      value: Buffer.from(
        JSON.stringify({
          '@timestamp': '2026-05-06T00:00:00Z',
          message: 'm',
          event: { id: 'E1' },
          collection: { name: 'adhoc/a' },
        }),
      ),
    },
    r,
  );
  assert.deepEqual([agent.id, agent.index], ['E1', 'weblogs-2026.05.06']);
  const foreign = toDoc(
    {
      topic: 'net',
      partition: 2,
      offset: '9',
      timestamp: String(Date.UTC(2026, 6, 1)),
      value: Buffer.from('plain text'),
    },
    r,
  );
  assert.deepEqual(
    [foreign.id, foreign.index, foreign.source.message],
    ['net-2-9', 'net-2026.07.01', 'plain text'],
  );
  assert.deepEqual(foreign.source.event, { id: 'net-2-9' });
});

test('an agent record is sent as its own bytes; anything changed is re-serialised', () => {
  const r = routingFrom(snap);
  const value = JSON.stringify({ '@timestamp': '2026-05-06T00:00:00Z', message: 'm', event: { id: 'E1' } });
  const agent = toDoc(
    { topic: 'Web', partition: 0, offset: '1', timestamp: '0', value: Buffer.from(value) },
    r,
  );
  assert.equal(agent.sourceText, value);
  const noTs = toDoc(
    { topic: 'Web', partition: 0, offset: '2', timestamp: '0', value: Buffer.from('{"event":{"id":"E2"}}') },
    r,
  );
  assert.equal(noTs.sourceText, undefined);
  const num = toDoc({ topic: 'Web', partition: 0, offset: '3', timestamp: '0', value: Buffer.from('42') }, r);
  assert.equal(num.sourceText, undefined);
  assert.equal(num.source.message, '42');
});
