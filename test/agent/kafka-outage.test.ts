// Kafka stopped for 60 s while 10k lines/s are written, then started: nothing lost, and the
// agent's memory stays flat during the outage (the file is the buffer: reading pauses once
// agent.maxBufferedBytes are unacknowledged).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import * as services from '../../deploy/local/services.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { startWriter } from '../support/writer.ts';
import { checkDelivery, missing, rssOf } from './delivery-check.ts';

const { p, etcd, kafka } = usePipeline('kout');
const OUTAGE_MS = Number(process.env.LCS_TEST_KAFKA_OUTAGE_MS ?? 60000);
const RATE = 10_000;

after(async () => {
  if (!(await services.isRunning('kafka'))) await services.start('kafka');
});

test(`Kafka down ${OUTAGE_MS / 1000} s at ${RATE} lines/s: nothing lost, RSS flat`, async () => {
  const file = join(p.dir, 'o.log');
  writeFileSync(file, '');
  const topic = `kout-${p.id}`;
  await etcd
    .put(adhocEntryKey('o'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  const agent = p.startAgent();
  await waitForTailer(p, 'adhoc/o', file);

  const lines = Math.round(((OUTAGE_MS + 20000) / 1000) * RATE);
  const writing = startWriter({ file, lines, perSecond: RATE, tag: 'out' });
  await waitFor('lines flowing', async () => (await endOffsetSum(kafka, topic)) >= RATE * 5, {
    timeoutMs: 30000,
    intervalMs: 200,
  });
  let before = 0;
  for (let i = 0; i < 10; i++) {
    before = Math.max(before, await rssOf(agent.proc.pid!));
    await new Promise((r) => setTimeout(r, 200)); // sampling interval, not synchronisation
  }

  await services.stop('kafka');
  const stoppedAt = Date.now();
  let during = 0;
  while (Date.now() - stoppedAt < OUTAGE_MS) {
    during = Math.max(during, await rssOf(agent.proc.pid!));
    await new Promise((r) => setTimeout(r, 500)); // sampling interval, not synchronisation
  }
  const status = await p.agentStatus();
  await services.start('kafka');

  const { written } = await writing;
  assert.equal(written, lines);
  const d = await checkDelivery(kafka, topic, 'out', lines, 180000);
  assert.deepEqual(missing(d.numbers, lines), [], 'no line lost');
  assert.equal(d.linesWithTwoIds, 0);
  const growth = during - before;
  assert.ok(
    growth <= 50 * 1024 * 1024,
    `RSS grew ${(growth / 1048576).toFixed(1)} MB during the outage (before ${(before / 1048576).toFixed(1)} MB, peak ${(during / 1048576).toFixed(1)} MB)`,
  );
  assert.equal(status?.kafka.connected, false, 'the outage was visible in the status');
  assert.ok((status?.tailers[0]?.lagBytes ?? 0) > 0, 'lag reported while Kafka was down');
  process.stdout.write(
    `# rss before ${(before / 1048576).toFixed(1)} MB, peak during outage ${(during / 1048576).toFixed(1)} MB\n`,
  );
});
