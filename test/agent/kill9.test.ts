// kill -9 of the agent while it reads 100k lines, then a restart: every line reaches Kafka;
// a line sent twice carries the same event.id; the resent window is at most one batch.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { startWriter } from '../support/writer.ts';
import { checkDelivery, missing } from './delivery-check.ts';

const { p, etcd, kafka } = usePipeline('kill9');
const BATCH_BYTES = 256 * 1024;

test('kill -9 mid-stream: nothing lost, resends keep their id, at most one batch resent', async () => {
  const file = join(p.dir, 'k.log');
  writeFileSync(file, '');
  const topic = `kill9-${p.id}`;
  await etcd
    .put(adhocEntryKey('k'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  p.startAgent(['--agent-batch-bytes', String(BATCH_BYTES)]);
  await waitForTailer(p, 'adhoc/k', file);

  const LINES = 100_000;
  const writing = startWriter({ file, lines: LINES, perSecond: 20_000, tag: 'k9' });
  await waitFor(
    'a third of the lines acknowledged',
    async () => (await endOffsetSum(kafka, topic)) >= LINES / 3,
    { timeoutMs: 60000, intervalMs: 50 },
  );
  await p.agent!.kill9();
  const acknowledgedAtKill = await endOffsetSum(kafka, topic);
  p.startAgent(['--agent-batch-bytes', String(BATCH_BYTES)]);
  const { written } = await writing;
  assert.equal(written, LINES);

  const d = await checkDelivery(kafka, topic, 'k9', LINES);
  assert.deepEqual(missing(d.numbers, LINES), [], 'no line lost');
  assert.equal(d.numbers.size, LINES);
  assert.equal(d.linesWithTwoIds, 0, 'a resent line keeps its event.id');
  const batchRecords = Math.ceil(BATCH_BYTES / d.minRecordBytes);
  assert.ok(
    d.resent <= batchRecords,
    `resent ${d.resent} records; one batch holds at most ${batchRecords} (acknowledged at kill: ${acknowledgedAtKill})`,
  );
  assert.equal(d.records, d.distinctIds + d.resent);
});
