import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../common/observe/logger.ts';
import type { BulkDoc } from './bulk.ts';
import { AbortedError, Indexer, type BulkTransport, type DeadLetter } from './indexer.ts';

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
function fakeEs(reply: Reply) {
  const calls: string[][] = [];
  const es: BulkTransport = {
    transport: {
      async request(params) {
        const ids = params.bulkBody
          .split('\n')
          .filter((l) => l.startsWith('{"create"'))
          .map((l) => (JSON.parse(l) as { create: { _id: string } }).create._id);
        calls.push(ids);
        const r = reply(ids);
        if (r instanceof Error) throw r;
        return r;
      },
    },
  };
  return { es, calls };
}

const httpError = (statusCode: number) =>
  Object.assign(new Error(`status ${statusCode}`), { meta: { statusCode } });
const items = (ids: string[], status: (id: string) => number) => ({
  errors: true,
  items: ids.map((id) => ({
    create: { status: status(id), ...(status(id) >= 300 ? { error: { type: 'x', reason: id } } : {}) },
  })),
});

function harness(reply: Reply) {
  const { es, calls } = fakeEs(reply);
  const dead: DeadLetter[] = [];
  const counts = { indexed: 0, retried: 0, bulks: 0, down: 0 };
  const indexer = new Indexer({
    es,
    logger: quiet,
    random: () => 0,
    sleep: async () => {},
    deadLetter: async (r) => void dead.push(...r),
    onIndexed: (n) => (counts.indexed += n),
    onRetry: (n) => (counts.retried += n),
    onBulk: () => counts.bulks++,
    onAvailability: (up) => void (up ? 0 : counts.down++),
  });
  const ctl = { heartbeat: async () => {}, aborted: () => false };
  return { indexer, calls, dead, counts, ctl };
}

test('only the items that failed with 429/5xx are sent again', async () => {
  let call = 0;
  const h = harness((ids) => {
    const first = call++ === 0;
    return items(ids, (id) => (first && (id === 'b' || id === 'd') ? 429 : 201));
  });
  await h.indexer.index(['a', 'b', 'c', 'd'].map(doc), h.ctl);
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
  await h.indexer.index(['a', 'b', 'big', 'c', 'd'].map(doc), h.ctl);
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
  await h.indexer.index(['a', 'bad', 'dup'].map(doc), h.ctl);
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
  await h.indexer.index(['a', 'b'].map(doc), h.ctl);
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
  await assert.rejects(
    h.indexer.index(['a'].map(doc), { heartbeat: async () => {}, aborted: () => aborted }),
    AbortedError,
  );
  assert.equal(h.counts.indexed, 0);
});
