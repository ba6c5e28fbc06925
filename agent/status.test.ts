import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateTracker } from './status.ts';

test('events per second over the last 10 s, and names forgotten after a quiet minute', () => {
  const r = new RateTracker();
  const t0 = 1_000_000_000;
  for (let i = 0; i < 10; i++) r.add('a', 50, t0 + i * 1000);
  assert.equal(r.rate('a', t0 + 9000), 50);
  assert.equal(r.rate('a', t0 + 14000), 25, 'half the window is empty');
  assert.equal(r.rate('b', t0), 0);
  r.add('b', 1, t0);
  r.prune(t0 + 30_000);
  assert.equal(r.size, 2);
  r.prune(t0 + 75_000);
  assert.equal(r.size, 0, 'both quiet for over a minute');
});
