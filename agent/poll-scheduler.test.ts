import assert from 'node:assert/strict';
import test from 'node:test';
import { FakeClock } from '../common/time/fake-clock.ts';
import { PollScheduler } from './poll-scheduler.ts';

test('a thousand waits share one timer, and each fires at its deadline rounded up to the slot', async () => {
  const clock = new FakeClock(0);
  const s = new PollScheduler(clock, 50);
  const fired: number[] = [];
  for (let i = 0; i < 1000; i++) s.after(1000 + (i % 5) * 10, () => fired.push(clock.now()));
  assert.equal(clock.pending, 1, 'one clock timer, not one per wait');
  assert.equal(s.pending, 1000);
  assert.equal(s.slotCount, 2, 'deadlines 1000..1040 fall into the slots ending at 1000 and 1050');
  await clock.advance(999);
  assert.equal(fired.length, 0, 'never early');
  await clock.advance(1);
  assert.equal(fired.length, 200, 'the waits due at exactly 1000');
  await clock.advance(50);
  assert.equal(fired.length, 1000);
  assert.ok(fired.every((t) => t === 1000 || t === 1050));
  assert.equal(clock.pending, 0, 'nothing armed when nothing waits');
});

test('an earlier wait re-arms the one timer; a cancelled one never fires', async () => {
  const clock = new FakeClock(0);
  const s = new PollScheduler(clock, 10);
  const seen: string[] = [];
  s.after(5000, () => seen.push('late'));
  const cancel = s.after(100, () => seen.push('cancelled'));
  s.after(200, () => seen.push('early'));
  assert.equal(clock.pending, 1);
  cancel();
  await clock.advance(200);
  assert.deepEqual(seen, ['early']);
  assert.equal(clock.nextAt, 5000, 're-armed for the next slot after firing');
  await clock.advance(4800);
  assert.deepEqual(seen, ['early', 'late']);
});

test('sleep ends at its deadline or at once when woken, and a wake after the deadline is harmless', async () => {
  const clock = new FakeClock(0);
  const s = new PollScheduler(clock, 50);
  const a = s.sleep(10_000);
  let woke = false;
  void a.done.then(() => (woke = true));
  a.wake();
  await clock.advance(0);
  assert.equal(woke, true);
  assert.equal(s.pending, 0, 'waking cancels the wait');
  assert.equal(clock.pending, 0, 'and with no wait left, no timer is armed either');
  const b = s.sleep(100);
  await clock.advance(100);
  await b.done;
  b.wake();
  assert.equal(s.pending, 0);
});

test('a wait scheduled from a firing wait lands in a later turn, not in the same sweep', async () => {
  const clock = new FakeClock(0);
  const s = new PollScheduler(clock, 50);
  const at: number[] = [];
  const again = () => {
    at.push(clock.now());
    if (at.length < 3) s.after(250, again);
  };
  s.after(250, again);
  await clock.advance(1000);
  assert.deepEqual(at, [250, 500, 750]);
});

test('a resolution that is not positive is refused', () => {
  assert.throws(() => new PollScheduler(new FakeClock(), 0), /resolutionMs must be > 0 \(got 0\)/);
});
