// The sampling event-loop delay gauge: it sees a stall while a sample runs (also one right at
// its start), reads zeros (not NaN or 9.2e18) before the first sample, and takes no readings
// between samples (its timer is off then, which keeps its cost out of an idle process, and the
// pause between samples is not counted as delay).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from '../common/observe/metrics.ts';
import { SampleLoopDelay } from './self-metrics.ts';

function stats(r: Registry, name = 'lcs_metrics_sample_event_loop_delay_seconds'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of r.render().split('\n')) {
    const m = /^(\w+)\{stat="(\w+)"\} (\S+)$/.exec(line);
    if (m && m[1] === name) out[m[2]!] = Number(m[3]);
  }
  return out;
}
const cpuStats = (r: Registry) => stats(r, 'lcs_metrics_sample_turn_cpu_seconds');

/** Holds the event loop for `ms` of wall time: the stall a slow sample would cause. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('before any sample every stat is 0 and rendered as a number', () => {
  const r = new Registry();
  new SampleLoopDelay(r);
  assert.deepEqual(stats(r), { p50: 0, p99: 0, max: 0, mean: 0, count: 0 });
  assert.deepEqual(cpuStats(r), { p50: 0, p99: 0, max: 0, mean: 0, count: 0 });
});

test('a stall inside a sample shows as its delay; none is read between samples', async () => {
  const r = new Registry();
  const d = new SampleLoopDelay(r, 1);
  d.begin();
  await sleep(20); // a few ordinary ticks
  block(60);
  await sleep(20); // the tick that was due during the stall fires late, and is recorded
  d.end();
  const during = stats(r);
  assert.ok(during.count! > 0, `readings while sampling: ${during.count}`);
  // The monitor ticks every 1 ms, so the stall of 60 ms is seen as at least 50 ms of delay.
  assert.ok(during.max! >= 0.05, `max delay ${during.max} s after a 60 ms stall`);
  assert.ok(during.p50! <= during.p99! && during.p99! <= during.max!, JSON.stringify(during));
  // The stall is busy CPU on this thread, so its CPU shows too (a loaded machine may preempt
  // the loop for part of the 60 ms: a third of it is enough to tell CPU from no CPU).
  const cpu = cpuStats(r);
  assert.equal(cpu.count, during.count);
  assert.ok(cpu.max! >= 0.02 && cpu.max! <= during.max! + 0.005, JSON.stringify({ cpu, during }));

  block(60);
  await sleep(30);
  assert.equal(stats(r).count, during.count, 'no readings between samples');

  d.begin();
  await sleep(20);
  d.end();
  assert.ok(stats(r).count! > during.count!, 'the next sample adds its readings');
});

test('a wait that holds no CPU (the loop parked in a synchronous sleep) is delay, not turn CPU', async () => {
  const r = new Registry();
  const d = new SampleLoopDelay(r, 1);
  d.begin();
  // Blocks the thread without running: as when the OS gives the core to another process.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);
  await sleep(5);
  d.end();
  assert.ok(stats(r).max! >= 0.08, `delay ${stats(r).max} s`);
  assert.ok(cpuStats(r).max! < 0.04, `turn CPU ${cpuStats(r).max} s while parked`);
});

test('the pause between two samples is not read as delay; a stall at the very start of a sample is', async () => {
  const r = new Registry();
  const d = new SampleLoopDelay(r, 1);
  d.begin();
  await sleep(10);
  d.end();
  await sleep(400); // the interval between two samples, shortened
  d.begin();
  await sleep(10);
  d.end();
  // monitorEventLoopDelay re-enabled here reads the whole 400 ms pause as one delay.
  assert.ok(stats(r).max! < 0.2, `max ${stats(r).max} s: the pause between samples counted`);

  d.begin();
  block(250); // before the first tick: a fresh monitorEventLoopDelay would not record it
  d.end();
  assert.ok(stats(r).max! >= 0.25, `max ${stats(r).max} s after a 250 ms stall at the start`);
});
