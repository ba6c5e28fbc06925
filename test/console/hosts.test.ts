// The Nodes view's host metrics: `lcs metrics` (a real process) samples this host into the
// real InfluxDB every second; the console reads the newest CPU, memory, load and disk usage
// of that host back from the same database, as InfluxDB holds them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LcsProcess } from '../support/lcs-process.ts';
import { waitFor } from '../support/wait.ts';
import {
  createDatabase,
  influxQuery,
  influxUrl,
  rows,
  startMetrics,
  tmpDir,
  uniqueName,
} from '../metrics/harness.ts';
import { ApiClient, enc, startConsole, type RunningConsole } from './harness.ts';

const db = uniqueName('console_hosts');
const node = `console-host-${Date.now().toString(36)}`;
let metrics: LcsProcess;
let c: RunningConsole;

before(async () => {
  await createDatabase(influxUrl(), db);
  metrics = startMetrics({
    node,
    stateDir: tmpDir('lcs-console-metrics-state-'),
    logDir: tmpDir('lcs-console-metrics-log-'),
    args: ['--metrics-interval', '1s', '--metrics-influx-database', db],
  });
  c = await startConsole({ LCS_INFLUXDB_URL: influxUrl(), LCS_INFLUXDB_DATABASE: db });
});

after(async () => {
  await metrics?.stop();
  await c?.stop();
});

test("a node's CPU, memory, load and disks come from what the metrics service wrote", async () => {
  const api = new ApiClient(c.url);
  const h = await waitFor(
    'host metrics with CPU, memory and the / disk',
    async () => {
      const r = await api.call<{
        cpuUsedPercent?: number;
        memUsedPercent?: number;
        load1?: number;
        nCpus?: number;
        disks: { path: string; usedPercent: number }[];
        time?: string;
      }>('GET', `/api/hosts/${enc(node)}`);
      const b = r.body;
      return r.status === 200 &&
        b.cpuUsedPercent !== undefined &&
        b.memUsedPercent !== undefined &&
        b.disks.some((d) => d.path === '/')
        ? b
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.ok(h.cpuUsedPercent! >= 0 && h.cpuUsedPercent! <= 100, `CPU ${h.cpuUsedPercent}`);
  assert.ok(h.memUsedPercent! > 0 && h.memUsedPercent! < 100, `memory ${h.memUsedPercent}`);
  assert.ok(h.nCpus! >= 1 && h.load1! >= 0);
  assert.ok(Date.now() - Date.parse(h.time!) < 60_000, `recent (${h.time})`);
  // The same value InfluxDB holds (the newest memory point at the time the console read).
  const mem = rows(
    await influxQuery(
      influxUrl(),
      db,
      `SELECT used_percent FROM mem WHERE host = '${node}' ORDER BY time DESC LIMIT 5`,
    ),
  );
  assert.ok(
    mem.some((r) => Math.abs(Number(r.used_percent) - h.memUsedPercent!) < 0.1),
    `${h.memUsedPercent} is one of the newest points ${mem.map((r) => r.used_percent).join(', ')}`,
  );
  const unknown = await api.call<{ disks: unknown[]; cpuUsedPercent?: number }>(
    'GET',
    `/api/hosts/${enc('no-such-host')}`,
  );
  assert.deepEqual([unknown.status, unknown.body.disks, unknown.body.cpuUsedPercent], [200, [], undefined]);
});

test('no InfluxDB configured: the host metrics answer 503 with the setting to set', async () => {
  const bare = await startConsole();
  try {
    const r = await new ApiClient(bare.url).call('GET', `/api/hosts/${enc(node)}`);
    assert.equal(r.status, 503);
    assert.match(String(r.body.error), /console\.influxdb\.url/);
  } finally {
    await bare.stop();
  }
});
