import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../common/time/fake-clock.ts';
import { silentLogger } from '../../common/observe/logger.ts';
import { Spool } from './spool.ts';
import { Shipper } from './shipper.ts';
import { WriteError, isRetriableStatus, type LineWriter } from './errors.ts';

/** A server that is up or down on command and records every line it accepted. */
class FakeServer implements LineWriter {
  readonly description = 'fake';
  accepted: string[] = [];
  down = false;
  refuse = false;
  attempts = 0;
  async write(lines: string[]) {
    this.attempts++;
    if (this.down) throw new WriteError('connection refused', { retriable: true });
    if (this.refuse) throw new WriteError('HTTP 400 field type conflict', { status: 400, retriable: false });
    this.accepted.push(...lines);
  }
  async ping() {}
  async close() {}
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lcs-spool-'));

async function setup(dir: string, server: FakeServer, clock: FakeClock, maxBytes = 1 << 20) {
  const dropped = { lines: 0 };
  const spool = new Spool({ dir, maxBytes, onDrop: (n) => (dropped.lines += n) });
  await spool.open();
  const rejected = { lines: 0 };
  const shipper = new Shipper({
    writer: server,
    spool,
    clock,
    logger: silentLogger,
    maxBatchLines: 3,
    onRejected: (n) => (rejected.lines += n),
  });
  shipper.start();
  return { spool, shipper, dropped, rejected };
}

/** Advances the fake clock a second at a time until `cond` holds (at most 5,000 steps). */
async function until(clock: FakeClock, what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (cond()) return;
    await clock.advance(1000);
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never came to pass: ${what}`);
}

const batch = (i: number) => [`m v=${i}i ${i}`, `m w=${i}i ${i}`];

test('a working server gets every batch in order, nothing touches the disk', async () => {
  const dir = tmp();
  const server = new FakeServer();
  const clock = new FakeClock();
  const { shipper, spool } = await setup(dir, server, clock);
  for (let i = 1; i <= 5; i++) await shipper.enqueue(batch(i));
  await until(clock, 'all accepted', () => server.accepted.length === 10);
  assert.deepEqual(server.accepted, [1, 2, 3, 4, 5].flatMap(batch));
  assert.equal(spool.size.batches, 0);
  await shipper.shutdown();
  await shipper.shutdown();
});

test('an outage: batches wait on disk, then arrive in order, none twice', async () => {
  const dir = tmp();
  const server = new FakeServer();
  const clock = new FakeClock();
  const { shipper, spool } = await setup(dir, server, clock);
  await shipper.enqueue(batch(1));
  await until(clock, 'first accepted', () => server.accepted.length === 2);
  server.down = true;
  for (let i = 2; i <= 8; i++) {
    await shipper.enqueue(batch(i));
    await clock.advance(10_000);
  }
  await until(clock, 'backlog on disk', () => spool.size.batches === 7);
  assert.ok(fs.readdirSync(dir).length === 7);
  server.down = false;
  // Accepted, then removed: the spool deletes its files after the server's acknowledgement.
  await until(
    clock,
    'backlog drained and its files removed',
    () => server.accepted.length === 16 && fs.readdirSync(dir).length === 0,
  );
  assert.deepEqual(server.accepted, [1, 2, 3, 4, 5, 6, 7, 8].flatMap(batch));
  assert.equal(spool.size.batches, 0);
  assert.deepEqual(fs.readdirSync(dir), []);
  await shipper.shutdown();
});

test('a restart during an outage: the next process sends what the last one buffered, in order', async () => {
  const dir = tmp();
  const server = new FakeServer();
  server.down = true;
  const clock = new FakeClock();
  const first = await setup(dir, server, clock);
  for (let i = 1; i <= 4; i++) await first.shipper.enqueue(batch(i));
  await first.shipper.shutdown(); // whatever was still in memory is spooled
  const second = await setup(dir, server, clock);
  assert.equal(second.spool.size.lines, 8);
  await second.shipper.enqueue(batch(5));
  server.down = false;
  await until(clock, 'all accepted', () => server.accepted.length === 10);
  assert.deepEqual(server.accepted, [1, 2, 3, 4, 5].flatMap(batch));
  await second.shipper.shutdown();
});

test('the bound drops the oldest batches and counts every dropped line', async () => {
  const dir = tmp();
  const server = new FakeServer();
  server.down = true;
  const clock = new FakeClock();
  const lineBytes = Buffer.byteLength(batch(1).join('\n') + '\n');
  const { shipper, spool, dropped } = await setup(dir, server, clock, lineBytes * 3);
  for (let i = 1; i <= 6; i++) await shipper.enqueue(batch(i));
  await until(clock, 'spooled', () => spool.size.batches + dropped.lines / 2 === 6);
  assert.equal(spool.size.batches, 3);
  assert.equal(dropped.lines, 6);
  server.down = false;
  await until(clock, 'drained', () => spool.size.batches === 0);
  assert.deepEqual(server.accepted, [4, 5, 6].flatMap(batch));
  await shipper.shutdown();
});

test('a batch the server refuses for good is dropped and counted, the next ones still go', async () => {
  const dir = tmp();
  const server = new FakeServer();
  server.refuse = true;
  const clock = new FakeClock();
  const { shipper, rejected } = await setup(dir, server, clock);
  await shipper.enqueue(batch(1));
  await until(clock, 'refused', () => rejected.lines === 2);
  server.refuse = false;
  await shipper.enqueue(batch(2));
  await until(clock, 'accepted', () => server.accepted.length === 2);
  assert.deepEqual(server.accepted, batch(2));
  await shipper.shutdown();
});

test('spool: a half-written temporary file from a crash is removed on open', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, '0000000000000001-2.lp.tmp'), 'partial');
  fs.writeFileSync(path.join(dir, '0000000000000002-1.lp'), 'm v=1i 1\n');
  const spool = new Spool({ dir, maxBytes: 1000, onDrop: () => {} });
  await spool.open();
  assert.deepEqual(fs.readdirSync(dir), ['0000000000000002-1.lp']);
  assert.deepEqual((await spool.oldest(10))!.lines, ['m v=1i 1']);
  await spool.append(['m v=2i 2']);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['0000000000000002-1.lp', '0000000000000003-1.lp']);
});

test('retry decision: server trouble and configuration wait, bad data is refused', () => {
  for (const s of [500, 503, 429, 408, 404, 401, 403]) assert.equal(isRetriableStatus(s), true, String(s));
  for (const s of [400, 413, 422]) assert.equal(isRetriableStatus(s), false, String(s));
});
