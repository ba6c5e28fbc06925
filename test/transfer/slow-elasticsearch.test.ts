// Elasticsearch accepts a bulk request and then answers nothing for longer than the consumer
// group's session timeout (a node restarting its shards, a long GC, a hung proxy). The
// transfer must stay in its group meanwhile — the same member before and after, no rebalance —
// and, once the answers come, commit and index every record exactly once. A transfer that sends
// no heartbeat while it waits is evicted, and its commits then fail behind a batch that cannot
// return: the one hang seen after an outage (docs/decisions.md).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { endpoints } from '../../deploy/local/services.ts';
import { usePipeline } from '../support/pipeline.ts';
import { startProxy, type TcpProxy } from '../support/tcp-proxy.ts';
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

const SESSION_MS = 8000;
const STALL_MS = 3 * SESSION_MS;
const { p, etcd, kafka } = usePipeline('tslow', {
  env: { ...transferEnv, LCS_TRANSFER_SESSION_TIMEOUT: '8s' },
});
const topic = p.id;
const base = topic;
const group = p.env.LCS_TRANSFER_GROUP_ID!;
let proxy: TcpProxy;

before(async () => {
  const es = new URL(endpoints().elasticsearch);
  proxy = await startProxy(es.hostname, Number(es.port));
});
after(async () => {
  proxy.unstall();
  await proxy.close();
});

async function members(): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    return (groups[0]?.members ?? []).map((m) => m.memberId).sort();
  } finally {
    await admin.disconnect();
  }
}

test('Elasticsearch silent for 3x the session timeout: same group member, then every record once', async () => {
  const ts = new Date().toISOString();
  const make = (i: number) => recordValue({ agent: true, run: p.id, i }, ts);
  await putEntry(etcd, p.id, topic, base);
  p.startTransfer([], { LCS_ELASTICSEARCH_URL: `http://127.0.0.1:${proxy.port}` });
  await produce(kafka, topic, 2000, make);
  await waitForIndexed(base, 2000, 60_000);
  await waitFor(
    'offsets committed for the first records',
    async () => (await committedSum(kafka, group, topic)) === 2000,
  );
  const before = await members();
  assert.equal(before.length, 1, 'one transfer in the group');

  proxy.stall();
  await produce(kafka, topic, 2000, make, { from: 2000 });
  await waitFor('a bulk answer held back by the stall', () => proxy.heldBytes() > 0, { timeoutMs: 30_000 });
  const stalledAt = Date.now();
  // The fault lasts STALL_MS; the test checks membership while it does.
  await waitFor('the stall to last three session timeouts', () => Date.now() - stalledAt >= STALL_MS, {
    timeoutMs: STALL_MS + 5000,
    intervalMs: 500,
  });
  assert.deepEqual(await members(), before, 'still the same member while Elasticsearch is silent');
  proxy.unstall();

  await waitFor('every offset committed', async () => (await committedSum(kafka, group, topic)) === 4000, {
    timeoutMs: 60_000,
    intervalMs: 500,
  });
  assert.equal(await indexed(base), 4000, 'exactly every document, none twice');
  assert.deepEqual(await members(), before, 'no rebalance happened');
});
