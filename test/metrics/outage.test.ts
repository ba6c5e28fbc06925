// InfluxDB stopped for 60 s, and lcs metrics restarted during the outage: afterwards every
// point either process sampled has arrived, in order, none twice. A recording proxy in front
// of the real InfluxDB shows the order and the count of what was acknowledged.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { start, stop } from '../../deploy/local/services.ts';
import { waitFor } from '../support/wait.ts';
import {
  RecordingProxy,
  createDatabase,
  influxQuery,
  influxUrl,
  rows,
  startMetrics,
  stoppedLine,
  tmpDir,
  uniqueName,
} from './harness.ts';

const proxy = new RecordingProxy(influxUrl());
after(async () => {
  await start('influxdb').catch(() => {});
  await proxy.stop();
});

test(
  'a 60 s outage with a restart in it: every point arrives afterwards, in order, none twice',
  { timeout: 240_000 },
  async () => {
    const db = uniqueName('lcs_outage');
    const node = uniqueName('outage');
    await createDatabase(influxUrl(), db);
    const proxyUrl = await proxy.start();
    const stateDir = tmpDir('lcs-metrics-state-');
    const logDir = tmpDir('lcs-metrics-log-');
    const args = [
      '--metrics-interval',
      '1s',
      '--metrics-influx-database',
      db,
      '--metrics-influx-url',
      proxyUrl,
      '--metrics-inputs',
      'mem,system',
    ];
    const memLines = () => proxy.accepted.filter((l) => l.startsWith('mem,'));

    const first = startMetrics({ node, stateDir, logDir, args });
    await waitFor('points before the outage', () => memLines().length >= 3, { timeoutMs: 20_000 });
    const outageStart = Date.now();
    await stop('influxdb');
    await new Promise((r) => setTimeout(r, 15_000)); // part of the scenario: 15 s of outage before the restart
    assert.equal(await first.stop(), 0);
    const firstRun = stoppedLine(first.logs());
    assert.ok(firstRun.buffered.lines > 0, 'the first process left points on disk');

    const second = startMetrics({ node, stateDir, logDir, args });
    await second.httpUrl(); // it starts although InfluxDB is down
    // The rest of the 60 s outage, measured from its start.
    await new Promise((r) => setTimeout(r, Math.max(0, 60_000 - (Date.now() - outageStart))));
    await start('influxdb');
    const base = await second.httpUrl();
    await waitFor(
      'the backlog drained',
      async () => {
        const m = await (await fetch(`${base}/metrics`)).text();
        return /^lcs_lag 0$/m.test(m) && /^lcs_metrics_writer_up 1$/m.test(m);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    assert.equal(await second.stop(), 0);
    const secondRun = stoppedLine(second.logs());
    assert.equal(secondRun.buffered.lines, 0);

    const times = memLines().map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    // One mem point per sample of either process, none twice…
    assert.equal(times.length, firstRun.samples + secondRun.samples);
    const twice = times.filter((t, i) => times.indexOf(t) !== i);
    assert.deepEqual(
      twice,
      [],
      `points acknowledged twice: ${twice.join(', ')}; outage ${Math.floor(outageStart / 1000)}+60; ` +
        `second run's log:\n${second.logs().slice(-3000)}`,
    );
    // …in the order they were sampled.
    for (let i = 1; i < times.length; i++)
      assert.ok(times[i]! > times[i - 1]!, `order at ${i}: ${times[i - 1]} then ${times[i]}`);
    // The outage window is covered: points sampled while InfluxDB was down are in the database.
    const stored = rows(await influxQuery(influxUrl(), db, 'SELECT used FROM mem')).map(
      (r) => r.time as number,
    );
    assert.deepEqual(stored, times);
    const during = times.filter((t) => t * 1000 >= outageStart && t * 1000 < outageStart + 60_000);
    assert.ok(during.length >= 50, `${during.length} points of the 60 s outage arrived`);
    const dropped = proxy.accepted.length;
    assert.ok(dropped > 0);
  },
);
