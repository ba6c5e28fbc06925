import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../common/time/fake-clock.ts';
import { StopSignals } from './signals.ts';

test('the first signal starts the shutdown', () => {
  assert.equal(new StopSignals(new FakeClock()).decide('SIGTERM'), 'shut-down');
  assert.equal(new StopSignals(new FakeClock()).decide('SIGINT'), 'shut-down');
});

test("Ctrl-C's SIGINT and the parent's SIGTERM right after it are one request", async () => {
  const clock = new FakeClock();
  const s = new StopSignals(clock);
  assert.equal(s.decide('SIGINT'), 'shut-down');
  await clock.advance(5);
  assert.equal(s.decide('SIGTERM'), 'already-stopping');
  assert.equal(s.decide('SIGINT'), 'already-stopping'); // forwarded by npm
});

test('a supervisor repeating SIGTERM never cuts the shutdown short', async () => {
  const clock = new FakeClock();
  const s = new StopSignals(clock);
  s.decide('SIGTERM');
  await clock.advance(60_000);
  assert.equal(s.decide('SIGTERM'), 'already-stopping');
});

test('Ctrl-C again a second later exits at once', async () => {
  const clock = new FakeClock();
  const s = new StopSignals(clock, 1000);
  s.decide('SIGINT');
  await clock.advance(999);
  assert.equal(s.decide('SIGINT'), 'already-stopping');
  await clock.advance(1);
  assert.equal(s.decide('SIGINT'), 'exit-now');
});
