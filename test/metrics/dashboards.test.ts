// The Grafana dashboards of deploy/grafana against what lcs metrics really writes. One real
// `lcs metrics` samples this host into the real InfluxDB 1.x and, elected pipeline writer,
// turns agent and transfer status records (put in etcd by the test, as the agents and
// transfers write them) into the lcs_* points. Then every panel query of every dashboard, with
// Grafana's macros and each variable filled from the variable's own query, must return at
// least one series. A static check names every measurement, field and tag a query uses that
// the service does not write (the host schema from the host sampler itself, the pipeline's
// from PIPELINE_SCHEMA). Public dashboards found in fixtures/ (grafana.com 928) run too: which
// of their panels return data is pinned here and explained in docs/metrics.md.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentStatusKey, transferStatusKey } from '../../common/keyspace.ts';
import { HOST_INPUTS, HostSampler } from '../../metrics/host/sampler.ts';
import { DEFAULT_IGNORE_FS } from '../../metrics/host/disk.ts';
import { hostPathsFrom } from '../../metrics/host/paths.ts';
import { PIPELINE_SCHEMA } from '../../metrics/pipeline/points.ts';
import { resetKeys, testEtcd } from '../support/etcd.ts';
import { repoRoot, type LcsProcess } from '../support/lcs-process.ts';
import { waitFor } from '../support/wait.ts';
import {
  interpolate,
  panelQueries,
  unknownNames,
  variableRegex,
  type Filled,
  type GrafanaDashboard,
  type Schema,
} from './grafana.ts';
import { createDatabase, influxQuery, influxUrl, rows, startMetrics, tmpDir, uniqueName } from './harness.ts';

const DASHBOARDS = path.join(repoRoot, 'deploy/grafana/dashboards');
const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const HOST_MEASUREMENTS = [...HOST_INPUTS] as string[];
const PIPELINE_MEASUREMENTS = Object.keys(PIPELINE_SCHEMA);
/** The sampling interval, and so Grafana's $__interval / $interval here (a bucket per sample). */
const INTERVAL_S = 1;

const load = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as GrafanaDashboard;
const ours = fs
  .readdirSync(DASHBOARDS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, dashboard: load(path.join(DASHBOARDS, f)) }));

/** The host schema as the sampler writes it on this machine (every interface, lo included). */
async function hostSchema(): Promise<Map<string, Schema>> {
  const sampler = new HostSampler({
    paths: hostPathsFrom({}),
    inputs: HOST_INPUTS,
    netInterfaces: ['*'],
    ignoreFs: DEFAULT_IGNORE_FS,
  });
  await sampler.sample({ host: 'schema' }, 1);
  await new Promise((r) => setTimeout(r, 30)); // a real interval for the CPU delta, not synchronisation
  const { points } = await sampler.sample({ host: 'schema' }, 2);
  const out = new Map<string, Schema>();
  for (const p of points) {
    const s = out.get(p.measurement) ?? { tags: new Set<string>(), fields: new Set<string>() };
    for (const t of Object.keys(p.tags)) s.tags.add(t);
    for (const f of Object.keys(p.fields)) s.fields.add(f);
    out.set(p.measurement, s);
  }
  // Written only where the host has the data (utmp readable, a `page` line in /proc/stat).
  out.get('system')?.fields.add('n_users').add('n_unique_users');
  out.get('kernel')?.fields.add('disk_pages_in').add('disk_pages_out');
  return out;
}

function pipelineSchema(): Map<string, Schema> {
  return new Map(
    Object.entries(PIPELINE_SCHEMA).map(([m, s]) => [
      m,
      { tags: new Set<string>(s.tags), fields: new Set(Object.keys(s.fields)) },
    ]),
  );
}

/** Every InfluxQL statement of a dashboard: its variables' queries and its panels'. */
function statements(d: GrafanaDashboard): { where: string; influxql: string }[] {
  const vars = (d.templating?.list ?? [])
    .filter((v) => v.type === 'query')
    .map((v) => ({
      where: `variable $${v.name}`,
      influxql: typeof v.query === 'string' ? v.query : (v.query?.query ?? ''),
    }));
  const panels = panelQueries(d).map((p) => ({
    where: `panel "${p.panel}" ${p.refId}`,
    influxql: p.influxql,
  }));
  return [...vars, ...panels];
}

test('static: every measurement, field and tag the dashboards name is one lcs metrics writes', async () => {
  const schema = new Map([...(await hostSchema()), ...pipelineSchema()]);
  assert.deepEqual([...schema.keys()].sort(), [...HOST_MEASUREMENTS, ...PIPELINE_MEASUREMENTS].sort());
  for (const { file, dashboard } of ours) {
    const found = statements(dashboard);
    assert.ok(found.length > 10, `${file}: only ${found.length} statements`);
    const problems = found.flatMap((s) =>
      unknownNames(s.influxql, schema).map((u) => `${file} ${s.where}: ${u} is not written`),
    );
    assert.deepEqual(problems, []);
  }
});

test('static: the check names a measurement, a field and a tag the service does not write', async () => {
  const schema = new Map([...(await hostSchema()), ...pipelineSchema()]);
  const check = (q: string) => unknownNames(q, schema);
  assert.deepEqual(
    check(`SELECT mean("usage_user") FROM "cpu" WHERE "host" =~ /^$server$/ AND $timeFilter`),
    [],
  );
  assert.deepEqual(check(`SELECT mean("file-nr") FROM "linux_sysctl_fs" WHERE $timeFilter`), [
    'measurement linux_sysctl_fs',
  ]);
  assert.deepEqual(
    check(`SELECT mean(usage_usr) AS "user" FROM cpu WHERE $timeFilter GROUP BY time(1s), core`),
    ['field cpu.usage_usr', 'tag cpu.core'],
  );
  assert.deepEqual(check(`SELECT last("lag") FROM "lcs_consumer_lag" WHERE "node" = 'x' AND $timeFilter`), [
    'key lcs_consumer_lag.node',
  ]);
  assert.deepEqual(check(`SHOW TAG VALUES FROM "lcs_agent" WITH KEY = "collection"`), [
    'tag lcs_agent.collection',
  ]);
});

// ---------------------------------------------------------------------------------------------
// Against the real service.

const db = uniqueName('lcs_dashboards');
const node = uniqueName('dash');
const url = influxUrl();
const etcd = testEtcd();
const q = (s: string) => influxQuery(url, db, s);
let proc: LcsProcess | undefined;
let fromMs = 0;

// Two agents with two collections between them and one transfer member, as their status records say.
const agents = ['agent-a', 'agent-b'].map((n, i) => ({
  node: `${n}-${node}`,
  pid: 100 + i,
  startedAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  configRevision: 42,
  etcd: { connected: true },
  kafka: { connected: i === 0, bufferedBytes: i * 4096 },
  collections: {
    'adhoc/web': {
      topic: 'web',
      modRevision: 40,
      files: 2,
      eventsPerSec: 10.5 + i,
      errors: [],
      lostBytes: 0,
    },
    ...(i === 0
      ? { 'k8s/shop/api': { topic: 'api', modRevision: 41, files: 1, eventsPerSec: 1, errors: ['x'] } }
      : {}),
  },
  rejected: i === 1 ? { 'adhoc/bad': 'no paths' } : {},
  tailers: [
    {
      collection: 'adhoc/web',
      file: '/var/log/web.log',
      state: 'following',
      offset: 1,
      size: 11,
      lagBytes: 10,
      eventsPerSec: 5,
    },
  ],
}));
const transfer = {
  member: `transfer-${node}`,
  pid: 200,
  groupId: 'lcs-transfer',
  startedAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  topics: ['web', 'api'],
  assignment: { web: [0, 1], api: [0] },
  paused: false,
  kafka: {},
  indexed: 1000,
  retried: 3,
  deadLettered: 1,
  commitFailures: 0,
  documentsPerSecond: 12.5,
  bulk: { requests: 40, avgMs: 8.5 },
  elasticsearch: { up: true },
  partitions: {
    web: { '0': { committed: '900', lag: 4 }, '1': { committed: '100', lag: 0 } },
    api: { '0': { lag: 7 } },
  },
};

const distinctTimes = async (m: string) =>
  rows(await q(`SELECT count(*) FROM "${m}" GROUP BY time(1s) fill(none)`)).length;

before(async () => {
  await resetKeys(etcd); // a stale pipeline election from an earlier run
  await createDatabase(url, db);
  for (const a of agents) await etcd.put(agentStatusKey(a.node)).value(JSON.stringify(a));
  await etcd.put(transferStatusKey(transfer.member)).value(JSON.stringify(transfer));
  fromMs = Date.now() - 1000;
  proc = startMetrics({
    node,
    stateDir: tmpDir('lcs-dash-state-'),
    logDir: tmpDir('lcs-dash-log-'),
    args: [
      '--metrics-interval',
      `${INTERVAL_S}s`,
      '--metrics-influx-database',
      db,
      '--metrics-net-interfaces',
      '*',
    ],
    env: { LCS_METRICS_PIPELINE: 'true' },
  });
  // Enough samples that every rate (a derivative between two buckets) has values.
  await waitFor(
    'five samples of every host and pipeline measurement',
    async () => {
      for (const m of [...HOST_MEASUREMENTS, ...PIPELINE_MEASUREMENTS])
        if ((await distinctTimes(m)) < 5) return false;
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
});

after(async () => {
  await proc?.stop();
  await resetKeys(etcd).catch(() => {});
  etcd.close();
});

interface Outcome {
  /** "panel title refId" → series returned (per repeat value, the smallest). */
  series: Map<string, number>;
  /** Variables with no value, or queries InfluxDB refused. */
  errors: string[];
}

/** Fills the variables from their queries, then runs every panel query (once per repeat value). */
async function runDashboard(d: GrafanaDashboard): Promise<Outcome> {
  const toMs = Date.now() + 1000;
  const vars = new Map<string, Filled>();
  const errors: string[] = [];
  const opts = { fromMs, toMs, intervalS: INTERVAL_S };
  for (const v of d.templating?.list ?? []) {
    if (v.type === 'interval') vars.set(v.name, { values: [`${INTERVAL_S}s`], multi: false });
    if (v.type === 'custom' || v.type === 'constant') {
      const first = String(typeof v.query === 'string' ? v.query : '')
        .split(',')[0]!
        .trim();
      vars.set(v.name, { values: [first], multi: !!(v.multi || v.includeAll) });
    }
    if (v.type !== 'query') continue;
    const raw = typeof v.query === 'string' ? v.query : (v.query?.query ?? '');
    const statement = interpolate(raw, vars, opts);
    let values: string[] = [];
    try {
      values = rows(await q(statement)).map((r) => String(r.value));
    } catch (err) {
      errors.push(`variable $${v.name}: ${(err as Error).message}`);
    }
    if (v.regex) {
      const re = variableRegex(v.regex);
      values = values.flatMap((x) => {
        const m = re.exec(x);
        return m ? [m[1] ?? x] : [];
      });
    }
    if (!values.length) errors.push(`variable $${v.name} has no value: ${statement}`);
    vars.set(v.name, { values: [...new Set(values)], multi: !!(v.multi || v.includeAll) });
  }
  const series = new Map<string, number>();
  for (const p of panelQueries(d)) {
    const key = `${p.panel} ${p.refId}`;
    const scopes = p.repeat ? (vars.get(p.repeat)?.values ?? []).map((x) => ({ [p.repeat!]: x })) : [{}];
    for (const scoped of scopes) {
      const statement = interpolate(p.influxql, vars, { ...opts, scoped });
      let n = 0;
      try {
        n = (await q(statement)).length;
      } catch (err) {
        errors.push(`panel "${key}": ${(err as Error).message}`);
      }
      series.set(key, Math.min(n, series.get(key) ?? n));
    }
  }
  return { series, errors };
}

for (const { file } of ours)
  test(`${file}: every panel query returns at least one series from what lcs metrics wrote`, async () => {
    const { dashboard } = ours.find((x) => x.file === file)!;
    const { series, errors } = await runDashboard(dashboard);
    assert.deepEqual(errors, []);
    assert.ok(series.size >= 10, `${series.size} panel queries`);
    const empty = [...series].filter(([, n]) => n === 0).map(([k]) => k);
    assert.deepEqual(empty, [], 'panel queries without data');
  });

test('the lcs_* points come from the status records: values as the agents and the transfer reported them', async () => {
  const [a] = rows(
    await q(
      `SELECT last("events_per_sec") AS e, last("lag_bytes") AS l FROM "lcs_agent" WHERE "node" = '${agents[0]!.node}'`,
    ),
  );
  assert.equal(a!.e, 11.5);
  assert.equal(a!.l, 10);
  const lag = rows(
    await q(
      `SELECT last("lag") FROM "lcs_consumer_lag" WHERE "member" = '${transfer.member}' GROUP BY "topic", "partition"`,
    ),
  );
  assert.equal(lag.length, 3);
});

// Public dashboards, as found (see fixtures/README.md): which panels return data is pinned, so a
// change in what lcs metrics writes shows here. Each value is the measurement a panel reads when
// it returns nothing, and why.
const PUBLIC: Record<string, { returnsData: string[]; noData: Record<string, string> }> = {
  'grafana-928.json': {
    returnsData: [
      'Uptime A',
      'LA medium A',
      'Zombies A',
      'Processes A',
      'Threads A',
      'CPU usage A',
      'RAM usage A',
      'Swap usage A',
      'RootFS used A',
      'IOWait A',
      'CPU usage B',
      'Load averages A',
      'Processes B',
      'Memory usage A',
      'Context switches B',
      'Forks B',
      'CPU usage for $cpu B',
      'TCP connections A',
      'TCP handshake issues A',
      'TCP handshake issues B',
      'TCP handshake issues C',
      'TCP handshake issues D',
      'UDP datagrams A',
      'UDP datagrams B',
      'Network Usage A',
      'Network Usage B',
      'Network Packets A',
      'Network Packets B',
      'Network drops A',
      'Network drops B',
      'Network errors A',
      'Network errors B',
      'Swap I/O bytes A',
      'Swap usage (bytes) B',
      'Disk I/O requests for /dev/$disk A',
      'Disk I/O requests for /dev/$disk B',
      'Disk I/O bytes for /dev/$disk A',
      'Disk I/O bytes for /dev/$disk B',
      'Disk I/O time for /dev/$disk A',
      'Disk I/O time for /dev/$disk B',
      'Disk usage for $mountpoint B',
      'Disk inodes for $mountpoint A',
      'Disk inodes for $mountpoint B',
    ],
    noData: {
      'File descriptors': 'linux_sysctl_fs (Telegraf linux_sysctl_fs input)',
      Interrupts: 'interrupts (Telegraf interrupts input, per IRQ)',
      'Netfilter conntrack usage': 'conntrack (Telegraf conntrack input)',
      'TCP aborts': 'nstat (Telegraf nstat input)',
      'TCP SYN cookies': 'nstat',
      'ICMP packets': 'nstat',
      'ICMP errors': 'nstat',
      'IPv4 errors': 'nstat',
      'IPv6 errors': 'nstat',
      'UDP buffer errors': 'nstat',
      'UDP errors': 'nstat',
      'Delivery time': "internal_write (Telegraf's own metrics)",
      'Gather time': 'internal_gather',
      'Written metrics': 'internal_agent',
      'Error rate': 'internal_agent',
    },
  },
};

for (const [file, expected] of Object.entries(PUBLIC))
  test(`public dashboard ${file}: the panels that read what lcs metrics writes return data, the others read inputs LCS does not have`, async (t) => {
    const fixture = path.join(FIXTURES, file);
    if (!fs.existsSync(fixture)) {
      t.skip(`${fixture} is not present (not in the repository: see test/metrics/fixtures/README.md)`);
      return;
    }
    const { series, errors } = await runDashboard(load(fixture));
    assert.deepEqual(errors, []);
    const withData = [...series].filter(([, n]) => n > 0).map(([k]) => k);
    const without = [
      ...new Set([...series].filter(([, n]) => n === 0).map(([k]) => k.replace(/ [A-Z]$/, ''))),
    ];
    process.stdout.write(`# ${file}: ${withData.length} of ${series.size} panel queries return data\n`);
    assert.deepEqual(withData.sort(), [...expected.returnsData].sort());
    assert.deepEqual(without.sort(), Object.keys(expected.noData).sort());
  });
