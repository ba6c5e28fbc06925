import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transferStatusKey } from '../common/keyspace.ts';
import { parseTransferStatus } from '../common/status/transfer.ts';
import { Progress } from './progress.ts';
import { renderTransferStatus } from './status.ts';

test('the record the transfer writes is the record its readers parse (common/status)', () => {
  const t0 = Date.UTC(2026, 0, 2, 3, 4, 5);
  const progress = new Progress();
  progress.indexed = 500;
  progress.deadLettered = 1;
  progress.bulk(12);
  progress.partition('web', 0).committed = '250';
  progress.partition('web', 0).lag = 3;
  progress.partition('web', 1);
  progress.availability(false, t0, 'ECONNREFUSED');
  const status = renderTransferStatus({
    member: 'm1',
    pid: 7,
    groupId: 'lcs-transfer',
    startedAt: t0 - 60_000,
    now: t0,
    topics: ['web'],
    assigned: new Map([['web', [0, 1]]]),
    kafkaError: 'rebalancing',
    progress: progress.snapshot(t0),
  });
  assert.equal(status.paused, true, 'paused while Elasticsearch is down');
  assert.deepEqual(parseTransferStatus(JSON.stringify(status), transferStatusKey('m1')), {
    ok: true,
    value: status,
  });
});
