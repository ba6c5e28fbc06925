// Rename rotation every 2 s while 20k lines/s are written: nothing lost, and no line under two
// ids (a rotated file is finished through its open handle, not read again as a new file).
// copytruncate: the agent notices the truncation and follows the new content under a new
// identity; lines written between its last read and the truncation are the documented
// window of loss (docs/agent.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { appendFileSync, copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { endOffsetSum } from '../support/kafka.ts';
import { usePipeline, waitForTailer } from '../support/pipeline.ts';
import { waitFor } from '../support/wait.ts';
import { startWriter } from '../support/writer.ts';
import { checkDelivery, missing } from './delivery-check.ts';

const { p, etcd, kafka } = usePipeline('rotate', { start: ['agent'] });

test('rename rotation every 2 s at 20k lines/s: every line once, under one id', async () => {
  const file = join(p.dir, 'r.log');
  writeFileSync(file, '');
  const topic = `rot-${p.id}`;
  await etcd
    .put(adhocEntryKey('r'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  await waitForTailer(p, 'adhoc/r', file);
  const LINES = 140_000;
  const { written, rotations } = await startWriter({
    file,
    lines: LINES,
    perSecond: 20_000,
    tag: 'rot',
    rotate: 'rename',
    rotateMs: 2000,
  });
  assert.equal(written, LINES);
  assert.ok(rotations >= 3, `${rotations} rotations`);
  const d = await checkDelivery(kafka, topic, 'rot', LINES);
  assert.deepEqual(missing(d.numbers, LINES), [], 'no line lost across rotations');
  assert.equal(d.linesWithTwoIds, 0, 'no line read twice as a new file');
  const status = await p.agentStatus();
  assert.equal(status?.collections['adhoc/r']?.lostBytes ?? 0, 0, 'nothing in the loss ledger');
});

test('copytruncate: truncation detected, new content followed under a new identity', async () => {
  const file = join(p.dir, 'ct.log');
  writeFileSync(file, '');
  const topic = `ct-${p.id}`;
  await etcd
    .put(adhocEntryKey('ct'))
    .value(JSON.stringify({ source: { files: { paths: [file] } }, topic, startAt: 'beginning' }));
  await waitForTailer(p, 'adhoc/ct', file);
  const lines = (from: number, n: number) => Array.from({ length: n }, (_, i) => `ct ${from + i} x`);
  const before = lines(0, 2000);
  appendFileSync(file, before.join('\n') + '\n');
  await waitFor('first lines acknowledged', async () => (await endOffsetSum(kafka, topic)) >= before.length, {
    timeoutMs: 20000,
  });

  // The agent is stopped (SIGSTOP) while lines are written and the file is copied and
  // truncated: the lines written in that window are only in the copy, which this entry does
  // not follow — the loss window of copytruncate.
  process.kill(p.agent!.proc.pid!, 'SIGSTOP');
  appendFileSync(file, lines(2000, 300).join('\n') + '\n');
  copyFileSync(file, `${file}.1`);
  truncateSync(file, 0);
  const afterLines = lines(2300, 100);
  appendFileSync(file, afterLines.join('\n') + '\n');
  process.kill(p.agent!.proc.pid!, 'SIGCONT');

  const d = await checkDelivery(kafka, topic, 'ct', 2100, 30000);
  for (let i = 0; i < 2000; i++) assert.ok(d.numbers.has(i), `line ${i} before the truncation`);
  for (let i = 2300; i < 2400; i++) assert.ok(d.numbers.has(i), `line ${i} after the truncation`);
  const inWindow = [...d.numbers].filter((n) => n >= 2000 && n < 2300).length;
  assert.equal(
    inWindow,
    0,
    'lines written while the agent was stopped, before the truncation, are the documented loss',
  );
  assert.equal(d.linesWithTwoIds, 0);
  const ids = new Set(d.sample.map((s) => (s.event as { id: string }).id));
  assert.ok(ids.size > 0);
  await waitFor('the truncation is in the agent log', () =>
    /file truncated \(copytruncate\?\)/.test(p.agent!.logs()),
  );
});
