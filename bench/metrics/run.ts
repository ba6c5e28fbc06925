// bench/metrics: what sampling the host costs `lcs metrics`, Telegraf (built with only the same
// ten inputs and the InfluxDB output) and collectd (Debian), each writing every second to its
// own database of the same InfluxDB, measured from outside: CPU (utime + stime of the process,
// all threads) per sample and RSS from /proc, LCS's event-loop delay while sampling from its
// /metrics. Prints one JSON object on stdout, progress on stderr. Not a test: nothing asserts;
// a peer that cannot be built or dies is a figure ({"error": ...}), not a crash.
//
//   sh deploy/local/run.sh bench/metrics/run.ts [--samples 300] [--interval 1]
//      [--peers lcs,telegraf,collectd] [--sequential] [--warmup 5] [--profile] [--keep]
//      [--lcs-code compiled|ts]

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { up } from '../../deploy/local/services.ts';
import { ensureBuild } from '../../deploy/local/build.ts';
import { commands, PROCESS_NODE_FLAGS } from '../../cmd/lcs/commands.ts';
import { influxQuery, type Series } from '../../test/metrics/harness.ts';
import { summarise, type ProfileSummary } from '../agent/profile.ts';
import { repoRoot } from '../agent/lcs-agent.ts';
import { statusBytes, ticksPerSecond } from '../agent/proc-stats.ts';
import { percentile, round, say as sayAs } from '../support.ts';
import {
  ensureTelegraf,
  renderTelegrafConfig,
  runPeer,
  startTelegraf,
  telegrafVersion,
  TELEGRAF_INPUTS,
  type PeerProcess,
} from './telegraf.ts';
import { ensureCollectd, renderCollectdConfig, startCollectd, UdpRelay } from './collectd.ts';

const { values: flags } = parseArgs({
  options: {
    samples: { type: 'string', default: '300' },
    interval: { type: 'string', default: '1' },
    peers: { type: 'string', default: 'lcs,telegraf,collectd' },
    sequential: { type: 'boolean', default: false },
    warmup: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'lcs-code': { type: 'string', default: 'compiled' },
    // Extra Node/V8 flags for `lcs metrics` beyond what cmd/lcs/commands.ts gives it (to try some).
    'lcs-node-options': { type: 'string', default: '' },
    // Telegraf with some of its ten inputs only (comma-separated), to see where its cost is.
    'telegraf-inputs': { type: 'string', default: '' },
  },
});

const say = (line: string): void => sayAs('bench/metrics', line);
const positiveInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, not ${v}`);
  return n;
};
const samples = positiveInt('samples', flags.samples);
const intervalS = positiveInt('interval', flags.interval);
const warmupS = Number(flags.warmup);
if (!(warmupS >= 0)) throw new Error(`--warmup must be seconds ≥ 0, not ${flags.warmup}`);
const KNOWN = ['lcs', 'telegraf', 'collectd'] as const;
type PeerName = (typeof KNOWN)[number];
const peerNames = flags.peers.split(',').filter(Boolean) as PeerName[];
for (const p of peerNames)
  if (!KNOWN.includes(p)) throw new Error(`unknown peer ${p} in --peers (known: ${KNOWN.join(', ')})`);
if (flags['lcs-code'] !== 'compiled' && flags['lcs-code'] !== 'ts')
  throw new Error(`--lcs-code must be compiled or ts, not ${flags['lcs-code']}`);

const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const host = hostname();
const work = mkdtempSync(join(tmpdir(), `lcs-bench-metrics-${runId}-`));

say('starting etcd and InfluxDB (deploy/local)…');
const ep = await up(['etcd', 'influxdb'], { log: say });
const influx = ep.influxdb;

/** How a peer's samples are counted in its database: the intervals with a point of this field. */
interface SampleSeries {
  measurement: string;
  field: string;
}

/** A field each Telegraf input always writes. */
const TELEGRAF_FIELD: Record<string, string> = {
  cpu: 'usage_idle',
  mem: 'total',
  swap: 'total',
  disk: 'total',
  diskio: 'reads',
  net: 'bytes_recv',
  netstat: 'tcp_listen',
  system: 'load1',
  processes: 'total',
  kernel: 'context_switches',
};

interface Prepared {
  name: PeerName;
  version: string;
  database: string;
  series: SampleSeries;
  start(): PeerProcess;
  /** LCS only: its /metrics URL. */
  metricsUrl?: string;
  profileDir?: string;
  buildSeconds?: number;
  cleanup?(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const dbName = (peer: PeerName): string => `bench_metrics_${runId}_${peer}`;

async function prepare(name: PeerName): Promise<Prepared> {
  const database = dbName(name);
  await influxQuery(influx, database, `CREATE DATABASE "${database}"`);
  const dir = join(work, name);
  const cpuTotal: SampleSeries = { measurement: 'cpu', field: 'usage_idle' };
  if (name === 'lcs') {
    const main = flags['lcs-code'] === 'compiled' ? ensureBuild(say) : join(repoRoot, 'cmd/lcs/main.ts');
    const port = await freePort();
    const profileDir = flags.profile ? join(dir, 'profile') : undefined;
    const nodeFlags = [
      ...PROCESS_NODE_FLAGS,
      ...(commands.metrics?.nodeFlags ?? []),
      ...flags['lcs-node-options'].split(/\s+/).filter(Boolean),
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ];
    const args = [
      ...nodeFlags,
      main,
      'metrics',
      ...['--metrics-interval', `${intervalS}s`],
      ...['--metrics-influx-url', influx],
      ...['--metrics-influx-database', database],
      ...['--metrics-pipeline', 'false'],
      ...['--metrics-state-dir', join(dir, 'state')],
      ...['--http-listen', `127.0.0.1:${port}`],
      ...['--etcd-endpoints', ep.etcd],
      ...['--node-name', host],
    ];
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const extra = flags['lcs-node-options'].trim();
    const version = `lcs ${pkg.version} (${flags['lcs-code']}, node ${process.versions.node}${extra ? `, ${extra}` : ''})`;
    return {
      name,
      version,
      database,
      series: cpuTotal,
      metricsUrl: `http://127.0.0.1:${port}`,
      ...(profileDir ? { profileDir } : {}),
      start: () => runPeer(process.execPath, args, { ...process.env, LCS_LOG_LEVEL: 'warn' }),
    };
  }
  if (name === 'telegraf') {
    const b = await ensureTelegraf(say);
    const conf = join(work, 'telegraf.conf');
    const only = flags['telegraf-inputs'].split(',').filter(Boolean);
    for (const i of only)
      if (!(TELEGRAF_INPUTS as readonly string[]).includes(i))
        throw new Error(`--telegraf-inputs: unknown input ${i} (known: ${TELEGRAF_INPUTS.join(', ')})`);
    writeFileSync(
      conf,
      renderTelegrafConfig({
        url: influx,
        database,
        host,
        intervalSeconds: intervalS,
        ...(only.length ? { inputs: only } : {}),
      }),
    );
    return {
      name,
      version: await telegrafVersion(b.bin),
      database,
      series: only.length ? { measurement: only[0]!, field: TELEGRAF_FIELD[only[0]!]! } : cpuTotal,
      ...(b.builtSeconds !== undefined ? { buildSeconds: b.builtSeconds } : {}),
      start: () => startTelegraf(b.bin, conf),
    };
  }
  const version = await ensureCollectd(say);
  const relay = new UdpRelay(influx, database);
  const udpPort = await relay.start();
  mkdirSync(dir, { recursive: true });
  const conf = join(work, 'collectd.conf');
  writeFileSync(conf, renderCollectdConfig({ dir, host, intervalSeconds: intervalS, udpPort }));
  return {
    name,
    version,
    database,
    series: { measurement: 'load', field: 'shortterm' },
    start: () => startCollectd(conf),
    cleanup: () => relay.stop(),
  };
}

/** VmRSS and RssAnon of a process from /proc/<pid>/status, in bytes. */
function memory(pid: number): { rss: number; anon: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon') };
}

/** utime and stime of a process (all its threads), in seconds; undefined once it is gone. */
function cpuTimes(pid: number): { user: number; system: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) / ticksPerSecond(), system: Number(f[12]) / ticksPerSecond() };
}

async function countSamples(p: Prepared, fromS: number, toS: number): Promise<number> {
  const s = p.series;
  const r = await influxQuery(
    influx,
    p.database,
    // Seconds (intervals) with at least one point: disk, diskio and net have several series.
    `SELECT count(v) FROM (SELECT max("${s.field}") AS v FROM "${s.measurement}" WHERE time >= ${fromS}s AND time < ${toS}s GROUP BY time(${intervalS}s))`,
  );
  return Number(r[0]?.values[0]?.[1] ?? 0);
}

/** Points in the window per measurement: per series, the count of its most frequent field. */
async function countPoints(db: string, fromS: number, toS: number): Promise<Record<string, number>> {
  const r: Series[] = await influxQuery(
    influx,
    db,
    `SELECT count(*) FROM /.*/ WHERE time >= ${fromS}s AND time < ${toS}s GROUP BY *`,
  );
  const out: Record<string, number> = {};
  for (const s of r)
    out[s.name] = (out[s.name] ?? 0) + Math.max(0, ...((s.values[0] ?? []).slice(1) as number[]).map(Number));
  return out;
}

/** The LCS gauges that matter here, from its /metrics page. */
async function scrapeLcs(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const l of text.split('\n')) {
    const m =
      /^(lcs_metrics_sample_(?:event_loop_delay|turn_cpu)_seconds\{stat="\w+"\}|lcs_metrics_samples_total|lcs_events_sent_total|lcs_errors_total\{[^}]*\}|lcs_metrics_points_dropped_total\{[^}]*\}|lcs_process_memory_bytes\{[^}]*\}) (\S+)$/.exec(
        l,
      );
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

type Figures = Record<string, unknown>;
interface Running {
  p: Prepared;
  proc: PeerProcess;
  error?: string;
  rss: number[];
  /** RssAnon: the private part of rss (the rest is file-backed: the binary's pages, shared and reclaimable). */
  anon: number[];
  cpu0?: { user: number; system: number };
  cpu1?: { user: number; system: number };
  t0?: number;
  t1?: number;
  lcs0?: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (r: Running): boolean => r.proc.proc.exitCode === null && r.proc.proc.signalCode === null;
const died = (r: Running): string =>
  `exited (${r.proc.proc.exitCode ?? r.proc.proc.signalCode}): ${r.proc.logs().trim().split('\n').slice(-8).join(' | ')}`;

/** Waits for each peer's first sample to land, then the warm-up, then measures them side by side. */
async function measureTogether(prepared: Prepared[]): Promise<Map<PeerName, Figures>> {
  const out = new Map<PeerName, Figures>();
  const running: Running[] = prepared.map((p) => {
    const proc = p.start();
    say(`${p.name} started (pid ${proc.pid}, ${p.version}) → ${p.database}`);
    return { p, proc, rss: [], anon: [] };
  });
  const startedS = Math.floor(Date.now() / 1000);
  const deadline = Date.now() + 60_000 + intervalS * 3000;
  for (const r of running) {
    while (!r.error) {
      if (!alive(r)) r.error = died(r);
      else if ((await countSamples(r.p, startedS - 1, startedS + 3600).catch(() => 0)) > 0) break;
      else if (Date.now() > deadline)
        r.error = `no sample reached InfluxDB within ${Math.round((deadline - startedS * 1000) / 1000)} s; last output: ${r.proc.logs().trim().split('\n').slice(-5).join(' | ')}`;
      else await sleep(250);
    }
    if (!r.error) say(`${r.p.name}: first sample in ${r.p.database}`);
  }
  await sleep(warmupS * 1000);
  const live = () => running.filter((r) => !r.error);
  // The window starts on a whole second, between two samples (every peer samples on or just after the second).
  await sleep(1000 - (Date.now() % 1000) + 500);
  for (const r of live()) {
    r.cpu0 = cpuTimes(r.proc.pid);
    r.t0 = Date.now();
    if (r.p.metricsUrl) r.lcs0 = await scrapeLcs(r.p.metricsUrl).catch(() => ({}));
  }
  const windowStartS = Math.floor(Date.now() / 1000);
  const windowMs = samples * intervalS * 1000;
  const t0 = Date.now();
  let lastPrint = t0;
  while (Date.now() - t0 < windowMs) {
    await sleep(Math.min(1000, windowMs - (Date.now() - t0)));
    for (const r of live()) {
      if (!alive(r)) {
        r.error = died(r);
        say(`${r.p.name}: ${r.error}`);
        continue;
      }
      const st = memory(r.proc.pid);
      if (st) {
        r.rss.push(st.rss);
        r.anon.push(st.anon);
      }
    }
    if (Date.now() - lastPrint >= 30_000) {
      lastPrint = Date.now();
      const done = Math.floor((Date.now() - t0) / (intervalS * 1000));
      const parts = live().map((r) => {
        const c = cpuTimes(r.proc.pid);
        const cpu = c && r.cpu0 ? c.user + c.system - r.cpu0.user - r.cpu0.system : 0;
        return `${r.p.name} ${((cpu * 1000) / Math.max(1, done)).toFixed(1)} ms/sample, rss ${((r.rss.at(-1) ?? 0) / 2 ** 20).toFixed(0)} MB`;
      });
      say(`${done}/${samples} samples (${Math.round((100 * done) / samples)}%): ${parts.join('; ')}`);
    }
  }
  const lcs1 = new Map<PeerName, Record<string, number>>();
  for (const r of live()) {
    r.cpu1 = cpuTimes(r.proc.pid);
    r.t1 = Date.now();
    if (r.p.metricsUrl) lcs1.set(r.p.name, await scrapeLcs(r.p.metricsUrl).catch(() => ({})));
  }
  const windowEndS = windowStartS + samples * intervalS;
  // The window's last samples are still on their way (Telegraf flushes each second, collectd's relay too).
  await sleep(2500 + intervalS * 1000);
  for (const r of running) {
    if (r.error) {
      out.set(r.p.name, { error: r.error });
      continue;
    }
    const f: Figures = {};
    const c0 = r.cpu0!;
    const c1 = r.cpu1 ?? c0;
    const user = c1.user - c0.user;
    const system = c1.system - c0.system;
    const wallS = (r.t1! - r.t0!) / 1000;
    const intervals = wallS / intervalS;
    const written = await countSamples(r.p, windowStartS, windowEndS).catch(() => -1);
    const points = await countPoints(r.p.database, windowStartS, windowEndS).catch(() => ({}));
    const pointTotal = Object.values(points).reduce((a, b) => a + b, 0);
    const sorted = [...r.rss].sort((a, b) => a - b);
    const mb = (b: number) => round(b / 2 ** 20, 1);
    Object.assign(f, {
      version: r.p.version,
      samples: round(intervals, 1),
      samplesWritten: written,
      cpuMsPerSample: round(((user + system) * 1000) / intervals, 2),
      userMsPerSample: round((user * 1000) / intervals, 2),
      systemMsPerSample: round((system * 1000) / intervals, 2),
      cpuPercentOfCore: round((100 * (user + system)) / wallS, 2),
      rssMB: {
        mean: mb(sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length)),
        p50: mb(percentile(sorted, 50)),
        max: mb(sorted.at(-1) ?? 0),
        peak: mb(statusBytes(r.proc.pid, 'VmHWM') ?? 0),
      },
      rssAnonMB: {
        mean: mb(r.anon.reduce((a, b) => a + b, 0) / Math.max(1, r.anon.length)),
        max: mb(Math.max(0, ...r.anon)),
      },
      pointsPerSample: round(pointTotal / Math.max(1, written), 1),
      measurements: Object.keys(points).sort(),
      ...(r.p.buildSeconds !== undefined ? { builtInThisRunSeconds: r.p.buildSeconds } : {}),
    });
    if (r.p.metricsUrl) {
      const m = lcs1.get(r.p.name) ?? {};
      const ms = (name: string, stat: string) => round((m[`${name}{stat="${stat}"}`] ?? NaN) * 1000, 2);
      const stats = (name: string) => ({
        p50: ms(name, 'p50'),
        p99: ms(name, 'p99'),
        max: ms(name, 'max'),
        mean: ms(name, 'mean'),
      });
      f.eventLoopDelayMs = {
        scope:
          'while sampling, every sample since start-up: time between ticks of a 2 ms timer (lcs_metrics_sample_event_loop_delay_seconds)',
        ...stats('lcs_metrics_sample_event_loop_delay_seconds'),
        readings: m['lcs_metrics_sample_event_loop_delay_seconds{stat="count"}'],
      };
      f.turnCpuMs = {
        scope: 'CPU of the event-loop thread between the same ticks (lcs_metrics_sample_turn_cpu_seconds)',
        ...stats('lcs_metrics_sample_turn_cpu_seconds'),
      };
      f.memoryMB = Object.fromEntries(
        Object.entries(m)
          .filter(([k]) => k.startsWith('lcs_process_memory_bytes'))
          .map(([k, v]) => [/kind="(\w+)"/.exec(k)?.[1] ?? k, round(v / 2 ** 20, 1)]),
      );
      f.samplesTaken = (m['lcs_metrics_samples_total'] ?? 0) - (r.lcs0?.['lcs_metrics_samples_total'] ?? 0);
      const errors = Object.entries(m).filter(([k, v]) => k.startsWith('lcs_errors_total') && v > 0);
      if (errors.length) f.errors = Object.fromEntries(errors);
    }
    out.set(r.p.name, f);
  }
  for (const r of running) await r.proc.stop();
  for (const r of running) {
    const f = out.get(r.p.name)!;
    if (r.p.profileDir && !f.error) {
      const prof = readdirSync(r.p.profileDir).find((x) => x.endsWith('.cpuprofile'));
      if (prof) f.profile = summarise(join(r.p.profileDir, prof), repoRoot) satisfies ProfileSummary;
    }
  }
  return out;
}

const figures: Record<string, Figures> = {};
const prepared: Prepared[] = [];
for (const name of peerNames) {
  try {
    prepared.push(await prepare(name));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    say(`${name}: cannot be prepared: ${message.split('\n')[0]}`);
    figures[name] = { error: message };
  }
}

/** What a sample's cost grows with: processes (processes, Telegraf's netstat walks their fds) and sockets. */
function hostSize(): { processes: number; tcpSockets: number } {
  const processes = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
  let tcpSockets = 0;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6'])
    try {
      tcpSockets += readFileSync(f, 'utf8').trim().split('\n').length - 1;
    } catch {
      // No IPv6.
    }
  return { processes, tcpSockets };
}

const load0 = loadavg();
const size0 = hostSize();
const started = Date.now();
say(
  `${prepared.length} peers, ${samples} samples at ${intervalS} s each, ${flags.sequential ? 'one after another' : 'side by side'} (~${Math.ceil(((flags.sequential ? prepared.length : 1) * samples * intervalS + 20) / 60)} min)`,
);
try {
  const groups = flags.sequential ? prepared.map((p) => [p]) : [prepared];
  for (const g of groups) {
    try {
      for (const [k, v] of await measureTogether(g)) figures[k] = v;
    } catch (err) {
      for (const p of g) figures[p.name] ??= { error: (err as Error).message };
    }
  }
} finally {
  for (const p of prepared) await p.cleanup?.();
  if (!flags.keep) {
    for (const p of prepared)
      await influxQuery(influx, p.database, `DROP DATABASE "${p.database}"`).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  } else say(`kept the databases bench_metrics_${runId}_* and ${work}`);
}

const lcs = figures.lcs as { cpuMsPerSample?: number; rssMB?: { peak: number; max: number } } | undefined;
const telegraf = figures.telegraf as { cpuMsPerSample?: number } | undefined;
const result = {
  bench: 'metrics',
  run: runId,
  date: new Date(started).toISOString(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGB: round(totalmem() / 2 ** 30, 1),
    kernel: release(),
    loadBefore: load0.map((l) => round(l, 2)),
    loadAfter: loadavg().map((l) => round(l, 2)),
    before: size0,
    after: hostSize(),
  },
  intervalSeconds: intervalS,
  samples,
  mode: flags.sequential ? 'sequential' : 'concurrent',
  peers: figures,
  targets: {
    cpuPerSampleAtMostTelegraf:
      lcs?.cpuMsPerSample !== undefined && telegraf?.cpuMsPerSample !== undefined
        ? lcs.cpuMsPerSample <= telegraf.cpuMsPerSample
        : null,
    lcsOverTelegrafCpu:
      lcs?.cpuMsPerSample !== undefined && telegraf?.cpuMsPerSample
        ? round(lcs.cpuMsPerSample / telegraf.cpuMsPerSample, 2)
        : null,
    rssUnder60MB: lcs?.rssMB ? lcs.rssMB.peak < 60 : null,
  },
};
process.stdout.write(JSON.stringify(result, null, 2) + '\n');
process.exit(0);
