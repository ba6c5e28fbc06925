// Elasticsearch stopped for 60 s in the middle of a stream: the transfer pauses (reports it
// in its status and /readyz), commits nothing, keeps its memory flat while Kafka fills up,
// and once Elasticsearch is back it catches up with every record exactly once.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop } from '../../deploy/local/services.ts';
import { usePipeline } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import {
  committedSum,
  httpUrl,
  indexed,
  putEntry,
  rssMiB,
  transferEnv,
  transferStatuses,
  waitForIndexed,
} from './harness.ts';

const { p, etcd, kafka } = usePipeline('toutage', { env: transferEnv });
const topic = p.id;
const base = topic;
const group = p.env.LCS_TRANSFER_GROUP_ID!;
const OUTAGE_MS = 60_000;
// ~2 KiB records at ~1000/s: over 100 MiB reach Kafka during the outage, so a transfer that
// buffered them would show it in its RSS.
const PAD = 'x'.repeat(1900);

after(async () => {
  await start('elasticsearch'); // whatever happened, leave it running for the next file
});

/** Produces 100 records every 100 ms until stopped; resolves to how many it produced. */
function stream(): { stop: () => Promise<number>; produced: () => number } {
  let n = 0;
  let running = true;
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  const done = (async () => {
    await producer.connect();
    const ts = new Date().toISOString();
    while (running) {
      const messages = Array.from({ length: 100 }, (_, j) => {
        const i = n + j;
        const value = {
          '@timestamp': ts,
          message: `${p.id} line ${i} ${PAD}`,
          event: { id: `${p.id}-${i}` },
        };
        return { key: `file-${i % 8}`, value: JSON.stringify(value) };
      });
      await producer.send({ topic, acks: -1, messages });
      n += messages.length;
      await new Promise((r) => setTimeout(r, 100)); // pacing the load, not synchronisation
    }
    await producer.disconnect();
    return n;
  })();
  return {
    produced: () => n,
    stop: async () => {
      running = false;
      return done;
    },
  };
}

test('Elasticsearch down for 60 s mid-stream: paused, nothing committed, RSS flat, then exactly all documents', async () => {
  await putEntry(etcd, p.id, topic, base);
  const transfer = p.startTransfer();
  const url = await httpUrl(transfer);
  const s = stream();
  await waitForIndexed(base, 3000, 60_000);

  await stop('elasticsearch');
  const outageStart = Date.now();
  const paused = await waitFor(
    'the transfer to report Elasticsearch down',
    async () => (await transferStatuses(etcd)).find((st) => st.paused && !st.elasticsearch.up),
    { timeoutMs: 15_000 },
  );
  assert.ok(paused.elasticsearch.lastError, 'the reason is reported');
  assert.equal((await fetch(`${url}/readyz`)).status, 503, 'not ready while paused');
  const committedAtPause = await committedSum(kafka, group, topic);
  const producedAtPause = s.produced();

  // RSS once a second through the outage.
  const rss: number[] = [];
  await waitFor(
    'the outage to last 60 s',
    () => {
      rss.push(rssMiB(transfer.proc.pid!));
      return Date.now() - outageStart >= OUTAGE_MS;
    },
    { timeoutMs: OUTAGE_MS + 10_000, intervalMs: 1000 },
  );
  const producedDuringOutage = s.produced();
  assert.equal(
    await committedSum(kafka, group, topic),
    committedAtPause,
    'no offset committed while Elasticsearch was down',
  );
  // Flat means bounded, not growing with the backlog. By design the transfer holds at most
  // two batches per partition; what RSS shows on top is V8's heap settling (tens of MiB,
  // in steps). A transfer that kept reading would grow by a multiple of what arrived.
  const arrivedMiB = ((producedDuringOutage - producedAtPause) * 2048) / 2 ** 20;
  const growth = Math.max(...rss) - rss[0]!;
  process.stdout.write(
    `# outage: ${arrivedMiB.toFixed(0)} MiB reached Kafka; transfer RSS (MiB) ${rss.map((r) => r.toFixed(0)).join(' ')}\n`,
  );
  assert.ok(arrivedMiB > 80, `a real backlog built up (${arrivedMiB.toFixed(0)} MiB)`);
  assert.ok(
    growth < 48 && growth < arrivedMiB / 2,
    `RSS grew ${growth.toFixed(1)} MiB while ${arrivedMiB.toFixed(0)} MiB arrived`,
  );

  await start('elasticsearch');
  const total = await s.stop();
  await waitFor('every offset committed', async () => (await committedSum(kafka, group, topic)) === total, {
    timeoutMs: 120_000,
    intervalMs: 1000,
  });
  await waitForIndexed(base, total, 15_000);
  assert.equal(await indexed(base), total, 'exactly every document, none twice');
  const st = await waitFor('status up again', async () =>
    (await transferStatuses(etcd)).find((x) => !x.paused && x.elasticsearch.up),
  );
  assert.equal(st.paused, false);
  assert.equal((await fetch(`${url}/readyz`)).status, 200, 'ready again');
});
