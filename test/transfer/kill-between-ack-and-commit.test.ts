// kill -9 of the transfer in the one window that matters: Elasticsearch has acknowledged a
// bulk, the offsets are not committed yet. The failpoint LCS_TRANSFER_FAILPOINT makes the
// process SIGKILL itself exactly there. The replacement re-reads from the last commit and
// re-sends what Elasticsearch already has; `op_type: create` with the same `_id` turns those
// into 409s, so Elasticsearch holds every record exactly once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import {
  committedSum,
  indexed,
  produce,
  putEntry,
  recordValue,
  transferEnv,
  waitForIndexed,
} from './harness.ts';

// A short session timeout: the replacement need not wait 30 s for the dead member to expire.
const { p, etcd, kafka } = usePipeline('tkill', {
  env: { ...transferEnv, LCS_TRANSFER_SESSION_TIMEOUT: '8s' },
});
const topic = p.id;
const base = topic;
const group = p.env.LCS_TRANSFER_GROUP_ID!;
const N = 50_000;

test('kill -9 between a bulk acknowledgement and its commit, 50k records: exactly 50k documents', async () => {
  const ts = new Date().toISOString();
  // Half agent-shaped (event.id), half foreign (id from topic/partition/offset).
  await produce(kafka, topic, N, (i) => recordValue({ agent: i % 2 === 0, run: p.id, i }, ts));
  await putEntry(etcd, p.id, topic, base);

  const first = p.startTransfer([], { LCS_TRANSFER_FAILPOINT: 'exit-after-ack:5' });
  const exit = await new Promise<string | null>((r) => first.proc.once('exit', (_c, sig) => r(sig)));
  assert.equal(exit, 'SIGKILL', 'the failpoint killed the transfer');
  assert.match(first.logs(), /failpoint: SIGKILL after bulk acknowledgement, before commit/);

  const committed = await committedSum(kafka, group, topic);
  const inEs = await indexed(base);
  assert.ok(
    inEs > committed,
    `acknowledged but uncommitted documents exist (ES ${inEs}, committed ${committed})`,
  );
  assert.ok(inEs < N, 'the crash happened mid-stream');

  p.startTransfer();
  await waitFor('every offset committed', async () => (await committedSum(kafka, group, topic)) === N, {
    timeoutMs: 120_000,
    intervalMs: 500,
  });
  await waitForIndexed(base, N, 10_000);
  assert.equal(await indexed(base), N, 'exactly N documents');
});
