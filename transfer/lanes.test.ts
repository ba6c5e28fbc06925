import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lanes } from './lanes.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

test('a partition hands its next batch only after the previous one is done; others run alongside', async () => {
  const lanes = new Lanes();
  const order: string[] = [];
  const first = deferred();
  await lanes.hand('p0', async () => {
    await first.promise;
    order.push('p0-1');
  });
  // Another partition is not held up by p0.
  await lanes.hand('p1', async () => void order.push('p1-1'));
  let handed = false;
  const second = lanes.hand('p0', async () => void order.push('p0-2')).then(() => (handed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(handed, false, 'the look-ahead is one batch');
  first.resolve();
  await second;
  await lanes.drain();
  assert.deepEqual(order, ['p1-1', 'p0-1', 'p0-2']);
});

test('work handed before a rebalance sees itself superseded', async () => {
  const lanes = new Lanes();
  let probe!: () => boolean;
  await lanes.hand('p0', async (superseded) => void (probe = superseded));
  assert.equal(probe(), false);
  lanes.rebalanced();
  assert.equal(probe(), true);
});
