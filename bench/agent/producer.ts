// Producer-only micro-benchmark: is the Kafka client the agent's bottleneck? Sends records
// shaped like the agent's (same JSON size, one key per file) through each RecordProducer the
// way the sink does (batches of ~batchBytes, one request in flight, acks=all), and reports the
// client's CPU per record. Then reads each topic back to check every record arrived and each
// key's records kept their order.
//
//   sh deploy/local/run.sh bench/agent/producer.ts [--records 500000] [--keys 100]
//      [--batch-bytes 524288] [--clients direct,kafkajs,platformatic] [--no-verify]

import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { up } from '../../deploy/local/services.ts';
import type { RecordProducer } from '../../agent/sink.ts';
import { blockOf } from '../../agent/record-block.ts';
import { KafkajsProducer } from './clients/kafkajs.ts';
import { line } from './corpus.ts';
import { round } from './measure.ts';
import { topicEnd } from './measure.ts';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    keys: { type: 'string', default: '100' },
    'batch-bytes': { type: 'string', default: String(512 * 1024) },
    clients: { type: 'string', default: 'direct,kafkajs,platformatic' },
    'no-verify': { type: 'boolean', default: false },
  },
});
const say = (l: string): void => void process.stderr.write(`[bench/agent/producer] ${l}\n`);
const records = Number(flags.records);
const keys = Number(flags.keys);
const batchBytes = Number(flags['batch-bytes']);
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;

const ep = await up(['etcd', 'kafka'], { log: say });
const kafka = new Kafka({ brokers: [ep.kafka], clientId: 'lcs-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

async function makeProducer(name: string): Promise<RecordProducer> {
  const config = {
    brokers: [ep.kafka],
    clientId: 'lcs-bench-producer',
    connectionTimeout: 3000,
    requestTimeout: 30000,
  };
  if (name === 'kafkajs') return new KafkajsProducer(config);
  if (name === 'direct') {
    const { DirectProducer } = await import('../../agent/direct-producer.ts');
    return new DirectProducer(config);
  }
  if (name === 'platformatic') {
    const { PlatformaticProducer } = await import('./clients/platformatic.ts');
    return new PlatformaticProducer(config);
  }
  throw new Error(`unknown client ${name}`);
}

/** The agent's record for line n of file k (what fitRecord returns), built up front. */
function record(k: number, n: number): { key: string; value: string } {
  return {
    key: `bench-node/1e68-${k.toString(36)}-1153637459a896c7`,
    value: JSON.stringify({
      '@timestamp': new Date().toISOString(),
      message: line(k, n, 200).trimEnd(),
      event: { id: 'PFNuHCPmRUWBrYGbQv-ibUUrQNl' },
      log: { file: { path: `/var/log/bench/app-${k}.log` }, offset: n * 200 },
      host: { name: 'bench-node' },
      collection: { name: 'adhoc/bench' },
    }),
  };
}

async function verify(topic: string): Promise<{ arrived: number; orderViolations: number }> {
  const consumer = kafka.consumer({ groupId: `bench-verify-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const lastSeq = new Map<string, number>();
  let arrived = 0;
  let violations = 0;
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          arrived++;
          const key = m.key!.toString();
          const seq = Number(/seq=(\d+)/.exec(m.value!.toString())![1]);
          if ((lastSeq.get(key) ?? -1) >= seq) violations++;
          lastSeq.set(key, seq);
        }
        if (arrived >= records) resolve();
      },
    });
  });
  await consumer.disconnect();
  return { arrived, orderViolations: violations };
}

const out: Record<string, unknown> = { records, keys, batchBytes, acks: 'all' };
const topics: string[] = [];
for (const client of flags.clients.split(',')) {
  const topic = `bench-agent-producer-${runId}-${client}`;
  topics.push(topic);
  await admin.createTopics({
    topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  say(`${client}: building ${records} records…`);
  const recs = Array.from({ length: records }, (_, i) => record(i % keys, Math.floor(i / keys)));
  const producer = await makeProducer(client);
  await producer.connect();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  let lastPrint = t0;
  while (sent < records) {
    const batch: { topic: string; key: string; value: string }[] = [];
    let size = 0;
    while (sent < records && size < batchBytes) {
      const r = recs[sent++]!;
      batch.push({ topic, key: r.key, value: r.value });
      size += r.value.length + r.key.length + 64;
    }
    await producer.send(blockOf(batch));
    if (performance.now() - lastPrint > 2000) {
      lastPrint = performance.now();
      say(`${client}: ${sent}/${records} acked`);
    }
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  await producer.disconnect();
  const end = await topicEnd(admin, topic);
  const check = flags['no-verify'] ? undefined : await verify(topic);
  out[client] = {
    wallSeconds: round(wall, 2),
    recordsPerSecond: Math.round(records / wall),
    cpuSeconds: round(cpuS, 2),
    recordsPerCpuSecond: Math.round(records / cpuS),
    endOffsets: end,
    ...(check ?? {}),
  };
  say(`${client}: ${JSON.stringify(out[client])}`);
}
const [a, b] = flags.clients.split(',');
const fa = out[a!] as { recordsPerCpuSecond: number; recordsPerSecond: number } | undefined;
const fb = b ? (out[b] as { recordsPerCpuSecond: number; recordsPerSecond: number } | undefined) : undefined;
if (fa && fb)
  out['ratios'] = {
    [`${b}/${a} recordsPerCpuSecond`]: round(fb.recordsPerCpuSecond / fa.recordsPerCpuSecond, 2),
    [`${b}/${a} recordsPerSecond`]: round(fb.recordsPerSecond / fa.recordsPerSecond, 2),
  };
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
await admin.deleteTopics({ topics }).catch(() => {});
await admin.disconnect();
