// The same 10k lines produced twice by the agent — its checkpoints lost, so it reads the
// file again from the start: Kafka holds 20k records, Elasticsearch 10k documents, because
// the agent gives a line the same `event.id` every time it reads it and the transfer writes
// with `op_type: create` and `_id = event.id`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { appendLines, usePipeline, numbered, waitForTransferTopic } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { committedSum, indexed, transferEnv, waitForIndexed } from './harness.ts';

const { p, etcd, kafka } = usePipeline('treplay', { env: transferEnv });
const topic = p.id;
const group = p.env.LCS_TRANSFER_GROUP_ID!;
const N = 10_000;

test('the same 10k lines produced twice by the agent: 10k documents', async () => {
  const file = join(p.dir, 'app.log');
  writeFileSync(file, '');
  appendLines(file, numbered(p.id, 0, N));
  await etcd
    .put(adhocEntryKey(p.id))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  p.startTransfer();
  await waitForTransferTopic(etcd, topic);
  p.startAgent();
  await waitForIndexed(topic, N, 60_000);
  await waitFor('first pass produced', async () => (await endOffsetSum(kafka, topic)) === N, {
    timeoutMs: 30_000,
  });

  // The replay: the agent restarts without its checkpoints and reads the file again.
  await p.agent!.stop();
  rmSync(p.stateDir, { recursive: true, force: true });
  p.startAgent();
  await waitFor('the file produced a second time', async () => (await endOffsetSum(kafka, topic)) === 2 * N, {
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  await waitFor(
    'the replay consumed and committed',
    async () => (await committedSum(kafka, group, topic)) === 2 * N,
    {
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
  assert.equal(await indexed(topic), N, 'one document per line');
});
