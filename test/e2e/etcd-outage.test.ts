// The agent and the transfer keep their config while etcd is away, and converge on what etcd
// holds when they reach it again: after an etcd restart, and after a partition during which
// the config changed and the history was compacted (so the watch cannot simply resume).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import * as services from '../../deploy/local/services.ts';
import { compact, resetKeys, testEtcd } from '../support/etcd.ts';
import { count, deleteIndices } from '../support/elasticsearch.ts';
import {
  appendLines,
  newPipeline,
  numbered,
  useEtcd,
  waitForTailer,
  waitForTransferTopic,
} from '../support/pipeline.ts';
import { startProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait.ts';

const etcd = testEtcd();
let proxy: TcpProxy;
const p = newPipeline('etcdout');
useEtcd(p, etcd);

before(async () => {
  await resetKeys(etcd);
  const target = new URL(services.endpoints().etcd);
  proxy = await startProxy(target.hostname, Number(target.port));
  // The components reach etcd through the proxy, so the test can cut them off alone.
  const viaProxy = { LCS_ETCD_ENDPOINTS: `http://127.0.0.1:${proxy.port}` };
  p.startTransfer([], viaProxy);
  p.startAgent([], viaProxy);
});

after(async () => {
  await p.stop();
  await proxy.close();
  await deleteIndices(`*-${p.id}-*`).catch(() => {});
  await resetKeys(etcd).catch(() => {});
  etcd.close();
});

test('config survives an etcd restart', async () => {
  const file = join(p.dir, 'a.log');
  writeFileSync(file, '');
  const topic = `a-${p.id}`;
  await etcd.put(adhocEntryKey('a')).value(JSON.stringify({ source: { files: { paths: [file] } }, topic }));
  await waitForTailer(p, 'adhoc/a', file);
  await waitForTransferTopic(etcd, topic);

  await services.stop('etcd');
  const during = numbered('during-restart', 0, 20);
  appendLines(file, during);
  await waitFor('lines flow while etcd is down', async () => (await count(`a-${p.id}-*`)) === during.length, {
    timeoutMs: 15000,
  });
  await services.start('etcd');

  const afterLines = numbered('after-restart', 0, 20);
  appendLines(file, afterLines);
  await waitFor(
    'lines flow after the restart',
    async () => (await count(`a-${p.id}-*`)) === during.length + afterLines.length,
    { timeoutMs: 15000 },
  );
  await waitFor('agent status back in etcd', async () => (await p.agentStatus())?.etcd.connected === true, {
    timeoutMs: 15000,
  });
});

test('a change made while cut off, with history compacted, is picked up on reconnect', async () => {
  const b = join(p.dir, 'b.log');
  writeFileSync(b, '');
  const topicB = `b-${p.id}`;
  proxy.cut();
  await etcd
    .put(adhocEntryKey('a'))
    .value(JSON.stringify({ source: { files: { paths: [b] } }, topic: topicB }));
  for (let i = 0; i < 5; i++) await etcd.put('/lcs/v1/scratch').value(String(i));
  await compact(etcd);
  proxy.restore();

  await waitForTailer(p, 'adhoc/a', b, 30000);
  await waitForTransferTopic(etcd, topicB, 30000);
  const lines = numbered('b', 0, 25);
  appendLines(b, lines);
  await waitFor(
    'lines of the changed entry indexed',
    async () => (await count(`b-${p.id}-*`)) === lines.length,
    { timeoutMs: 15000 },
  );
  assert.match(p.agent!.logs(), /etcd watch ended; re-listing|etcd list failed/);
});
