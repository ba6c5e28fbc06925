// Consumer-only micro-benchmark: what does reading the agent's records back cost with each
// Kafka client the transfer could use? Writes `--records` agent-shaped records into a
// 4-partition topic once, then reads them all from the beginning with each client in turn
// (a fresh consumer group each time, the transfer's fetch sizes), alternating `--rounds`
// times, and reports records per CPU-second of this process. The records' values are only
// measured, not parsed: what is compared is the client.
//
//   sh deploy/local/run.sh bench/transfer/consumer.ts [--records 300000] [--rounds 3]
//      [--clients kafkajs,platformatic]

import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import { up } from '../../deploy/local/services.ts';
import { DirectProducer } from '../../agent/direct-producer.ts';
import { blockOf } from '../../agent/record-block.ts';
import { round } from '../agent/measure.ts';

const { values: flags } = parseArgs({
  options: {
    records: { type: 'string', default: '300000' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: 'kafkajs,platformatic' },
  },
});
const say = (l: string): void => void process.stderr.write(`[bench/transfer/consumer] ${l}\n`);
const records = Number(flags.records);
const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
const ep = await up(['etcd', 'kafka'], { log: say });
const topic = `bench-transfer-consumer-${runId}`;

const kafka = new Kafka({ brokers: [ep.kafka], clientId: 'lcs-bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  topics: [{ topic, numPartitions: 4, replicationFactor: 1 }],
  waitForLeaders: true,
});

say(`writing ${records} records…`);
const producer = new DirectProducer({ brokers: [ep.kafka], clientId: 'lcs-bench-producer' });
await producer.connect();
for (let sent = 0; sent < records;) {
  const batch = [];
  for (let i = 0; i < 2000 && sent < records; i++, sent++)
    batch.push({
      topic,
      key: `bench-node/file-${sent % 100}`,
      value: JSON.stringify({
        '@timestamp': new Date().toISOString(),
        message: `line ${sent} ${'x'.repeat(150)}`,
        event: { id: 'PFNuHCPmRUWBrYGbQv-ibUUrQNl' },
        log: { file: { path: `/var/log/bench/app-${sent % 100}.log` }, offset: sent * 200 },
      }),
    });
  await producer.send(blockOf(batch));
}
await producer.disconnect();

/** Reads the whole topic with kafkajs the way transfer/consumer.ts does (eachBatch, 4 MiB). */
async function withKafkajs(group: string): Promise<void> {
  const c = kafka.consumer({ groupId: group, maxBytesPerPartition: 4 * 1024 * 1024, maxWaitTimeInMs: 1000 });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  let n = 0;
  let bytes = 0;
  await new Promise<void>((resolve) => {
    void c.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const m of batch.messages) {
          bytes += m.value!.length;
          n++;
        }
        resolveOffset(batch.lastOffset());
        if (n >= records) resolve();
      },
    });
  });
  await c.disconnect();
  if (bytes === 0) throw new Error('kafkajs read nothing');
}

/** The same with @platformatic/kafka's Consumer (a stream of messages, Buffer values). */
async function withPlatformatic(group: string): Promise<void> {
  const c = new Consumer({
    groupId: group,
    clientId: 'lcs-bench-consumer',
    bootstrapBrokers: [ep.kafka],
    maxWaitTime: 1000,
    maxBytes: 4 * 1024 * 1024 * 4,
  });
  const stream = await c.consume({ topics: [topic], mode: MessagesStreamModes.EARLIEST, autocommit: false });
  let n = 0;
  let bytes = 0;
  for await (const m of stream) {
    bytes += (m.value as Buffer).length;
    if (++n >= records) break;
  }
  await stream.close();
  await c.close(true);
  if (bytes === 0) throw new Error('platformatic read nothing');
}

const clients: Record<string, (group: string) => Promise<void>> = {
  kafkajs: withKafkajs,
  platformatic: withPlatformatic,
};
const out: Record<string, { recordsPerCpuSecond: number[]; recordsPerSecond: number[] }> = {};
for (let r = 0; r < Number(flags.rounds); r++)
  for (const name of flags.clients.split(',')) {
    const read = clients[name];
    if (!read) throw new Error(`unknown client ${name}: kafkajs or platformatic`);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await read(`bench-consumer-${runId}-${name}-${r}`);
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const f = (out[name] ??= { recordsPerCpuSecond: [], recordsPerSecond: [] });
    f.recordsPerCpuSecond.push(Math.round(records / cpuS));
    f.recordsPerSecond.push(Math.round(records / wall));
    say(`${name} round ${r}: ${Math.round(records / cpuS)} records per CPU-second, ${round(wall, 2)} s`);
  }
process.stdout.write(JSON.stringify({ records, topicPartitions: 4, ...out }, null, 2) + '\n');
await admin.deleteTopics({ topics: [topic] }).catch(() => {});
await admin.disconnect();
