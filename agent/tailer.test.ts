import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { silentLogger } from '../common/observe/logger.ts';
import { FakeClock } from '../common/time/fake-clock.ts';
import { CheckpointStore } from './checkpoints.ts';
import { PollScheduler } from './poll-scheduler.ts';
import { ReadPool } from './read-pool.ts';
import type { KafkaSink } from './sink.ts';
import { Tailer, type TailerOptions } from './tailer.ts';

const root = mkdtempSync(join(tmpdir(), 'lcs-tailer-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A sink that keeps what it is given and acknowledges nothing (the tailer's side only). */
function fakeSink() {
  const messages: string[] = [];
  const sink = {
    full: false,
    waitForRoom: () => Promise.resolve(),
    push(_topic: string, _key: string, value: string) {
      messages.push((JSON.parse(value) as { message: string }).message);
    },
  };
  return { sink: sink as unknown as KafkaSink, messages };
}

function harness(content: string, extra: Partial<TailerOptions> = {}) {
  const dir = join(root, `t${n++}`);
  const path = join(dir, 'app.log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path, content);
  const clock = new FakeClock(1_700_000_000_000);
  const scheduler = new PollScheduler(clock, 50);
  const { sink, messages } = fakeSink();
  const loss: { bytes: number; reason: string }[] = [];
  const rotated: string[] = [];
  const tailer = new Tailer({
    path,
    collection: 'c',
    topic: 't',
    node: 'n',
    startAt: 'beginning',
    sink,
    checkpoints: new CheckpointStore(join(dir, 'state'), silentLogger, () => clock.now()),
    logger: silentLogger,
    maxLineBytes: 65536,
    maxRecordBytes: 1 << 20,
    readPool: new ReadPool(4096, 1),
    pollMs: 250,
    pollMaxMs: 10_000,
    drainIdleMs: 5000,
    clock,
    scheduler,
    onLoss: (bytes, reason) => loss.push({ bytes, reason }),
    onRotated: (p) => rotated.push(p),
    ...extra,
  });
  /** Waits (on real I/O, not on time) until the tailer sleeps on the scheduler or finishes. */
  const settle = async () => {
    for (let i = 0; i < 10_000; i++) {
      await new Promise((r) => setImmediate(r));
      if (scheduler.pending > 0 || tailer.state === 'finished' || tailer.state === 'failed') return;
    }
    throw new Error(`tailer never went back to sleep (state ${tailer.state})`);
  };
  /** The delay of the wait the tailer sleeps in now. */
  const sleepingFor = () => clock.nextAt! - clock.now();
  /** Fires the tailer's current wait and lets it go back to sleep. */
  const poll = async () => {
    await clock.advance(sleepingFor());
    await settle();
  };
  return { path, dir, clock, scheduler, tailer, messages, loss, rotated, settle, sleepingFor, poll };
}

test('reads what is there, then polls an idle file on the shared scheduler with a doubling delay', async () => {
  const h = harness('one\ntwo\n');
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  assert.deepEqual(h.messages, ['one', 'two']);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    delays.push(h.sleepingFor());
    await h.poll();
  }
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.equal(h.scheduler.pending, 1, 'one wait, on the shared scheduler');
  await h.tailer.stop();
});

test('growth is found by the next poll; a file event reads at once and resets the backoff', async () => {
  const h = harness('a\n');
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  for (let i = 0; i < 5; i++) await h.poll(); // 250 + 500 + 1000 + 2000 + 4000
  assert.equal(h.sleepingFor(), 8000);
  appendFileSync(h.path, 'b\n');
  await h.clock.advance(7999);
  await h.settle();
  assert.deepEqual(h.messages, ['a'], 'not before the poll is due');
  await h.clock.advance(1);
  await h.settle();
  assert.deepEqual(h.messages, ['a', 'b'], 'the poll saw the size grow and read');
  assert.equal(h.sleepingFor(), 250, 'data resets the backoff');
  appendFileSync(h.path, 'c\n');
  h.tailer.poke();
  await h.settle();
  assert.deepEqual(h.messages, ['a', 'b', 'c'], 'read on the event, no time passed');
  await h.tailer.stop();
});

test('while file events work, three quick polls after activity, then pollWatchedMax; pollMax once they fail', async () => {
  let watched = true;
  const h = harness('a\n', { pollWatchedMaxMs: 60_000, watched: () => watched });
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  const delays: number[] = [];
  for (let i = 0; i < 10; i++) {
    delays.push(h.sleepingFor());
    await h.poll();
  }
  assert.deepEqual(delays, [250, 500, 1000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000, 60_000]);
  watched = false;
  await h.poll(); // the 60 s wait already armed
  const fallback: number[] = [];
  for (let i = 0; i < 4; i++) {
    fallback.push(h.sleepingFor());
    await h.poll();
  }
  assert.deepEqual(fallback, [2000, 4000, 8000, 10_000], 'the watcher failed: doubling up to agent.pollMax');
  await h.tailer.stop();
});

test('a rotated file is read to its end, then finished and closed after drainIdle', async () => {
  const h = harness('old-1\n');
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  appendFileSync(h.path, 'old-2\n');
  renameSync(h.path, `${h.path}.1`);
  writeFileSync(h.path, 'new\n');
  h.tailer.poke();
  await h.settle();
  assert.deepEqual(h.messages, ['old-1', 'old-2']);
  assert.equal(h.tailer.state, 'draining');
  assert.deepEqual(h.rotated, [h.path], 'the owner is told to look for the new file at once');
  const start = h.clock.now();
  while (h.tailer.state === 'draining') await h.poll();
  assert.equal(h.tailer.state, 'finished');
  assert.ok(h.clock.now() - start >= 5000, 'not before drainIdle');
  assert.ok(h.clock.now() - start < 10_000, 'and soon after it');
  assert.equal(h.scheduler.pending, 0, 'a finished tailer waits for nothing');
});

test('a truncated file is read again from 0 under a new identity generation', async () => {
  const h = harness('0123456789\n');
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  appendFileSync(h.path, 'never-read\n'); // written, then destroyed before the next poll
  truncateSync(h.path, 0);
  appendFileSync(h.path, 'x\n');
  await h.poll();
  assert.deepEqual(h.loss, [], 'the tailer never saw the destroyed bytes: it cannot count them');
  assert.deepEqual(h.messages, ['0123456789', 'x']);
  assert.equal(h.tailer.readPos, 2);
  assert.equal(h.tailer.id?.gen, 1, 'the same inode is a new identity: its offsets start over');
  await h.tailer.stop();
});

test('stop ends the wait at once and closes the file', async () => {
  const h = harness('a\n');
  await h.tailer.open();
  h.tailer.start();
  await h.settle();
  assert.equal(h.scheduler.pending, 1);
  await h.tailer.stop();
  assert.equal(h.scheduler.pending, 0);
  await h.tailer.stop(); // safe twice
});
