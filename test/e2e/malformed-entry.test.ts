// A malformed entry (bad JSON, unknown field, missing topic) is reported with its key and
// the problem, and every other entry keeps running; a good entry that turns bad keeps its
// last good version running.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { count } from '../support/elasticsearch.ts';
import {
  appendLines,
  usePipeline,
  numbered,
  waitForTailer,
  waitForTransferTopic,
} from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';

const { p, etcd } = usePipeline('bad', { start: ['transfer', 'agent'] });

test('malformed entries are reported by key and problem; the good one runs', async () => {
  const good = join(p.dir, 'good.log');
  writeFileSync(good, '');
  const topic = `good-${p.id}`;
  await etcd.put(adhocEntryKey('badjson')).value('{"source": {"files": ');
  await etcd
    .put(adhocEntryKey('unknown'))
    .value(JSON.stringify({ source: { files: { paths: [good] } }, topic: 'x', colour: 'blue' }));
  await etcd.put(adhocEntryKey('notopic')).value(JSON.stringify({ source: { files: { paths: [good] } } }));
  await etcd
    .put(adhocEntryKey('good'))
    .value(JSON.stringify({ source: { files: { paths: [good] } }, topic }));

  await waitForTailer(p, 'adhoc/good', good);
  const status = await waitFor('three rejected entries in status', async () => {
    const s = await p.agentStatus();
    return s && Object.keys(s.rejected).length === 3 ? s : undefined;
  });
  assert.match(
    status.rejected['adhoc/badjson']!,
    /^\/lcs\/v1\/collect\/adhoc\/badjson: \(value\): not valid JSON/,
  );
  assert.match(
    status.rejected['adhoc/unknown']!,
    /^\/lcs\/v1\/collect\/adhoc\/unknown: colour: unknown field/,
  );
  assert.match(status.rejected['adhoc/notopic']!, /^\/lcs\/v1\/collect\/adhoc\/notopic: topic: is required/);
  assert.match(p.agent!.logs(), /"msg":"collect entry rejected".*"key":"\/lcs\/v1\/collect\/adhoc\/badjson"/);

  await waitForTransferTopic(etcd, topic);
  const lines = numbered('good', 0, 30);
  appendLines(good, lines);
  await waitFor('good lines indexed', async () => (await count(`good-${p.id}-*`)) === lines.length, {
    timeoutMs: 10000,
  });
});

test('a good entry edited into a bad one keeps running its last good version', async () => {
  const good = join(p.dir, 'good.log');
  await etcd
    .put(adhocEntryKey('good'))
    .value(JSON.stringify({ source: { files: { paths: [good] } }, topic: 'Not Valid!' }));
  const status = await waitFor('the error reported on the running collection', async () => {
    const s = await p.agentStatus();
    return s?.collections['adhoc/good']?.errors.some((e) => e.includes('topic')) ? s : undefined;
  });
  assert.match(
    status.collections['adhoc/good']!.errors[0]!,
    /adhoc\/good: topic: "Not Valid!" is not a valid Kafka topic name/,
  );
  assert.equal(status.collections['adhoc/good']!.topic, `good-${p.id}`, 'still the last good topic');
  const before = await count(`good-${p.id}-*`);
  const more = numbered('still', 0, 10);
  appendLines(good, more);
  await waitFor(
    'lines still flow with the last good entry',
    async () => (await count(`good-${p.id}-*`)) === before + more.length,
    { timeoutMs: 10000 },
  );
});
