// Two transfer replicas share a topic's partitions through the consumer group. One is killed
// (-9) in the middle of a 100k-record run and started again: the group hands its partitions
// over, the uncommitted tail is re-sent and absorbed as 409s, and Elasticsearch ends with
// exactly 100k documents.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LcsProcess } from '../support/lcs-process.ts';
import { usePipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import {
  committedSum,
  indexed,
  produce,
  putEntry,
  recordValue,
  transferEnv,
  transferStatuses,
  waitForIndexed,
} from './harness.ts';

// A short session timeout so the group notices the killed replica in seconds, not 30 s.
const { p, etcd, kafka } = usePipeline('trepl', {
  env: { ...transferEnv, LCS_TRANSFER_SESSION_TIMEOUT: '8s' },
});
const topic = p.id;
const base = p.id;
const group = p.env.LCS_TRANSFER_GROUP_ID!;
const N = 100_000;
const replicas: LcsProcess[] = [];

const replica = (name: string) => {
  const r = p.startTransfer([], { LCS_TRANSFER_MEMBER: `${p.id}-${name}` });
  replicas.push(r);
  return r;
};

after(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
});

test('two replicas, one killed and restarted during a 100k-record run: exactly 100k documents', async () => {
  const ts = new Date().toISOString();
  await produce(kafka, topic, 20_000, (i) => recordValue({ agent: true, run: p.id, i }, ts));
  await putEntry(etcd, p.id, topic, base);
  replica('a');
  const b = replica('b');
  const shared = await waitFor(
    'both replicas to own partitions',
    async () => {
      const st = (await transferStatuses(etcd)).filter((s) => (s.assignment[topic]?.length ?? 0) > 0);
      return st.length === 2 ? st : undefined;
    },
    { timeoutMs: 30_000 },
  );
  const owned = shared.flatMap((s) => s.assignment[topic]!).sort();
  assert.deepEqual(owned, [0, 1, 2, 3], 'the partitions are split between the two, none twice');

  // The rest of the run arrives while the replicas work; b dies in the middle of it.
  const rest = produce(kafka, topic, N - 20_000, (i) => recordValue({ agent: true, run: p.id, i }, ts), {
    from: 20_000,
  });
  await waitForIndexed(base, 30_000, 60_000);
  await b.kill9();
  const atKill = await indexed(base);
  assert.ok(atKill < N, 'killed mid-run');
  replica('b');
  await rest;

  await waitFor('every offset committed', async () => (await committedSum(kafka, group, topic)) === N, {
    timeoutMs: 120_000,
    intervalMs: 1000,
  });
  await waitForIndexed(base, N, 15_000);
  assert.equal(await indexed(base), N, 'exactly N documents');
});
