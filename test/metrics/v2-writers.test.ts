// The v2 write API through @influxdata/influxdb-client, against the real servers it is meant
// for: VictoriaMetrics (/api/v2/write, no token) and InfluxDB 1.8's compatibility API (token
// `user:password` with authentication on, bucket `db/rp`). Three `lcs metrics` processes
// sample the same host at once: the v1 writer into the Debian InfluxDB 1.x (the reference),
// and the v2 writer into each of the two. A recording proxy in front of each server keeps
// what it acknowledged; the test compares the schemas on the wire (measurements, tag keys,
// field names and types) with the v1 path's, then reads every acknowledged point back from
// the server it went to. VictoriaMetrics stores every field as a float64 series
// `<measurement>_<field>` (a string field as zeros), so there the field types are checked on
// the wire and the values by number.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { endpoints } from '../../deploy/local/services.ts';
import { parseLine } from '../../metrics/line-protocol.ts';
import type { FieldValue, Point } from '../../metrics/point.ts';
import { startInfluxd18, type Influxd18 } from '../support/influxdb18.ts';
import { waitFor } from '../support/wait.ts';
import type { LcsProcess } from '../support/lcs-process.ts';
import {
  RecordingProxy,
  createDatabase,
  influxQuery,
  influxUrl,
  startMetrics,
  tmpDir,
  uniqueName,
  type Series,
  MEASUREMENTS,
} from './harness.ts';

const SAMPLES = 4; // cpu needs two samples for its first point
const AUTH = { user: 'lcs', password: 'lcs-v2-secret' };

const vmUrl = endpoints().victoriametrics;
const db = uniqueName('lcs_v2');
const node = { v1: uniqueName('v1'), vm: uniqueName('vm'), influx18: uniqueName('i18') };
const proxy = {
  v1: new RecordingProxy(influxUrl()),
  vm: new RecordingProxy(vmUrl),
  influx18: undefined as RecordingProxy | undefined,
};
let influx18: Influxd18;
const procs: LcsProcess[] = [];

/** Acknowledged lines parsed back into typed points. */
const points = (p: RecordingProxy): Point[] => p.accepted.map(parseLine);
const sampleTimes = (p: RecordingProxy, m: string) =>
  new Set(
    points(p)
      .filter((x) => x.measurement === m)
      .map((x) => x.time),
  );

type FieldType = 'integer' | 'float' | 'string' | 'boolean';
const typeOf = (v: FieldValue): FieldType =>
  typeof v === 'bigint'
    ? 'integer'
    : typeof v === 'number'
      ? 'float'
      : typeof v === 'string'
        ? 'string'
        : 'boolean';

/** measurement → its tag keys and each field's type, over every point. */
function schema(ps: Point[]): Record<string, { tags: string[]; fields: Record<string, FieldType> }> {
  const out: Record<string, { tags: Set<string>; fields: Record<string, FieldType> }> = {};
  for (const p of ps) {
    const s = (out[p.measurement] ??= { tags: new Set(), fields: {} });
    for (const k of Object.keys(p.tags)) s.tags.add(k);
    for (const [k, v] of Object.entries(p.fields)) {
      const t = typeOf(v);
      assert.equal(s.fields[k] ?? t, t, `${p.measurement}.${k} changes type between points`);
      s.fields[k] = t;
    }
  }
  return Object.fromEntries(
    Object.entries(out)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([m, s]) => [
        m,
        { tags: [...s.tags].sort(), fields: Object.fromEntries(Object.entries(s.fields).sort()) },
      ]),
  );
}

const seriesKey = (m: string, tags: Record<string, string>, time: number) =>
  JSON.stringify([m, Object.entries(tags).sort(), time]);

before(async () => {
  influx18 = await startInfluxd18({ auth: AUTH });
  proxy.influx18 = new RecordingProxy(influx18.url);
  await createDatabase(influxUrl(), db);
  const r18 = await fetch(
    `${influx18.url}/query?${new URLSearchParams({ q: `CREATE DATABASE "${db}"`, u: AUTH.user, p: AUTH.password })}`,
    { method: 'POST' },
  );
  assert.equal(r18.status, 200, await r18.text());

  const [v1Url, vmProxyUrl, i18ProxyUrl] = [
    await proxy.v1.start(),
    await proxy.vm.start(),
    await proxy.influx18.start(),
  ];
  const secrets = tmpDir('lcs-v2-secrets-');
  const emptyToken = path.join(secrets, 'empty');
  const userToken = path.join(secrets, 'user');
  fs.writeFileSync(emptyToken, '');
  fs.writeFileSync(userToken, `${AUTH.user}:${AUTH.password}\n`);
  const common = ['--metrics-interval', '1s', '--metrics-net-interfaces', '*'];
  const run = (name: string, args: string[]) =>
    procs.push(
      startMetrics({
        node: name,
        stateDir: tmpDir('lcs-metrics-state-'),
        logDir: tmpDir('lcs-metrics-log-'),
        args: [...common, ...args],
      }),
    );
  run(node.v1, ['--metrics-influx-url', v1Url, '--metrics-influx-database', db]);
  // VictoriaMetrics ignores org and bucket; the bucket is required by LCS for API 2.
  run(node.vm, [
    '--metrics-influx-api',
    '2',
    '--metrics-influx-url',
    vmProxyUrl,
    '--metrics-influx-bucket',
    db,
    '--metrics-influx-token-file',
    emptyToken,
  ]);
  run(node.influx18, [
    '--metrics-influx-api',
    '2',
    '--metrics-influx-url',
    i18ProxyUrl,
    '--metrics-influx-bucket',
    `${db}/autogen`,
    '--metrics-influx-token-file',
    userToken,
  ]);
  await waitFor(
    `${SAMPLES} samples of every measurement acknowledged by all three servers`,
    () =>
      [proxy.v1, proxy.vm, proxy.influx18!].every((p) =>
        MEASUREMENTS.every((m) => sampleTimes(p, m).size >= SAMPLES),
      ),
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  // A clean stop writes what is still in memory; after it the proxies hold every point.
  for (const p of procs.splice(0)) assert.equal(await p.stop(), 0);
});

after(async () => {
  for (const p of procs) await p.stop();
  await proxy.v1.stop();
  await proxy.vm.stop();
  await proxy.influx18?.stop();
  await influx18?.stop();
});

test('the v2 writes go to /api/v2/write, with the token when there is one', () => {
  assert.ok(proxy.v1.acceptedWrites.every((w) => w.url.startsWith('/write?')));
  for (const [p, auth] of [
    [proxy.vm, undefined],
    [proxy.influx18!, `Token ${AUTH.user}:${AUTH.password}`],
  ] as const) {
    assert.ok(p.acceptedWrites.length >= SAMPLES);
    for (const w of p.acceptedWrites) {
      const u = new URL(w.url, 'http://x');
      assert.equal(u.pathname, '/api/v2/write');
      assert.equal(u.searchParams.get('precision'), 's');
      assert.equal(w.authorization, auth);
    }
  }
  assert.equal(
    new URL(proxy.influx18!.acceptedWrites[0]!.url, 'http://x').searchParams.get('bucket'),
    `${db}/autogen`,
  );
});

test('the v2 client sends the measurements, tag keys, fields and field types of the v1 writer', () => {
  const reference = schema(points(proxy.v1));
  assert.deepEqual(Object.keys(reference), MEASUREMENTS);
  // Integers stay integers on the wire (`12i`), as Telegraf writes them.
  assert.equal(reference.mem!.fields.total, 'integer');
  assert.equal(reference.cpu!.fields.usage_idle, 'float');
  assert.equal(reference.system!.fields.uptime_format, 'string');
  assert.deepEqual(schema(points(proxy.vm)), reference, 'to VictoriaMetrics');
  assert.deepEqual(schema(points(proxy.influx18!)), reference, 'to InfluxDB 1.8');
  const hosts = (p: RecordingProxy) => new Set(points(p).map((x) => x.tags.host));
  assert.deepEqual(hosts(proxy.vm), new Set([node.vm]));
  assert.deepEqual(hosts(proxy.influx18!), new Set([node.influx18]));
});

test('InfluxDB 1.8 stores every acknowledged point, with the field types the v1 path stores in 1.x', async () => {
  const q18 = async (q: string) => {
    const res = await fetch(
      `${influx18.url}/query?${new URLSearchParams({ db, q, epoch: 's', u: AUTH.user, p: AUTH.password })}`,
      { method: 'POST' },
    );
    const body = (await res.json()) as { results?: { series?: Series[]; error?: string }[]; error?: string };
    const err = body.error ?? body.results?.find((r) => r.error)?.error;
    if (err) throw new Error(`${q}: ${err}`);
    return body.results!.flatMap((r) => r.series ?? []);
  };
  const q1 = (q: string) => influxQuery(influxUrl(), db, q);
  // What each server says it holds: field keys with their types, and tag keys.
  const stored = async (query: (q: string) => Promise<Series[]>) => {
    const out: Record<string, { fields: unknown[][]; tags: unknown[] }> = {};
    for (const s of await query('SHOW FIELD KEYS')) out[s.name] = { fields: s.values, tags: [] };
    for (const s of await query('SHOW TAG KEYS')) out[s.name]!.tags = s.values.map((v) => v[0]);
    return out;
  };
  const reference = await stored(q1);
  assert.deepEqual(Object.keys(reference).sort(), MEASUREMENTS);
  assert.deepEqual(
    reference.mem!.fields.find((f) => f[0] === 'total'),
    ['total', 'integer'],
  );
  assert.deepEqual(await stored(q18), reference);

  // Every line the proxy saw acknowledged is a point in 1.8, field for field.
  const sent = points(proxy.influx18!);
  const inDb = new Map<string, Record<string, unknown>>();
  for (const m of MEASUREMENTS)
    for (const s of await q18(`SELECT * FROM "${m}" GROUP BY *`))
      for (const v of s.values) {
        const row = Object.fromEntries(s.columns.map((c, i) => [c, v[i]]));
        inDb.set(seriesKey(m, s.tags ?? {}, row.time as number), row);
      }
  assert.equal(inDb.size, new Set(sent.map((p) => seriesKey(p.measurement, p.tags, p.time))).size);
  for (const p of sent) {
    const row = inDb.get(seriesKey(p.measurement, p.tags, p.time));
    assert.ok(row, `not in InfluxDB 1.8: ${p.measurement} ${JSON.stringify(p.tags)} at ${p.time}`);
    for (const [k, v] of Object.entries(p.fields))
      assert.equal(row[k], typeof v === 'bigint' ? Number(v) : v, `${p.measurement}.${k} at ${p.time}`);
  }
});

test('VictoriaMetrics stores every acknowledged field as <measurement>_<field> with the tags', async () => {
  const sent = points(proxy.vm);
  // value, and whether VictoriaMetrics may have rounded it (it keeps a float to ~12 significant
  // digits; integers, as counters are, come back exact).
  const expected = new Map<string, [number, boolean]>();
  for (const p of sent)
    for (const [k, v] of Object.entries(p.fields)) {
      // VictoriaMetrics keeps numbers only: a string field becomes a series of zeros.
      expected.set(seriesKey(`${p.measurement}_${k}`, p.tags, p.time), [
        typeof v === 'string' ? 0 : Number(v),
        typeof v === 'number',
      ]);
    }
  const exported = await waitFor(
    'every point searchable in VictoriaMetrics',
    async () => {
      const res = await fetch(`${vmUrl}/api/v1/export`, {
        method: 'POST',
        body: new URLSearchParams({ 'match[]': `{host="${node.vm}"}` }),
      });
      const got = new Map<string, number>();
      for (const line of (await res.text()).split('\n')) {
        if (!line) continue;
        const { metric, values, timestamps } = JSON.parse(line) as {
          metric: Record<string, string>;
          values: number[];
          timestamps: number[];
        };
        const { __name__: name, ...tags } = metric;
        timestamps.forEach((t, i) => got.set(seriesKey(name!, tags, t / 1000), values[i]!));
      }
      return got.size >= expected.size && got;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.deepEqual(
    [...exported.keys()].filter((k) => !expected.has(k)),
    [],
    'only what was sent',
  );
  for (const [k, [v, rounded]] of expected) {
    const got = exported.get(k);
    if (rounded)
      assert.ok(got !== undefined && Math.abs(got - v) <= Math.abs(v) * 1e-11, `${k}: ${got} vs ${v}`);
    else assert.equal(got, v, k);
  }
});
