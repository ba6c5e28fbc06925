// The original project's demo, on the real services: /collect_log_conf names a file and a
// topic; lines appended to the file become searchable in Elasticsearch; changing the value
// moves collection to another file without a restart. Then the same with an ad-hoc entry.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { LEGACY_KEY, adhocEntryKey } from '../../common/keyspace.ts';
import { allDocs, count } from '../support/elasticsearch.ts';
import { endOffsetSum } from '../support/kafka.ts';
import {
  appendLines,
  usePipeline,
  numbered,
  waitForTailer,
  waitForTransferTopic,
} from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { assertSharedMetrics, total } from '../support/metrics-contract.ts';

const { p, etcd, kafka } = usePipeline('demo', { start: ['transfer', 'agent'] });

async function expectSearchable(pattern: string, lines: string[], timeoutMs = 5000): Promise<void> {
  await waitFor(
    `${lines.length} lines searchable in ${pattern}`,
    async () => (await count(pattern)) >= lines.length || undefined,
    { timeoutMs, intervalMs: 100 },
  );
  const docs = await allDocs<{ message: string; event: { id: string }; host: { name: string } }>(pattern);
  assert.deepEqual(
    docs.map((d) => d.message).sort(),
    [...lines].sort(),
    `exactly the written lines in ${pattern}`,
  );
  assert.equal(new Set(docs.map((d) => d.event.id)).size, docs.length, 'every event id once');
  assert.ok(docs.every((d) => d.host.name === p.node));
}

test('legacy /collect_log_conf: web.log to web, then switched to net.log / net', async () => {
  const web = join(p.dir, 'web.log');
  const net = join(p.dir, 'net.log');
  writeFileSync(web, '');
  writeFileSync(net, '');
  const webTopic = `web-${p.id}`;
  const netTopic = `net-${p.id}`;

  await etcd.put(LEGACY_KEY).value(JSON.stringify([{ path: web, topic: webTopic }]));
  await waitForTailer(p, 'legacy/0', web);
  await waitForTransferTopic(etcd, webTopic);

  const first = numbered('web', 0, 50);
  appendLines(web, first);
  await expectSearchable(`web-${p.id}-*`, first);

  // Both components report through the same endpoints and metric names.
  for (const [name, proc] of [
    ['agent', p.agent!],
    ['transfer', p.transfer!],
  ] as const) {
    const url = await proc.httpUrl();
    assert.equal((await fetch(`${url}/healthz`)).status, 200, `${name} /healthz`);
    assert.equal((await fetch(`${url}/readyz`)).status, 200, `${name} /readyz`);
    const samples = assertSharedMetrics(name, await (await fetch(`${url}/metrics`)).text());
    assert.ok(total(samples, 'lcs_events_sent_total') >= first.length, `${name} counted what it sent`);
  }

  await etcd.put(LEGACY_KEY).value(JSON.stringify([{ path: net, topic: netTopic }]));
  await waitForTailer(p, 'legacy/0', net);
  await waitFor(
    'web.log no longer tailed',
    async () => !(await p.agentStatus())?.tailers.some((t) => t.file === web),
  );
  await waitForTransferTopic(etcd, netTopic);
  assert.equal(p.agent!.proc.exitCode, null, 'the agent was not restarted');

  // Written to web.log after the switch, before the net lines: the agent's sink is FIFO, so
  // if web.log were still tailed these would reach Kafka before the net lines do.
  appendLines(web, numbered('web-after', 0, 20));
  const netLines = numbered('net', 0, 30);
  appendLines(net, netLines);
  await expectSearchable(`net-${p.id}-*`, netLines);
  assert.equal(await endOffsetSum(kafka, webTopic), first.length, 'nothing more produced to the web topic');
  assert.equal(await count(`web-${p.id}-*`), first.length, 'nothing more indexed into web-*');
});

test('ad-hoc entry /lcs/v1/collect/adhoc/...: collected, changed, removed', async () => {
  const app = join(p.dir, 'app.log');
  const other = join(p.dir, 'other.log');
  writeFileSync(app, '');
  writeFileSync(other, '');
  const key = adhocEntryKey(`app-${p.id}`);
  const name = `adhoc/app-${p.id}`;
  const topic = `app-${p.id}`;
  await etcd.put(key).value(
    JSON.stringify({
      source: { files: { paths: [join(p.dir, 'app*.log')] } },
      topic,
      fields: { team: 'payments' },
    }),
  );
  await waitForTailer(p, name, app);
  await waitForTransferTopic(etcd, topic);
  const lines = numbered('app', 0, 40);
  appendLines(app, lines);
  await expectSearchable(`app-${p.id}-*`, lines);
  const docs = await allDocs<{ fields: { team: string }; collection: { name: string } }>(`app-${p.id}-*`);
  assert.ok(
    docs.every((d) => d.fields.team === 'payments' && d.collection.name === name),
    'static fields and collection name on every event',
  );

  // Change the entry to another file and index: only that collection's tailers restart.
  await etcd
    .put(key)
    .value(JSON.stringify({ source: { files: { paths: [other] } }, topic, index: `other-${p.id}` }));
  await waitForTailer(p, name, other);
  await waitFor(
    'app.log no longer tailed',
    async () => !(await p.agentStatus())?.tailers.some((t) => t.file === app),
  );
  const more = numbered('other', 0, 25);
  appendLines(other, more);
  await expectSearchable(`other-${p.id}-*`, more);

  await etcd.delete().key(key);
  await waitFor('collection gone from agent status', async () => !(await p.agentStatus())?.collections[name]);
  const before = await endOffsetSum(kafka, topic);
  appendLines(other, numbered('ignored', 0, 5));
  // The legacy collection still runs: a line through it proves the agent read on after the delete.
  const net = join(p.dir, 'net.log');
  const marker = numbered('marker', 0, 1);
  appendLines(net, marker);
  await waitFor(
    'marker indexed',
    async () => (await count(`net-${p.id}-*`, { match_phrase: { message: marker[0] } })) === 1,
    { timeoutMs: 10000 },
  );
  assert.equal(await endOffsetSum(kafka, topic), before, 'no record produced for the removed entry');
});
