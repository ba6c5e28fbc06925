// InfluxDB with authentication on, and least-privilege users: `lcs-metrics` may only WRITE the
// metrics database, `lcs-console` may only READ it. Both servers are private to this test
// (Debian's influxd 1.6 for API 1, influxd 1.8 for the v2 API), started with empty storage and
// `auth-enabled = true`, so the shared InfluxDB is never touched.
//
// A wrong password is a fault the operator fixes: until then `lcs metrics` says which setting
// is wrong (log, status record, /readyz) and keeps every point in its spool; restarted with the
// right password it delivers every point of the window, in order, none twice. A recording
// proxy in front of the server shows what was acknowledged and how often.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { port as servicePort } from '../../deploy/local/layout.ts';
import { flagOf } from '../../common/config/settings.ts';
import { metricsStatusKey } from '../../common/keyspace.ts';
import { startInfluxd, startInfluxd18, type Influxd18 } from '../support/influxdb18.ts';
import { testEtcd } from '../support/etcd.ts';
import { waitFor } from '../support/wait.ts';
import { ApiClient, enc, startConsole } from '../console/harness.ts';
import {
  RecordingProxy,
  influxQuery,
  rows,
  startMetrics,
  stoppedLine,
  tmpDir,
  uniqueName,
} from './harness.ts';

const ADMIN = { user: 'lcs-admin', password: 'admin-secret-1' };
const WRITER = { user: 'lcs-metrics', password: 'metrics-secret-1' };
const READER = { user: 'lcs-console', password: 'console-secret-1' };
const db = uniqueName('lcs_auth');
const dir = tmpDir('lcs-influx-auth-');
const etcd = testEtcd();
let influx: Influxd18;
let influx18: Influxd18 | undefined;
const proxies: RecordingProxy[] = [];

/** A secret in a file only its owner may read, as a deployment mounts it. */
function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content + '\n', { mode: 0o600 });
  return file;
}

/** Creates the database and the two least-privilege users, as the admin. */
async function provision(url: string): Promise<void> {
  for (const q of [
    `CREATE DATABASE "${db}"`,
    `CREATE USER "${WRITER.user}" WITH PASSWORD '${WRITER.password}'`,
    `GRANT WRITE ON "${db}" TO "${WRITER.user}"`,
    `CREATE USER "${READER.user}" WITH PASSWORD '${READER.password}'`,
    `GRANT READ ON "${db}" TO "${READER.user}"`,
  ])
    await influxQuery(url, db, q, ADMIN);
}

before(async () => {
  influx = await startInfluxd({
    bin: '/usr/bin/influxd',
    // A private port: the shared InfluxDB's + 10 unless told (its RPC port is this + 2).
    httpPort: Number(process.env.LCS_INFLUXDB_AUTH_PORT ?? servicePort('influxdb') + 10),
    dir: path.join(dir, 'influxdb'),
    auth: ADMIN,
  });
  await provision(influx.url);
});

after(async () => {
  for (const p of proxies) await p.stop();
  await influx?.stop();
  await influx18?.stop();
  etcd.close();
});

const metricsAt = async (base: string) => (await fetch(`${base}/metrics`)).text();

/**
 * `lcs metrics` started with `wrong` credentials, then stopped and started again with `right`
 * ones: the first run must name `settingPattern` in its readiness, log and status record and
 * deliver nothing; afterwards every point of both runs is in the database, once, in order.
 * Returns the node name (its points are in the database).
 */
async function wrongThenRight(o: {
  url: string;
  args: string[];
  wrong: string[];
  right: string[];
  problem: RegExp;
  /** Reads the stored mem points' times back (as the least-privilege reader). */
  stored: (node: string) => Promise<number[]>;
}): Promise<string> {
  const node = uniqueName('auth');
  const proxy = new RecordingProxy(o.url);
  proxies.push(proxy);
  const proxyUrl = await proxy.start();
  const stateDir = tmpDir('lcs-metrics-state-');
  const logDir = tmpDir('lcs-metrics-log-');
  const args = [
    flagOf('metrics.interval'),
    '1s',
    flagOf('metrics.influx.url'),
    proxyUrl,
    flagOf('metrics.inputs'),
    'mem,system',
    ...o.args,
  ];
  const memLines = () => proxy.accepted.filter((l) => l.startsWith('mem,'));

  const first = startMetrics({ node, stateDir, logDir, args: [...args, ...o.wrong] });
  const base1 = await first.httpUrl();
  // Readiness names the service and the setting.
  const reason = await waitFor(
    'not ready, naming the setting',
    async () => {
      const r = await fetch(`${base1}/readyz`);
      const text = await r.text();
      return r.status === 503 && o.problem.test(text) ? text : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  assert.match(reason, /InfluxDB/);
  // So does the log, once (not every retry)…
  const warnings = first
    .logs()
    .split('\n')
    .filter((l) => l.includes('write failed; buffering to disk and retrying'));
  assert.equal(warnings.length, 1, first.logs().slice(-2000));
  assert.match(warnings[0]!, o.problem);
  // …and the status record the console shows.
  const status = await waitFor(
    'a status record with the error',
    async () => {
      const v = await etcd.get(metricsStatusKey(node)).string();
      const s = v ? (JSON.parse(v) as { writer: { up: boolean; lastError?: string } }) : undefined;
      return s && !s.writer.up && o.problem.test(s.writer.lastError ?? '') ? s : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 300 },
  );
  assert.equal(status.writer.up, false);
  // Points wait in the spool rather than being dropped.
  await waitFor(
    'points buffered',
    async () => Number(/^lcs_lag (\d+)$/m.exec(await metricsAt(base1))?.[1]) >= 10,
    {
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
  assert.match(await metricsAt(base1), /^lcs_metrics_writer_up 0$/m);
  assert.doesNotMatch(await metricsAt(base1), /^lcs_metrics_points_dropped_total\{[^}]*\} [1-9]/m);
  assert.equal(await first.stop(), 0);
  const firstRun = stoppedLine(first.logs());
  assert.ok(firstRun.buffered.lines > 0, 'the first run left its points on disk');
  assert.equal(firstRun.pointsWritten, 0);
  assert.deepEqual(memLines(), [], 'nothing was acknowledged with the wrong credentials');

  // Fixed: the same state dir, the right credentials.
  const second = startMetrics({ node, stateDir, logDir, args: [...args, ...o.right] });
  const base2 = await second.httpUrl();
  await waitFor(
    'the backlog drained and a few new points written',
    async () => {
      const m = await metricsAt(base2);
      return (
        /^lcs_lag 0$/m.test(m) &&
        /^lcs_metrics_writer_up 1$/m.test(m) &&
        memLines().length >= firstRun.samples + 3
      );
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.equal((await fetch(`${base2}/readyz`)).status, 200);
  assert.equal(await second.stop(), 0);
  const secondRun = stoppedLine(second.logs());
  assert.equal(secondRun.buffered.lines, 0);

  const times = memLines().map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
  // One mem point per sample of either run, none acknowledged twice, in sampling order.
  assert.equal(times.length, firstRun.samples + secondRun.samples);
  assert.deepEqual(
    times.filter((t, i) => times.indexOf(t) !== i),
    [],
    'points acknowledged twice',
  );
  for (let i = 1; i < times.length; i++)
    assert.ok(times[i]! > times[i - 1]!, `order at ${i}: ${times[i - 1]} then ${times[i]}`);
  assert.deepEqual(await o.stored(node), times);
  return node;
}

const storedV1 = (url: string) => async (node: string) =>
  rows(await influxQuery(url, db, `SELECT used FROM mem WHERE host = '${node}'`, READER)).map(
    (r) => r.time as number,
  );

let nodeWithPoints: string | undefined;

test(
  'a wrong password names metrics.influx.username/passwordFile and loses nothing once fixed (API 1)',
  { timeout: 240_000 },
  async () => {
    const v1 = [flagOf('metrics.influx.database'), db, flagOf('metrics.influx.username'), WRITER.user];
    nodeWithPoints = await wrongThenRight({
      url: influx.url,
      args: v1,
      wrong: [flagOf('metrics.influx.passwordFile'), secretFile('metrics-wrong', 'not-the-password')],
      right: [flagOf('metrics.influx.passwordFile'), secretFile('metrics-right', WRITER.password)],
      problem:
        /InfluxDB refused the credentials of user lcs-metrics .*metrics\.influx\.username and metrics\.influx\.passwordFile/,
      stored: storedV1(influx.url),
    });
  },
);

test('a user without WRITE on the database is told the GRANT to run', { timeout: 90_000 }, async () => {
  const node = uniqueName('noWrite');
  const m = startMetrics({
    node,
    stateDir: tmpDir('lcs-metrics-state-'),
    logDir: tmpDir('lcs-metrics-log-'),
    args: [
      flagOf('metrics.interval'),
      '1s',
      flagOf('metrics.influx.url'),
      influx.url,
      flagOf('metrics.inputs'),
      'mem',
      flagOf('metrics.influx.database'),
      db,
      // The console's read-only user: least privilege means it cannot write.
      flagOf('metrics.influx.username'),
      READER.user,
      flagOf('metrics.influx.passwordFile'),
      secretFile('console-for-metrics', READER.password),
    ],
  });
  try {
    const base = await m.httpUrl();
    const reason = await waitFor(
      'not ready, naming the privilege',
      async () => {
        const r = await fetch(`${base}/readyz`);
        const t = await r.text();
        return r.status === 503 && /GRANT/.test(t) ? t : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 300 },
    );
    assert.match(reason, new RegExp(`GRANT WRITE ON "${db}" TO "lcs-console"`));
    assert.match(reason, /metrics\.influx\.username and metrics\.influx\.passwordFile/);
  } finally {
    assert.equal(await m.stop(), 0);
  }
  // Nothing was written under that user.
  assert.deepEqual(await storedV1(influx.url)(node), []);
});

test("the console's host view reads with the READ-only user; a wrong password names console.influxdb.*", async () => {
  assert.ok(nodeWithPoints, 'the first test wrote points');
  const c = await startConsole({
    LCS_INFLUXDB_URL: influx.url,
    LCS_INFLUXDB_DATABASE: db,
    LCS_INFLUXDB_USERNAME: READER.user,
    LCS_INFLUXDB_PASSWORD_FILE: secretFile('console-right', READER.password),
  });
  try {
    const r = await new ApiClient(c.url).call<{ memUsedPercent?: number; load1?: number }>(
      'GET',
      `/api/hosts/${enc(nodeWithPoints)}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.memUsedPercent! > 0 && r.body.memUsedPercent! < 100, JSON.stringify(r.body));
    assert.ok(r.body.load1! >= 0);
  } finally {
    await c.stop();
  }
  const bad = await startConsole({
    LCS_INFLUXDB_URL: influx.url,
    LCS_INFLUXDB_DATABASE: db,
    LCS_INFLUXDB_USERNAME: READER.user,
    LCS_INFLUXDB_PASSWORD_FILE: secretFile('console-wrong', 'not-the-password'),
  });
  try {
    const r = await new ApiClient(bad.url).call<{ error?: string }>(
      'GET',
      `/api/hosts/${enc(nodeWithPoints)}`,
    );
    assert.equal(r.status, 503);
    assert.deepEqual(Object.keys(r.body), ['error']);
    assert.match(
      r.body.error ?? '',
      /^InfluxDB at .* refused the query: InfluxDB refused the credentials of user lcs-console .*console\.influxdb\.username and console\.influxdb\.passwordFile/,
    );
    assert.doesNotMatch(r.body.error ?? '', /\n\s+at /, 'no stack trace');
  } finally {
    await bad.stop();
  }
});

test(
  'the v2 writer on InfluxDB 1.8: a wrong token names metrics.influx.tokenFile and loses nothing once fixed',
  { timeout: 400_000 },
  async () => {
    influx18 = await startInfluxd18({ auth: ADMIN, dir: path.join(dir, 'influxdb18') });
    await provision(influx18.url);
    await wrongThenRight({
      url: influx18.url,
      args: [flagOf('metrics.influx.api'), '2', flagOf('metrics.influx.bucket'), `${db}/autogen`],
      wrong: [
        flagOf('metrics.influx.tokenFile'),
        secretFile('token-wrong', `${WRITER.user}:not-the-password`),
      ],
      right: [
        flagOf('metrics.influx.tokenFile'),
        secretFile('token-right', `${WRITER.user}:${WRITER.password}`),
      ],
      problem: /InfluxDB refused the credentials .*metrics\.influx\.tokenFile/,
      stored: storedV1(influx18.url),
    });
  },
);
