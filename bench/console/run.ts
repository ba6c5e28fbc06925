// The console at scale (issue 11): 50,000 collect entries under the prefix and 500 agents
// reporting every 5 s (100 status writes per second), on an etcd of its own so the figures
// are this benchmark's data only. Measures, against raw etcd in the same run as the peer (the
// same range with etcd3, the same watch): the first page of Keys, a prefix search in Keys,
// the first page of Collections and a search in it, and how long a status change takes to
// reach an open page over SSE. The console runs as its own process (`lcs console`); its RSS
// and CPU are reported too. Targets: pages < 1 s, status change < 2 s.
// Usage: sh deploy/local/run.sh bench/console/run.ts [--keys 50000] [--agents 500] [--samples 20]

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { ADHOC_PREFIX, agentStatusKey } from '../../common/keyspace.ts';
import { arg, percentile, round, say as sayAs } from '../support.ts';

const say = (l: string) => sayAs('bench:console', l);
const KEYS = arg('keys', 50_000);
const AGENTS = arg('agents', 500);
const SAMPLES = arg('samples', 20);
const PORT = arg('etcd-port', 39579);
const ROOT = join(import.meta.dirname, '../..');
const PROBES = Math.min(20, AGENTS);

const dir = mkdtempSync(join(tmpdir(), 'lcs-bench-console-'));
const cluster = new EtcdCluster({ dir, basePort: PORT, members: 1, log: say });
let consoleProc: ReturnType<typeof spawn> | undefined;
let stopping = false;
const cleanup = async () => {
  stopping = true;
  consoleProc?.kill('SIGTERM');
  await cluster.down().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  say('interrupted: stopping the console and the etcd of this run');
  void cleanup().then(() => process.exit(130));
});

const name = (i: number) => `bench-${String(i).padStart(5, '0')}`;
const entry = (i: number) =>
  JSON.stringify({
    source: { files: { paths: [`/var/log/bench/${name(i)}/*.log`] } },
    topic: `bench-${i % 50}`,
  });

function status(a: number, now: string) {
  const collections: Record<string, unknown> = {};
  const tailers = [];
  for (let k = 0; k < 4; k++) {
    const c = `adhoc/${name((a * 97 + k) % KEYS)}`;
    collections[c] = { topic: 'bench', modRevision: 1, files: 1, eventsPerSec: 10, errors: [] };
    tailers.push({
      collection: c,
      file: `/var/log/bench/${a}/${k}.log`,
      state: 'reading',
      offset: 1000,
      size: 1000,
      lagBytes: 0,
      eventsPerSec: 10,
    });
  }
  return JSON.stringify({
    node: `bench-node-${a}`,
    pid: 1,
    startedAt: now,
    updatedAt: now,
    configRevision: 1,
    etcd: { connected: true },
    kafka: { connected: true, bufferedBytes: 0 },
    collections,
    rejected: {},
    tailers,
  });
}

async function timed(
  samples: number,
  f: () => Promise<void>,
): Promise<{ medianMs: number; p95Ms: number; maxMs: number }> {
  const t: number[] = [];
  for (let i = 0; i < samples; i++) {
    const s = performance.now();
    await f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return {
    medianMs: round(percentile(t, 50), 1),
    p95Ms: round(percentile(t, 95), 1),
    maxMs: round(t.at(-1)!, 1),
  };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${(await r.text()).slice(0, 200)}`);
  return (await r.json()) as Record<string, unknown>;
}

function procStats(pid: number): { rssMb: number; peakRssMb: number; cpuS: number } {
  const st = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(st)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    rssMb: round(kb('VmRSS') / 1024, 1),
    peakRssMb: round(kb('VmHWM') / 1024, 1),
    cpuS: round((Number(f[11]) + Number(f[12])) / 100, 2),
  };
}

async function main() {
  await cluster.up();
  const endpoint = cluster.endpoints()[0]!;
  const etcd = new Etcd3({ hosts: endpoint });
  say(`writing ${KEYS} collect entries…`);
  const t0 = performance.now();
  for (let i = 0; i < KEYS; i += 100 * 8) {
    await Promise.all(
      Array.from({ length: 8 }, async (_, b) => {
        const from = i + b * 100;
        const ops = [];
        for (let k = from; k < Math.min(KEYS, from + 100); k++)
          ops.push(etcd.put(`${ADHOC_PREFIX}${name(k)}`).value(entry(k)));
        if (ops.length)
          await etcd
            .if(`${ADHOC_PREFIX}x`, 'Create', '==', 0)
            .then(...ops)
            .commit();
      }),
    );
    if ((i / 800) % 10 === 0) say(`  ${Math.min(KEYS, i + 800)} of ${KEYS}`);
  }
  say(`entries written in ${round((performance.now() - t0) / 1000, 1)} s; ${AGENTS} agents report every 5 s`);
  const lease = etcd.lease(120);
  await Promise.all(
    Array.from({ length: AGENTS }, (_, a) =>
      lease.put(agentStatusKey(`bench-node-${a}`)).value(status(a, new Date().toISOString())),
    ),
  );
  // The background: every agent but the probes rewrites its record every 5 s, spread evenly.
  const writers = AGENTS - PROBES;
  let next = 0;
  const bg = setInterval(() => {
    if (stopping) return;
    const a = next++ % writers;
    void lease
      .put(agentStatusKey(`bench-node-${a}`))
      .value(status(a, new Date().toISOString()))
      .catch(() => {});
  }, 5000 / writers);

  say('starting lcs console…');
  const listen = `127.0.0.1:${PORT + 10}`;
  const base = `http://${listen}`;
  const started = performance.now();
  consoleProc = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', join(ROOT, 'cmd/lcs/main.ts'), 'console'],
    {
      env: {
        ...process.env,
        LCS_ETCD_ENDPOINTS: endpoint,
        LCS_CONSOLE_LISTEN: listen,
        LCS_LOG_LEVEL: 'warn',
        LCS_CONSOLE_DEAD_LETTERS: 'false',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (;;) {
    try {
      const r = await getJson(`${base}/api/collections?limit=1`);
      if (Number(r.total) >= KEYS) break;
    } catch {
      /* not listening yet */
    }
    if (consoleProc.exitCode !== null) throw new Error('lcs console exited during start-up');
    await new Promise((r) => setTimeout(r, 200));
  }
  const readyS = round((performance.now() - started) / 1000, 1);
  say(`console ready with ${KEYS} entries in ${readyS} s; measuring ${SAMPLES} samples each…`);

  const pfx = encodeURIComponent(ADHOC_PREFIX);
  const narrow = `${ADHOC_PREFIX}${name(Math.floor(KEYS / 2)).slice(0, -2)}`;
  const figures = {
    keysFirstPage: {
      console: await timed(
        SAMPLES,
        async () => void (await getJson(`${base}/api/keys?prefix=${pfx}&limit=100`)),
      ),
      etcd: await timed(
        SAMPLES,
        async () => void (await etcd.getAll().prefix(ADHOC_PREFIX).limit(100).keys()),
      ),
    },
    keysPrefixSearch: {
      prefix: narrow,
      console: await timed(
        SAMPLES,
        async () => void (await getJson(`${base}/api/keys?prefix=${encodeURIComponent(narrow)}&limit=100`)),
      ),
      etcd: await timed(SAMPLES, async () => void (await etcd.getAll().prefix(narrow).limit(100).keys())),
    },
    collectionsFirstPage: {
      console: await timed(SAMPLES, async () => void (await getJson(`${base}/api/collections?limit=500`))),
    },
    collectionsSearch: {
      console: await timed(
        SAMPLES,
        async () => void (await getJson(`${base}/api/collections?q=${name(4242).slice(0, -1)}&limit=500`)),
      ),
    },
    statusChangeToPage: await statusToPage(base, lease, etcd),
  };
  clearInterval(bg);
  const proc = procStats(consoleProc.pid!);
  const result = {
    bench: 'console',
    keys: KEYS,
    agents: AGENTS,
    backgroundStatusWritesPerSec: round(writers / 5),
    consoleReadyS: readyS,
    ...figures,
    consoleProcess: proc,
    targets: {
      pagesUnder1s: [
        figures.keysFirstPage,
        figures.keysPrefixSearch,
        figures.collectionsFirstPage,
        figures.collectionsSearch,
      ].every((f) => f.console.p95Ms < 1000),
      statusUnder2s: figures.statusChangeToPage.console.p95Ms < 2000,
    },
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  etcd.close();
}

/** A probe agent's record rewritten; the time until an open page's SSE stream says so, and a raw etcd watch as the peer. */
async function statusToPage(base: string, lease: ReturnType<Etcd3['lease']>, etcd: Etcd3) {
  const waiting = new Map<string, (t: number) => void>();
  const ac = new AbortController();
  const res = await fetch(`${base}/api/events`, { signal: ac.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.startsWith('event: node')) continue;
          const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { name: string };
          waiting.get(data.name)?.(performance.now());
        }
      }
    } catch {
      /* aborted */
    }
  })();
  const watcher = await etcd.watch().prefix('/lcs/v1/status/agents/').create();
  const watched = new Map<string, (t: number) => void>();
  watcher.on('put', (kv) =>
    watched.get(kv.key.toString().slice('/lcs/v1/status/agents/'.length))?.(performance.now()),
  );
  const consoleMs: number[] = [];
  const etcdMs: number[] = [];
  const timeout = <T>(p: Promise<T>, what: string) =>
    Promise.race([
      p,
      new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`${what}: no event within 10 s`)), 10_000)),
    ]);
  let failures = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const a = AGENTS - PROBES + (s % PROBES);
    const node = `bench-node-${a}`;
    const seenByPage = new Promise<number>((r) => waiting.set(node, r));
    const seenByEtcd = new Promise<number>((r) => watched.set(node, r));
    const t = performance.now();
    await lease.put(agentStatusKey(node)).value(status(a, new Date().toISOString()));
    try {
      const [p, e] = await timeout(Promise.all([seenByPage, seenByEtcd]), node);
      consoleMs.push(p - t);
      etcdMs.push(e - t);
    } catch {
      failures++;
    }
    waiting.delete(node);
    watched.delete(node);
  }
  ac.abort();
  await watcher.cancel();
  const fig = (t: number[]) => {
    t.sort((x, y) => x - y);
    return {
      medianMs: round(percentile(t, 50), 1),
      p95Ms: round(percentile(t, 95), 1),
      maxMs: round(t.at(-1) ?? NaN, 1),
    };
  };
  return { console: fig(consoleMs), etcdWatch: fig(etcdMs), missed: failures };
}

main()
  .catch((err) => {
    process.stdout.write(JSON.stringify({ bench: 'console', error: (err as Error).message }) + '\n');
    process.exitCode = 1;
  })
  .finally(() => cleanup());
