import assert from 'node:assert/strict';
import test from 'node:test';
import { sleep } from './clock.ts';
import { FakeClock } from './fake-clock.ts';

test('sleep resolves when the clock reaches the deadline, not before', async () => {
  const clock = new FakeClock(1000);
  let woke = false;
  void sleep(clock, 500).then(() => (woke = true));
  await clock.advance(499);
  assert.equal(woke, false);
  await clock.advance(1);
  assert.equal(woke, true);
  assert.equal(clock.now(), 1500);
  assert.equal(clock.pending, 0);
});

test('an abort wakes a sleep at once and clears its timer', async () => {
  const clock = new FakeClock();
  const ac = new AbortController();
  const p = sleep(clock, 10_000, ac.signal);
  assert.equal(clock.pending, 1);
  ac.abort();
  await p;
  assert.equal(clock.pending, 0);
  await sleep(clock, 10_000, ac.signal); // already aborted: resolves at once
});

test('FakeClock fires timers in time order, including ones scheduled while advancing', async () => {
  const clock = new FakeClock();
  const seen: string[] = [];
  clock.setTimeout(() => seen.push('b@20'), 20);
  clock.setTimeout(() => {
    seen.push('a@10');
    clock.setTimeout(() => seen.push('c@15'), 5);
  }, 10);
  const dropped = clock.setTimeout(() => seen.push('never'), 12);
  clock.clearTimeout(dropped);
  await clock.advance(30);
  assert.deepEqual(seen, ['a@10', 'c@15', 'b@20']);
});
