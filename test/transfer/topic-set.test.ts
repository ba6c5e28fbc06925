// The topic set follows etcd live: a topic added to the collect entries is consumed within
// 5 s; a removed one is dropped, and what it had committed survives, so when it comes back
// it resumes where it stopped — no loss, no second copy. The other topic's progress is
// untouched by either change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { usePipeline, waitForTransferTopic } from '../support/pipeline.ts';
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

const { p, etcd, kafka } = usePipeline('ttopics', { env: transferEnv });
const a = `${p.id}-a`;
const b = `${p.id}-b`;
const group = p.env.LCS_TRANSFER_GROUP_ID!;

test('a topic added in etcd is consumed within 5 s; removing and re-adding one loses nothing', async () => {
  const ts = new Date().toISOString();
  const rec = (run: string) => (i: number) => recordValue({ agent: true, run, i }, ts);
  await putEntry(etcd, a, a, a);
  p.startTransfer();
  await waitForTransferTopic(etcd, a);
  await produce(kafka, a, 1000, rec(a));
  await waitForIndexed(a, 1000, 30_000);

  // b exists in Kafka (with records) before any entry names it.
  await produce(kafka, b, 500, rec(b));
  const added = Date.now();
  await putEntry(etcd, b, b, b);
  await waitForIndexed(b, 500, 5000);
  const tookMs = Date.now() - added;
  process.stdout.write(`# topic added → its 500 records indexed in ${tookMs} ms\n`);
  assert.equal(await indexed(a), 1000, 'a untouched by the switch');

  // Drop a: records produced to it now stay in Kafka.
  await etcd.delete().key(adhocEntryKey(a));
  await waitFor('a dropped from the assignment', async () => {
    const all = Object.values(await etcd.getAll().prefix('/lcs/v1/status/transfers/').json()) as {
      topics: string[];
    }[];
    return all.length > 0 && all.every((s) => !s.topics.includes(a));
  });
  await produce(kafka, a, 700, rec(a), { from: 1000 });
  await produce(kafka, b, 100, rec(b), { from: 500 });
  await waitForIndexed(b, 600, 10_000);
  assert.equal(await indexed(a), 1000, 'a is no longer consumed');
  assert.equal(await committedSum(kafka, group, a), 1000, "a's committed progress kept");

  // Back again: a resumes from its commit.
  await putEntry(etcd, a, a, a);
  await waitForIndexed(a, 1700, 10_000);
  await waitFor('a fully committed', async () => (await committedSum(kafka, group, a)) === 1700, {
    timeoutMs: 10_000,
  });
  assert.equal(await indexed(a), 1700, 'exactly every record of a');
  assert.equal(await indexed(b), 600, 'exactly every record of b');
});
