import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTransferStatus, type TransferStatus } from './transfer.ts';

const full: TransferStatus = {
  member: 'm1',
  pid: 7,
  groupId: 'lcs-transfer',
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:05.000Z',
  topics: ['a', 'b'],
  assignment: { a: [0, 1], b: [] },
  paused: true,
  kafka: { lastError: 'rebalancing' },
  indexed: 100,
  retried: 2,
  deadLettered: 1,
  commitFailures: 0,
  documentsPerSecond: 50,
  bulk: { requests: 3, lastMs: 12, avgMs: 10 },
  elasticsearch: { up: false, downSince: '2026-01-01T00:00:04.000Z', lastError: 'ECONNREFUSED' },
  partitions: { a: { '0': { committed: '42', lag: 3 }, '1': {} } },
};

test('a record as the transfer writes it reads back unchanged; unknown fields are ignored', () => {
  assert.deepEqual(
    parseTransferStatus(JSON.stringify({ ...full, later: [1] }), '/lcs/v1/status/transfers/m1'),
    {
      ok: true,
      value: full,
    },
  );
});

test('missing and mistyped fields take their defaults, never a throw', () => {
  const r = parseTransferStatus(
    JSON.stringify({
      assignment: { a: [0, 'x', 1.5, 2], b: 'all' },
      partitions: { a: { 0: { lag: 'lots' } } },
      topics: 'a',
    }),
    '/lcs/v1/status/transfers/member-from-key',
  );
  assert.ok(r.ok);
  assert.equal(r.value.member, 'member-from-key');
  assert.deepEqual(r.value.assignment, { a: [0, 2], b: [] });
  assert.deepEqual(r.value.partitions, { a: { '0': {} } });
  assert.deepEqual(r.value.topics, []);
  assert.deepEqual(r.value.elasticsearch, { up: true }, 'a record that does not say is no outage report');
  assert.deepEqual([r.value.paused, r.value.indexed, r.value.bulk], [false, 0, { requests: 0 }]);
});

test('a value that is not a JSON object is refused with what it was', () => {
  assert.deepEqual(parseTransferStatus('42', '/k/m'), {
    ok: false,
    error: 'transfer status /k/m: number, not an object',
  });
  assert.equal(parseTransferStatus('').ok, false);
});
