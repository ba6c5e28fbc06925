// lcs metrics against the real InfluxDB 1.x (Debian): after a few intervals every Telegraf
// measurement is queryable with plausible values, the status record is in etcd and /metrics
// carries the shared names.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import { testEtcd } from '../support/etcd.ts';
import { assertSharedMetrics } from '../support/metrics-contract.ts';
import { waitFor } from '../support/wait.ts';
import { metricsStatusKey } from '../../common/keyspace.ts';
import { parseMetricsStatus } from '../../common/status/metrics.ts';
import {
  MEASUREMENTS,
  createDatabase,
  influxQuery,
  influxUrl,
  rows,
  startMetrics,
  tmpDir,
  uniqueName,
} from './harness.ts';
import type { LcsProcess } from '../support/lcs-process.ts';

const db = uniqueName('lcs_metrics');
const node = uniqueName('node');
const url = influxUrl();
const etcd = testEtcd();
let proc: LcsProcess;
const q = (s: string) => influxQuery(url, db, s);
const last = async (s: string) => rows(await q(s)).at(-1);

before(async () => {
  await createDatabase(url, db);
  proc = startMetrics({
    node,
    stateDir: tmpDir('lcs-metrics-state-'),
    logDir: tmpDir('lcs-metrics-log-'),
    args: ['--metrics-interval', '1s', '--metrics-influx-database', db, '--metrics-net-interfaces', '*'],
  });
  await waitFor(
    'every measurement in InfluxDB',
    async () => {
      const names = rows(await q('SHOW MEASUREMENTS')).map((r) => r.name);
      return MEASUREMENTS.every((m) => names.includes(m)) && names;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
});

after(async () => {
  await proc?.stop();
  etcd.close();
});

test('every measurement carries the host tag with the node name', async () => {
  for (const m of MEASUREMENTS) {
    const hosts = rows(await q(`SHOW TAG VALUES FROM "${m}" WITH KEY = "host"`)).map((r) => r.value);
    assert.deepEqual(hosts, [node], m);
  }
});

test('cpu-total percentages are within 0–100 and sum to ~100', async () => {
  const r = (await last(`SELECT * FROM cpu WHERE cpu = 'cpu-total' ORDER BY time DESC LIMIT 1`))!;
  const usage = Object.entries(r).filter(([k]) => k.startsWith('usage_'));
  assert.equal(usage.length, 10);
  for (const [k, v] of usage) assert.ok((v as number) >= 0 && (v as number) <= 100, `${k}=${v}`);
  const sum = usage.reduce((s, [, v]) => s + (v as number), 0);
  assert.ok(Math.abs(sum - 100) < 0.01, `sum ${sum}`);
  const cpus = rows(await q(`SHOW TAG VALUES FROM cpu WITH KEY = "cpu"`)).map((x) => x.value);
  assert.ok(cpus.includes('cpu0') && cpus.includes('cpu-total'), String(cpus));
});

test('mem.used is below mem.total, and used + free + buffered + cached = total', async () => {
  const r = (await last(
    'SELECT total, used, free, buffered, cached, available FROM mem ORDER BY time DESC LIMIT 1',
  ))!;
  const [total, used, free, buffered, cached] = [r.total, r.used, r.free, r.buffered, r.cached] as number[];
  assert.ok(used! > 0 && used! < total!, `used ${used} total ${total}`);
  assert.equal(used! + free! + buffered! + cached!, total);
});

test('net bytes of lo rise when the test moves bytes over loopback', async () => {
  const sel = `SELECT last(bytes_recv) AS b FROM net WHERE interface = 'lo'`;
  const before = (await last(sel))!.b as number;
  const size = 8 * 1024 * 1024;
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer((s) => s.resume().on('end', () => (server.close(), resolve())));
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () =>
        c.end(Buffer.alloc(size)),
      );
      c.on('error', reject);
    });
  });
  const after = await waitFor(
    'a net point counting the bytes',
    async () => {
      const b = (await last(sel))!.b as number;
      return b >= before + size && b;
    },
    { timeoutMs: 10_000, intervalMs: 300 },
  );
  assert.ok(after - before >= size);
  const all = rows(await q(`SELECT * FROM net WHERE interface = 'all' ORDER BY time DESC LIMIT 1`))[0]!;
  assert.ok((all.tcp_activeopens as number) > 0, 'protocol counters under interface=all');
});

test("the / mount's used_percent matches statfs within a point", async () => {
  const r = (await last(`SELECT used_percent, total FROM disk WHERE path = '/' ORDER BY time DESC LIMIT 1`))!;
  const st = fs.statfsSync('/');
  const used = (st.blocks - st.bfree) * st.bsize;
  const free = st.bavail * st.bsize;
  assert.equal(r.total, st.blocks * st.bsize);
  assert.ok(Math.abs((r.used_percent as number) - (100 * used) / (used + free)) < 1, `${r.used_percent}`);
});

test('system, kernel, processes, swap, diskio, netstat have plausible values', async () => {
  const sys = (await last('SELECT * FROM system ORDER BY time DESC LIMIT 1'))!;
  assert.ok(
    (sys.n_cpus as number) >= 1 && (sys.uptime as number) > 0 && typeof sys.uptime_format === 'string',
  );
  const k = (await last('SELECT * FROM kernel ORDER BY time DESC LIMIT 1'))!;
  assert.ok((k.boot_time as number) > 1e9 && (k.context_switches as number) > 0);
  const p = (await last('SELECT * FROM processes ORDER BY time DESC LIMIT 1'))!;
  assert.ok((p.total as number) > 10 && (p.total_threads as number) >= (p.total as number));
  const sw = (await last('SELECT * FROM swap ORDER BY time DESC LIMIT 1'))!;
  assert.equal((sw.used as number) + (sw.free as number), sw.total);
  const io = rows(await q('SELECT last(reads) FROM diskio GROUP BY "name"'));
  assert.ok(io.length >= 1);
  const ns = (await last('SELECT * FROM netstat ORDER BY time DESC LIMIT 1'))!;
  assert.ok((ns.tcp_listen as number) >= 1, 'etcd and InfluxDB listen at least');
});

test('points are one per second per series, at whole seconds', async () => {
  const ts = await waitFor('three mem points', async () => {
    const t = rows(await q('SELECT used FROM mem ORDER BY time ASC')).map((r) => r.time as number);
    return t.length >= 3 && t;
  });
  for (let i = 1; i < ts.length; i++) assert.ok(ts[i]! > ts[i - 1]!, 'strictly increasing');
});

test('the status record and /metrics', async () => {
  const status = await waitFor('a status record with written points', async () => {
    const raw = await etcd.get(metricsStatusKey(node)).string();
    const r = raw === null ? undefined : parseMetricsStatus(raw, metricsStatusKey(node));
    if (r && !r.ok) throw new Error(r.error);
    return r && r.value.pointsWritten > 0 && r.value;
  });
  assert.equal(status.writer.up, true);
  // The inventory systeminformation read at start-up, against what Node says of this machine.
  assert.equal(status.inventory?.kernel, os.release());
  assert.ok((status.inventory?.cores ?? 0) >= 1 && status.inventory!.cores <= os.cpus().length);
  assert.ok(status.inventory?.cpuModel, 'a CPU model');
  assert.deepEqual(status.inputErrors, {});
  assert.equal(status.dropped.bufferFull + status.dropped.rejected, 0);
  const base = await proc.httpUrl();
  assert.equal((await fetch(`${base}/readyz`)).status, 200);
  const samples = assertSharedMetrics('metrics', await (await fetch(`${base}/metrics`)).text());
  assert.ok(samples.get('lcs_events_sent_total')! > 0);
  assert.equal(samples.get('lcs_metrics_points_dropped_total{reason="buffer_full"}'), 0);
});
