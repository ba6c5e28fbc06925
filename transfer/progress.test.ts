import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from './progress.ts';

test('documents per second over a sliding window', () => {
  const p = new Progress(10000);
  assert.equal(p.rate(0), 0);
  p.indexed = 5000;
  assert.equal(p.rate(5000), 1000);
  p.indexed = 20000;
  assert.equal(p.rate(10000), 2000);
  p.indexed = 20000;
  // Samples older than the window drop out: nothing indexed in the last 10 s reads 0.
  p.rate(20000);
  assert.equal(p.rate(30000), 0);
});

test('outage bookkeeping: down since the first failure, cleared when it answers', () => {
  const p = new Progress();
  p.availability(false, 1000, 'ECONNREFUSED');
  p.availability(false, 2000, 'ECONNREFUSED');
  const s = p.snapshot(3000).elasticsearch;
  assert.deepEqual(s, { up: false, downSince: new Date(1000).toISOString(), lastError: 'ECONNREFUSED' });
  p.availability(true, 4000);
  assert.deepEqual(p.snapshot(5000).elasticsearch, { up: true });
});

test('partitions no longer assigned are forgotten', () => {
  const p = new Progress();
  p.partition('a', 0).committed = '10';
  p.partition('a', 1).lag = 3;
  p.partition('b', 0).lag = 1;
  const dropped = p.keepOnly(new Map([['a', [1]]]));
  assert.deepEqual(dropped.sort(), [
    ['a', 0],
    ['b', 0],
  ]);
  assert.deepEqual(p.snapshot(0).partitions, { a: { 1: { lag: 3 } } });
});

test('bulk latency: last and mean', () => {
  const p = new Progress();
  p.bulk(10);
  p.bulk(30);
  assert.deepEqual(p.snapshot(0).bulk, { requests: 2, lastMs: 30, avgMs: 20 });
});
