import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../common/observe/logger.ts';
import { backoffDelay } from '../common/time/backoff.ts';
import { FakeClock } from '../common/time/fake-clock.ts';
import type { BulkDoc } from './bulk.ts';
import { AbortedError, Indexer, RETRY, type BulkTransport, type DeadLetter } from './indexer.ts';

const quiet: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => quiet,
} as unknown as Logger;

const doc = (id: string): BulkDoc => ({
  index: 'i-2026.01.01',
  id,
  source: { message: id },
  topic: 't',
  partition: 0,
  offset: id,
  raw: Buffer.from(id),
});

type Reply = (ids: string[]) => unknown;

/** A fake Elasticsearch: each call gets the ids in the body and answers from `reply`. */
function fakeEs(reply: Reply, clock?: FakeClock) {
  const calls: string[][] = [];
  const at: number[] = [];
  const es: BulkTransport = {
    transport: {
      async request(params) {
        const ids = params.bulkBody
          .split('\n')
          .filter((l) => l.startsWith('{"create"'))
          .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
        calls.push(ids);
        at.push(clock?.now() ?? 0);
        const r = reply(ids);
        if (r instanceof Error) throw r;
        return r;
      },
    },
  };
  return { es, calls, at };
}

const httpError = (statusCode: number) =>
  Object.assign(new Error(`status ${statusCode}`), { meta: { statusCode } });
const items = (ids: string[], status: (id: string) => number) => ({
  errors: true,
  items: ids.map((id) => ({
    create: { status: status(id), ...(status(id) >= 300 ? { error: { type: 'x', reason: id } } : {}) },
  })),
});

function harness(reply: Reply, random = () => 0) {
  const clock = new FakeClock(1_000_000);
  const { es, calls, at } = fakeEs(reply, clock);
  const dead: DeadLetter[] = [];
  const counts = { indexed: 0, retried: 0, bulks: 0, down: 0, heartbeats: 0 };
  const indexer = new Indexer({
    es,
    logger: quiet,
    random,
    clock,
    deadLetter: async (r) => void dead.push(...r),
    onIndexed: (n) => (counts.indexed += n),
    onRetry: (n) => (counts.retried += n),
    onBulk: () => counts.bulks++,
    onAvailability: (up) => void (up ? 0 : counts.down++),
  });
  const ctl = { heartbeat: async () => void counts.heartbeats++, aborted: () => false };
  const index = (ids: string[], c = ctl) => clock.run(indexer.index(ids.map(doc), c));
  return { indexer, calls, at, dead, counts, ctl, clock, index };
}

test('only the items that failed with 429/5xx are sent again', async () => {
  let call = 0;
  const h = harness((ids) => {
    const first = call++ === 0;
    return items(ids, (id) => (first && (id === 'b' || id === 'd') ? 429 : 201));
  });
  await h.index(['a', 'b', 'c', 'd']);
  assert.deepEqual(h.calls, [
    ['a', 'b', 'c', 'd'],
    ['b', 'd'],
  ]);
  assert.equal(h.counts.indexed, 4);
  assert.equal(h.counts.retried, 2);
  assert.equal(h.dead.length, 0);
});

test('a 413 halves the request until the oversized document is alone; only it is dead-lettered', async () => {
  const h = harness((ids) => (ids.includes('big') ? httpError(413) : items(ids, () => 201)));
  await h.index(['a', 'b', 'big', 'c', 'd']);
  assert.deepEqual(h.calls[0], ['a', 'b', 'big', 'c', 'd']);
  assert.deepEqual(
    h.dead.map((d) => d.key),
    ['big'],
  );
  assert.equal(h.dead[0]!.topic, 't.dlq');
  const letter = JSON.parse(h.dead[0]!.value) as {
    reason: string;
    original: string;
    source: { offset: string };
  };
  assert.match(letter.reason, /^413: /);
  assert.equal(letter.original, 'big');
  assert.equal(h.counts.indexed, 4, 'every other document indexed');
  assert.equal(h.counts.retried, 0, 'a 413 is not an outage');
});

test('a mapping conflict is dead-lettered with the reason and the rest are done', async () => {
  const h = harness((ids) => items(ids, (id) => (id === 'bad' ? 400 : id === 'dup' ? 409 : 201)));
  await h.index(['a', 'bad', 'dup']);
  assert.equal(h.calls.length, 1);
  assert.deepEqual(
    h.dead.map((d) => d.key),
    ['bad'],
  );
  assert.equal(h.counts.indexed, 2, '409 counts as done');
});

test('while Elasticsearch is unreachable the same request is retried until it answers', async () => {
  let failures = 3;
  const h = harness((ids) => (failures-- > 0 ? new Error('connect ECONNREFUSED') : items(ids, () => 201)));
  await h.index(['a', 'b']);
  assert.equal(h.calls.length, 4);
  assert.equal(h.counts.down, 3);
  assert.equal(h.counts.retried, 6);
  assert.equal(h.counts.indexed, 2);
});

test('a rebalance during an outage abandons the chunk without acknowledging it', async () => {
  let aborted = false;
  const h = harness(() => {
    aborted = true;
    return new Error('connect ECONNREFUSED');
  });
  await assert.rejects(h.index(['a'], { heartbeat: async () => {}, aborted: () => aborted }), AbortedError);
  assert.equal(h.counts.indexed, 0);
});

test('the retry policy: 50 ms at first, doubling ceilings, never over 10 s', () => {
  assert.equal(
    backoffDelay(0, RETRY, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(3, RETRY, () => 0.999999),
    Math.floor(0.999999 * 1600),
  );
  assert.ok(backoffDelay(20, RETRY, () => 0.999999) <= 10_000);
});

test('an outage is waited out on the clock with growing delays, heartbeating at least every second', async () => {
  let failures = 4;
  const h = harness(
    (ids) => (failures-- > 0 ? new Error('connect ECONNREFUSED') : items(ids, () => 201)),
    () => 0.999999,
  );
  const t0 = h.clock.now();
  await h.index(['a']);
  const gaps = h.at.slice(1).map((t, i) => t - h.at[i]!);
  assert.deepEqual(gaps, [199, 399, 799, 1599], 'each wait is the jittered ceiling for its attempt');
  assert.equal(h.at[0], t0, 'the first request goes at once');
  assert.ok(h.counts.heartbeats >= 5, `a heartbeat per second of waiting (got ${h.counts.heartbeats})`);
  assert.equal(h.counts.indexed, 1);
});
