// Bad input is bounded, marked and loses nothing else: a 10 MB line, a file of invalid UTF-8,
// a JSON-format line that is not JSON. And the security model: a symlink under the allowed
// root pointing at /etc/shadow, and an entry naming /etc directly, are refused and reported,
// with nothing read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { symlinkSync, writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { endOffsetSum, readTopic } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { rssOf } from './delivery-check.ts';

const { p, etcd, kafka } = usePipeline('badin', { start: ['agent'] });

interface Ev {
  message: string;
  event: { truncated?: boolean; original_bytes?: number; invalid_utf8?: boolean };
  error?: { message: string };
  n?: number;
}

test('a 10 MB line is truncated and marked; the lines around it arrive; memory stays bounded', async () => {
  const file = join(p.dir, 'huge.log');
  const huge = 'H'.repeat(10 * 1024 * 1024);
  writeFileSync(file, `before\n${huge}\nafter\n`);
  const topic = `huge-${p.id}`;
  await etcd
    .put(adhocEntryKey('huge'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  const records = (await readTopic(kafka, topic, 3, 30000)).map((r) => JSON.parse(r.value) as Ev);
  assert.deepEqual(
    records.map((r) => r.message.slice(0, 6)),
    ['before', 'HHHHHH', 'after'],
  );
  const big = records[1]!;
  assert.equal(big.event.truncated, true);
  assert.equal(big.event.original_bytes, huge.length);
  assert.ok(Buffer.byteLength(JSON.stringify(big)) < 1024 * 1024, 'the record fits Kafka');
  assert.ok((await rssOf(p.agent!.proc.pid!)) < 400 * 1024 * 1024, 'a 10 MB line is not held whole');
});

test('a topic that takes less than a batch (max.message.bytes 16 KiB): sent in pieces; a line it refuses alone becomes a marked stub; nothing else lost', async () => {
  const topic = `small-${p.id}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      {
        topic,
        numPartitions: 1,
        replicationFactor: 1,
        configEntries: [{ name: 'max.message.bytes', value: '16384' }],
      },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const file = join(p.dir, 'small.log');
  const line = (n: number) => `line ${String(n).padStart(5, '0')} ${'x'.repeat(180)}`;
  const big = 'B'.repeat(40_000);
  const lines = [
    ...Array.from({ length: 300 }, (_, n) => line(n)),
    big,
    ...Array.from({ length: 300 }, (_, n) => line(300 + n)),
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  await etcd
    .put(adhocEntryKey('small'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  const records = (await readTopic(kafka, topic, lines.length, 60000)).map(
    (r) => JSON.parse(r.value) as Ev & { log: { offset: number }; event: { id: string } },
  );
  assert.equal(records.length, lines.length, 'every line, the refused one as a stub');
  const offsets = records.map((r) => r.log.offset);
  assert.deepEqual(
    offsets,
    [...offsets].sort((a, b) => a - b),
    'in file order',
  );
  assert.deepEqual(
    records.filter((r) => r.message.startsWith('line ')).map((r) => r.message),
    lines.filter((l) => l !== big),
  );
  const stub = records[300]!;
  assert.equal(stub.message, 'B'.repeat(1024));
  assert.equal(stub.event.truncated, true);
  assert.match(
    stub.error!.message,
    /Kafka refused the \d+-byte record: topic small-\S+ takes less \(max.message.bytes\)/,
  );
  assert.match(stub.event.id, /^\S{20,}$/);
  assert.equal(stub.log.offset, 300 * (line(0).length + 1));
  await waitFor(
    'the agent to report no Kafka error',
    async () => !(await p.agentStatus())?.kafka?.lastError,
    { timeoutMs: 10000 },
  );
});

test('invalid UTF-8 is replaced and marked; a non-JSON line under format json is kept and marked', async () => {
  const bin = join(p.dir, 'bin.log');
  writeFileSync(
    bin,
    Buffer.concat([
      Buffer.from('ok line\n'),
      Buffer.from([0xc3, 0x28, 0xff, 0x41, 0x0a]),
      Buffer.from('tail\n'),
    ]),
  );
  const json = join(p.dir, 'app.json');
  writeFileSync(json, '{"msg":"structured","n":7}\nthis is not json\n{"msg":"again"}\n');
  const t1 = `bin-${p.id}`;
  const t2 = `json-${p.id}`;
  await etcd
    .put(adhocEntryKey('bin'))
    .value(JSON.stringify({ source: { files: { paths: [bin] } }, topic: t1, startAt: 'beginning' }));
  await etcd.put(adhocEntryKey('json')).value(
    JSON.stringify({
      source: { files: { paths: [json] } },
      topic: t2,
      startAt: 'beginning',
      parse: { format: 'json' },
    }),
  );
  const b = (await readTopic(kafka, t1, 3, 30000)).map((r) => JSON.parse(r.value) as Ev);
  assert.deepEqual(
    b.map((r) => [r.message, r.event.invalid_utf8 ?? false]),
    [
      ['ok line', false],
      ['\uFFFD(\uFFFDA', true],
      ['tail', false],
    ],
  );
  const j = (await readTopic(kafka, t2, 3, 30000)).map((r) => JSON.parse(r.value) as Ev);
  assert.deepEqual(
    j.map((r) => r.message),
    ['structured', 'this is not json', 'again'],
  );
  assert.equal(j[0]!.n, 7);
  assert.match(j[1]!.error!.message, /^not JSON/);
  assert.equal(j[2]!.error, undefined);
  assert.equal(p.agent!.proc.exitCode, null, 'the agent is still running');
});

test('a symlink to /etc/shadow and an entry naming /etc are refused, reported, and nothing is read', async () => {
  const ok = join(p.dir, 'ok.log');
  writeFileSync(ok, 'fine\n');
  symlinkSync('/etc/shadow', join(p.dir, 'shadow.log'));
  const t1 = `sym-${p.id}`;
  const t2 = `etc-${p.id}`;
  await etcd.put(adhocEntryKey('sym')).value(
    JSON.stringify({
      source: { files: { paths: [join(p.dir, '*.log')] } },
      topic: t1,
      startAt: 'beginning',
    }),
  );
  await etcd.put(adhocEntryKey('etc')).value(
    JSON.stringify({
      source: { files: { paths: ['/etc/*', '/etc/shadow'] } },
      topic: t2,
      startAt: 'beginning',
    }),
  );
  await waitForTailer(p, 'adhoc/sym', ok);
  const status = await waitFor('refusals in the status', async () => {
    const s = await p.agentStatus();
    return s?.collections['adhoc/sym']?.errors.length && s.collections['adhoc/etc']?.errors.length === 2
      ? s
      : undefined;
  });
  assert.match(
    status.collections['adhoc/sym']!.errors.join('\n'),
    /shadow\.log: refused: .*shadow\.log resolves to \/etc\/shadow, outside the allowed roots/,
  );
  assert.match(
    status.collections['adhoc/etc']!.errors.join('\n'),
    /\/etc\/\*: refused: \/etc\/\* is outside the allowed roots/,
  );
  assert.ok(
    !status.tailers.some((t) => t.file.endsWith('shadow.log') || t.file.startsWith('/etc')),
    'no tailer on a refused file',
  );
  const sym = await readTopic(kafka, t1, 1, 30000);
  assert.ok(
    sym.every((r) => !r.value.includes('root:')),
    'nothing of /etc/shadow was sent',
  );
  assert.equal(await endOffsetSum(kafka, t2), 0, 'nothing sent for the /etc entry');
});
