import assert from 'node:assert/strict';
import test from 'node:test';
import { Backoff, backoffDelay } from './backoff.ts';

test('the ceiling doubles per attempt and stops at maxMs', () => {
  const top = () => 0.999999;
  const opts = { baseMs: 100, maxMs: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, opts, top)),
    [99, 199, 399, 799, 999, 999],
  );
});

test('full jitter: the delay is random below the ceiling, never under minMs', () => {
  assert.equal(
    backoffDelay(3, { baseMs: 100, maxMs: 1000 }, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(3, { baseMs: 100, maxMs: 1000, minMs: 50 }, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(3, { baseMs: 100, maxMs: 1000 }, () => 0.5),
    400,
  );
});

test('without jitter the delay is the ceiling: a plain doubling from baseMs to maxMs', () => {
  const b = new Backoff({ baseMs: 250, maxMs: 10_000, jitter: 'none', random: () => 0 });
  assert.deepEqual(
    Array.from({ length: 8 }, () => b.next()),
    [250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

test('Backoff counts attempts and reset starts over', () => {
  const b = new Backoff({ baseMs: 10, maxMs: 80, random: () => 0.999999 });
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [9, 19, 39, 79, 79]);
  assert.equal(b.attempts, 5);
  b.reset();
  assert.equal(b.next(), 9);
});

test('a nonsensical policy is refused with the numbers', () => {
  assert.throws(() => new Backoff({ baseMs: 0, maxMs: 10 }), /0 < baseMs <= maxMs \(got 0, 10\)/);
  assert.throws(() => new Backoff({ baseMs: 20, maxMs: 10 }), /got 20, 10/);
});
