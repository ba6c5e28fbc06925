// The fault schedule (docs/reliability.md "The fault schedule"): three agents (three node
// names, each following its own file) and two transfer replicas on the clusters — Kafka ×3,
// etcd ×3, Elasticsearch ×3 — while a writer appends numbered lines at a fixed rate and a
// schedule, one fault at a time, kills brokers (-9), restarts them in turn, kills the etcd
// leader, stops an Elasticsearch node, kills an agent and a transfer (-9) and cuts links
// through TCP proxies. After each fault the newest line of every file must reach
// Elasticsearch again within BOUND_S; at the end every line must be there exactly once, and
// the components' RSS and open file descriptors must not grow. Bounded in time
// (LCS_FAULT_MINUTES, default 10; 60 with LCS_SOAK=1, which `npm test -- --soak` sets) and
// in count (LCS_FAULT_MAX); the rate is LCS_FAULT_RATE lines/s over the three files.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Etcd3 } from 'etcd3';
import { Kafka, logLevel } from 'kafkajs';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { KafkaCluster } from '../../deploy/local/kafka-cluster.ts';
import { EtcdCluster } from '../../deploy/local/etcd-cluster.ts';
import { ElasticsearchCluster } from '../../deploy/local/elasticsearch-cluster.ts';
import { servicesDir } from '../../deploy/local/layout.ts';
import { newPipeline } from '../support/pipeline.ts';
import { startLcs, type LcsProcess } from '../support/lcs-process.ts';
import { startProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait.ts';
import { checkLines, newestLines, Sampler, type FileCheck } from './harness.ts';
import { LINE_BYTES, startFaultWriter, type FaultWriterResult } from './writer.ts';

const soak = process.env.LCS_SOAK === '1';
const MINUTES = Number(process.env.LCS_FAULT_MINUTES ?? (soak ? 60 : 10));
const RATE = Number(process.env.LCS_FAULT_RATE ?? 5000);
const MAX_FAULTS = Number(process.env.LCS_FAULT_MAX ?? 500);
/** After each fault, the newest line of every file reaches Elasticsearch within this (a deadline). */
const BOUND_S = Number(process.env.LCS_FAULT_BOUND_S ?? 120);
/** After the writer stops, everything written reaches Elasticsearch within this. */
const CATCH_UP_S = Number(process.env.LCS_FAULT_CATCH_UP_S ?? 900);
/** Steady running between two faults: part of the schedule, not synchronisation. */
const QUIET_MS = 10_000;
const say = (line: string) => process.stdout.write(`# ${line}\n`);

const p = newPipeline('faults');
const kafkaCluster = new KafkaCluster({
  dir: join(p.dir, 'kafka-cluster'),
  basePort: Number(process.env.LCS_TEST_KAFKA_CLUSTER_PORT ?? 39092),
  log: say,
});
const etcdCluster = new EtcdCluster({
  dir: join(p.dir, 'etcd-cluster'),
  basePort: Number(process.env.LCS_TEST_ETCD_CLUSTER_PORT ?? 39379),
  log: say,
});
const esDir = join(servicesDir(), `es-faults-${p.id}`);
const esCluster = new ElasticsearchCluster({
  dir: esDir,
  basePort: Number(process.env.LCS_TEST_ES_CLUSTER_PORT ?? 39200),
  log: say,
});
const topic = `faults-${p.id}`;
const base = `faults-${p.id}`;
const pattern = `${base}-*`;
const nodes = [1, 2, 3].map((k) => ({
  k,
  name: `fault-n${k}-${p.id}`,
  dir: join(p.dir, `n${k}`),
  file: join(p.dir, `n${k}`, 'app.log'),
}));
const kafka = new Kafka({
  brokers: kafkaCluster.brokers(),
  clientId: 'lcs-test-faults',
  logLevel: logLevel.NOTHING,
});
const etcd = new Etcd3({ hosts: etcdCluster.endpoints() });
let etcdProxies: TcpProxy[] = [];
let esProxies: TcpProxy[] = [];
const agents: (LcsProcess | undefined)[] = [undefined, undefined, undefined];
const transfers: (LcsProcess | undefined)[] = [undefined, undefined];
let writer: ReturnType<typeof startFaultWriter> | undefined;
const sampler = new Sampler({
  ...Object.fromEntries(nodes.map((n, i) => [`agent-n${n.k}`, () => agents[i]?.proc.pid])),
  'transfer-t1': () => transfers[0]?.proc.pid,
  'transfer-t2': () => transfers[1]?.proc.pid,
});

function startAgent(i: number): void {
  const n = nodes[i]!;
  agents[i] = startLcs('agent', [], {
    env: {
      LCS_NODE_NAME: n.name,
      LCS_STATE_DIR: join(p.dir, `.state-n${n.k}`),
      // Each agent may read only its own folder: of the entry's three files it follows its own.
      LCS_ALLOWED_ROOTS: n.dir,
      LCS_ETCD_ENDPOINTS: etcdProxies.map((x) => `http://127.0.0.1:${x.port}`).join(','),
      LCS_KAFKA_BROKERS: kafkaCluster.brokers().join(','),
      LCS_STATUS_INTERVAL: '2s',
    },
    logDir: p.logDir,
    name: `agent-n${n.k}`,
  });
}

function startTransfer(i: number): void {
  transfers[i] = startLcs('transfer', [], {
    env: {
      LCS_NODE_NAME: `fault-t${i + 1}-${p.id}`,
      LCS_TRANSFER_MEMBER: `fault-t${i + 1}-${p.id}`,
      LCS_TRANSFER_GROUP_ID: `lcs-transfer-${p.id}`,
      LCS_TRANSFER_INDEX_REPLICAS: '1',
      LCS_ETCD_ENDPOINTS: etcdCluster.endpoints().join(','),
      LCS_KAFKA_BROKERS: kafkaCluster.brokers().join(','),
      LCS_ELASTICSEARCH_URL: esProxies.map((x) => `http://127.0.0.1:${x.port}`).join(','),
      LCS_STATUS_INTERVAL: '2s',
    },
    logDir: p.logDir,
    name: `transfer-t${i + 1}`,
  });
}

before(async () => {
  for (const n of nodes) {
    mkdirSync(n.dir, { recursive: true });
    writeFileSync(n.file, '');
  }
  await Promise.all([etcdCluster.up(), kafkaCluster.up()]);
  await esCluster.up();
  etcdProxies = await Promise.all(etcdCluster.ids().map((i) => startProxy('127.0.0.1', etcdCluster.port(i))));
  esProxies = await Promise.all(esCluster.ids().map((i) => startProxy('127.0.0.1', esCluster.port(i))));
});

after(async () => {
  sampler.stop();
  await writer?.stop().catch(() => undefined);
  await Promise.all([...agents, ...transfers].map((x) => x?.stop()));
  await Promise.all([...etcdProxies, ...esProxies].map((x) => x.close()));
  etcd.close();
  await esCluster.down().catch(() => {});
  await kafkaCluster.down().catch(() => {});
  await etcdCluster.down().catch(() => {});
  rmSync(esDir, { recursive: true, force: true });
  rmSync(join(p.dir, 'kafka-cluster'), { recursive: true, force: true });
  rmSync(join(p.dir, 'etcd-cluster'), { recursive: true, force: true });
  // The written files are hundreds of MB; the processes' logs and the summary stay.
  for (const n of nodes) rmSync(n.file, { force: true });
});

/** Lines each file holds now (every line is LINE_BYTES long). */
const writtenNow = (): number[] => nodes.map((n) => Math.floor(statSync(n.file).size / LINE_BYTES));

/** Whether the newest line of every file in Elasticsearch is at least `mark` (per file). */
async function delivered(mark: number[]): Promise<boolean> {
  const newest = await newestLines(esCluster.urls(), pattern);
  return nodes.every((n, i) => (newest.get(n.file) ?? -1) >= mark[i]! - 1);
}

async function fullyReplicated(): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    return md.topics[0]!.partitions.every((q) => q.isr.length === 3 && q.leader >= 0);
  } finally {
    await admin.disconnect();
  }
}

async function esGreen(): Promise<boolean> {
  for (const url of esCluster.urls()) {
    try {
      const res = await fetch(`${url}/_cluster/health?timeout=2s`, { signal: AbortSignal.timeout(5000) });
      const h = (await res.json()) as { status?: string; number_of_nodes?: number };
      return h.status === 'green' && h.number_of_nodes === 3;
    } catch {
      // the next node
    }
  }
  return false;
}

interface FaultRecord {
  fault: string;
  injectedAt: string;
  /** Injection for a fault the pipeline must ride through; the heal for an outage. */
  measuredFrom: 'injection' | 'heal';
  heldS: number;
  recoveredS: number | null;
  boundS: number;
  error?: string;
}

interface Fault {
  name: string;
  /** The pipeline must deliver while the fault lasts (e.g. one broker of three down). */
  tolerated: boolean;
  holdMs: number;
  inject: () => Promise<unknown>;
  heal: () => Promise<unknown>;
  /** Back to the full cluster before the next fault (a broker in sync, the cluster green). */
  settle: () => Promise<unknown>;
}

async function runFault(f: Fault): Promise<FaultRecord> {
  say(`fault: ${f.name}`);
  const injectedAt = Date.now();
  const rec: FaultRecord = {
    fault: f.name,
    injectedAt: new Date(injectedAt).toISOString(),
    measuredFrom: f.tolerated ? 'injection' : 'heal',
    heldS: f.holdMs / 1000,
    recoveredS: null,
    boundS: BOUND_S,
  };
  const awaitDelivery = async (from: number) => {
    const mark = writtenNow();
    try {
      await waitFor(
        `every file's line ${JSON.stringify(mark)} in Elasticsearch after "${f.name}"`,
        () => delivered(mark),
        {
          timeoutMs: BOUND_S * 1000,
          intervalMs: 250,
        },
      );
      rec.recoveredS = Math.round((Date.now() - from) / 100) / 10;
    } catch (err) {
      rec.error = (err as Error).message;
    }
  };
  await f.inject();
  if (f.tolerated) await awaitDelivery(injectedAt);
  const left = f.holdMs - (Date.now() - injectedAt);
  if (left > 0) await new Promise((r) => setTimeout(r, left)); // the fault's length, not synchronisation
  await f.heal();
  if (!f.tolerated) await awaitDelivery(Date.now());
  await f.settle();
  say(
    `  ${rec.recoveredS === null ? `NOT delivering within ${BOUND_S} s` : `delivering again after ${rec.recoveredS} s`}`,
  );
  return rec;
}

/** One round of the schedule; `round` picks which broker, node, agent and replica this time. */
function schedule(round: number): Fault[] {
  const broker = (round % 3) + 1;
  const esNode = ((round + 1) % 3) + 1;
  const agent = round % 3;
  const replica = round % 2;
  const brokerBack = async (b: number) => {
    kafkaCluster.spawn(b);
    await kafkaCluster.waitServing(b);
  };
  const inSync = () =>
    waitFor(`every replica of ${topic} in sync`, fullyReplicated, { timeoutMs: 180_000, intervalMs: 1000 });
  let leader = 0;
  return [
    {
      name: `Kafka broker ${broker} killed (-9)`,
      tolerated: true,
      holdMs: 20_000,
      inject: () => kafkaCluster.stop(broker, { kill: true }),
      heal: () => brokerBack(broker),
      settle: inSync,
    },
    ...kafkaCluster.ids().map((b): Fault => ({
      name: `Kafka rolling restart: broker ${b} stopped`,
      tolerated: true,
      holdMs: 5_000,
      inject: () => kafkaCluster.stop(b),
      heal: () => brokerBack(b),
      settle: inSync,
    })),
    {
      name: 'etcd leader killed (-9)',
      tolerated: true,
      holdMs: 10_000,
      inject: async () => {
        leader = await waitFor('an etcd leader', () => etcdCluster.leader(), { timeoutMs: 60_000 });
        await etcdCluster.stop(leader, { kill: true });
      },
      heal: async () => etcdCluster.spawn(leader),
      settle: () => etcdCluster.waitHealthy(leader),
    },
    {
      name: `Elasticsearch node ${esNode} stopped`,
      tolerated: true,
      holdMs: 30_000,
      inject: () => esCluster.stop(esNode),
      heal: () => esCluster.spawn(esNode),
      settle: async () => {
        await esCluster.waitServing(esNode);
        await waitFor('the Elasticsearch cluster green', esGreen, { timeoutMs: 300_000, intervalMs: 1000 });
      },
    },
    {
      name: `agent n${agent + 1} killed (-9), restarted after 5 s`,
      tolerated: false,
      holdMs: 5_000,
      inject: () => agents[agent]!.kill9(),
      heal: async () => startAgent(agent),
      settle: async () => {},
    },
    {
      name: `transfer t${replica + 1} killed (-9), restarted after 20 s`,
      tolerated: true,
      holdMs: 20_000,
      inject: () => transfers[replica]!.kill9(),
      heal: async () => startTransfer(replica),
      settle: async () => {},
    },
    {
      name: 'the transfers cut off from Elasticsearch (TCP proxies) for 30 s',
      tolerated: false,
      holdMs: 30_000,
      inject: async () => esProxies.forEach((x) => x.cut()),
      heal: async () => esProxies.forEach((x) => x.restore()),
      settle: async () => {},
    },
    {
      name: 'the agents cut off from etcd (TCP proxies) for 30 s',
      tolerated: true,
      holdMs: 30_000,
      inject: async () => etcdProxies.forEach((x) => x.cut()),
      heal: async () => etcdProxies.forEach((x) => x.restore()),
      settle: async () => {},
    },
  ];
}

test(
  `fault schedule for ${MINUTES} min at ${RATE} lines/s over three agents: every line once, delivery again within ${BOUND_S} s of each fault, RSS and fds flat`,
  { timeout: (MINUTES * 60 + CATCH_UP_S + 1800) * 1000 },
  async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic,
          numPartitions: 6,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
    await etcd.put(adhocEntryKey(`faults-${p.id}`)).value(
      JSON.stringify({
        source: { files: { paths: nodes.map((n) => n.file) } },
        topic,
        index: base,
        startAt: 'beginning',
      }),
    );
    for (let i = 0; i < 3; i++) startAgent(i);
    for (let i = 0; i < 2; i++) startTransfer(i);

    const startedAt = Date.now();
    writer = startFaultWriter({ files: nodes.map((n) => n.file), perSecond: RATE });
    sampler.start();
    await waitFor('the first lines of every file in Elasticsearch', () => delivered([1000, 1000, 1000]), {
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    say(`pipeline delivering ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the writer started`);

    const faults: FaultRecord[] = [];
    const endAt = startedAt + MINUTES * 60_000;
    for (let round = 0; Date.now() < endAt && faults.length < MAX_FAULTS; round++) {
      for (const f of schedule(round)) {
        if (Date.now() >= endAt || faults.length >= MAX_FAULTS) break;
        await new Promise((r) => setTimeout(r, QUIET_MS)); // steady running between faults, not synchronisation
        faults.push(await runFault(f));
      }
    }

    const w: FaultWriterResult = await writer.stop();
    writer = undefined;
    const stoppedAt = Date.now();
    const total = w.written.reduce((a, b) => a + b, 0);
    say(
      `writer stopped: ${total} lines in ${w.seconds.toFixed(0)} s (${(total / w.seconds).toFixed(0)} lines/s; most behind its rate: ${w.lagMaxLines} lines)`,
    );
    let catchUpS: number | null = null;
    try {
      await waitFor('every written line in Elasticsearch', () => delivered(w.written), {
        timeoutMs: CATCH_UP_S * 1000,
        intervalMs: 1000,
      });
      catchUpS = Math.round((Date.now() - stoppedAt) / 100) / 10;
    } catch (err) {
      say((err as Error).message);
    }
    // Then the count must settle at every line once: a resend still in flight would show here.
    const checks: FileCheck[] = await checkLines(
      esCluster.urls(),
      pattern,
      new Map(nodes.map((n, i) => [n.file, w.written[i]!])),
    );
    sampler.stop();
    const resources = sampler.summary();
    const summary = {
      minutes: MINUTES,
      targetRate: RATE,
      achievedRate: Math.round(total / w.seconds),
      writerMostBehindLines: w.lagMaxLines,
      lines: total,
      lost: checks.reduce((s, c) => s + c.lost, 0),
      duplicated: checks.reduce((s, c) => s + c.duplicated, 0),
      catchUpAfterWriterStoppedS: catchUpS,
      faults,
      files: checks.map((c) => ({ ...c, file: c.file.slice(p.dir.length + 1) })),
      resources,
      folder: p.dir,
    };
    const json = JSON.stringify(summary, null, 2);
    writeFileSync(join(p.dir, 'summary.json'), json + '\n');
    process.stdout.write(json.replace(/^/gm, '# ') + '\n');

    assert.deepEqual(
      faults.filter((f) => f.recoveredS === null).map((f) => `${f.fault}: ${f.error}`),
      [],
      `the pipeline delivers again within ${BOUND_S} s of every fault`,
    );
    assert.notEqual(
      catchUpS,
      null,
      `everything written reaches Elasticsearch within ${CATCH_UP_S} s of the writer's stop`,
    );
    for (const c of checks) {
      assert.equal(c.lost, 0, `${c.file}: no line lost (first: ${c.lostSample.join(', ')})`);
      assert.equal(c.duplicated, 0, `${c.file}: no line twice (first: ${c.duplicatedSample.join(', ')})`);
      assert.equal(c.documents, c.written, `${c.file}: one document per line`);
    }
    for (const [role, r] of Object.entries(resources)) {
      assert.ok(
        r.lastThirdMaxFds <= r.middleThirdMaxFds + 20,
        `${role}: open fds flat (${JSON.stringify(r)})`,
      );
      assert.ok(
        r.lastThirdMaxRssMB <= r.middleThirdMaxRssMB * 1.5,
        `${role}: RSS flat (${JSON.stringify(r)})`,
      );
    }
  },
);
