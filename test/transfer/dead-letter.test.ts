// A record whose field conflicts with the index mapping is permanent trouble: it goes to
// `<topic>.dlq` with the reason and the original record, and the records after it are
// indexed. Also the transfer's /metrics and status record: lag per partition, documents/s,
// bulk latency, retries and the dead-lettered count.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTopic } from '../support/kafka.ts';
import { usePipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import {
  httpUrl,
  indexed,
  metric,
  produce,
  putEntry,
  transferEnv,
  transferStatuses,
  waitForIndexed,
} from './harness.ts';

const { p, etcd, kafka } = usePipeline('tdlq', { env: transferEnv });
const topic = p.id;
const base = p.id;

const record = (i: number, n: unknown) =>
  JSON.stringify({
    '@timestamp': new Date().toISOString(),
    message: `m${i}`,
    n,
    event: { id: `${p.id}-${i}` },
  });

test('a mapping conflict is dead-lettered with the reason; the records after it are indexed', async () => {
  await putEntry(etcd, p.id, topic, base);
  const transfer = p.startTransfer();
  const url = await httpUrl(transfer);
  // The first record maps `n` as a number; all records share one key, so one partition, in order.
  await produce(kafka, topic, 1, (i) => record(i, 42), { batch: 1 });
  await waitForIndexed(base, 1, 30_000);

  const conflicting = record(1, 'not a number');
  await produce(kafka, topic, 1, () => conflicting, { from: 1 });
  await produce(kafka, topic, 200, (i) => record(i, i), { from: 2 });
  await waitForIndexed(base, 201, 30_000);

  const [letter, ...more] = await readTopic(kafka, `${topic}.dlq`, 1, 15_000);
  assert.ok(letter, 'a dead letter');
  assert.equal(more.length, 0, 'only the conflicting record');
  const body = JSON.parse(letter.value) as {
    reason: string;
    index: string;
    original: string;
    source: { topic: string; partition: number; offset: string };
  };
  assert.match(body.reason, /^400: .*(mapper_parsing_exception|document_parsing_exception)/);
  assert.match(body.reason, /\[n\]/, 'the reason names the field');
  assert.equal(body.original, conflicting, 'the original record, byte for byte');
  assert.equal(body.source.topic, topic);
  assert.equal(letter.key, `${p.id}-1`);
  assert.equal(await indexed(base), 201, 'every other record indexed');

  // Observability of the same run.
  const dead = await metric(url, 'lcs_transfer_dead_lettered_total');
  assert.equal(dead.get(''), 1);
  const sent = await metric(url, 'lcs_events_sent_total');
  assert.equal(sent.get('{stage="elasticsearch"}'), 201);
  const lag = await metric(url, 'lcs_lag');
  assert.ok(
    [...lag.keys()].some((k) => k.includes(`topic="${topic}"`) && k.includes('partition=')),
    'lag per partition',
  );
  assert.ok(
    [...lag.values()].every((v) => v === 0),
    'caught up',
  );
  assert.ok(((await metric(url, 'lcs_transfer_bulk_requests_total')).get('') ?? 0) >= 3);
  assert.ok(((await metric(url, 'lcs_transfer_bulk_duration_seconds_total')).get('') ?? 0) > 0);
  assert.ok((await metric(url, 'lcs_transfer_retries_total')).has(''));
  assert.ok((await metric(url, 'lcs_transfer_documents_per_second')).has(''));
  const st = await waitFor('status with the dead letter', async () =>
    (await transferStatuses(etcd)).find((s) => s.deadLettered === 1 && s.indexed === 201),
  );
  const parts = Object.values(st.partitions[topic] ?? {});
  assert.equal(
    parts.reduce((sum, x) => sum + Number(x.committed ?? 0), 0),
    202,
    'every offset committed, the dead-lettered one included',
  );
});
