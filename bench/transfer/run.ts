// bench/transfer: documents per second from a preloaded Kafka topic into Elasticsearch by
// the real `lcs transfer` process, against a raw `_bulk` loader sending the same documents,
// in the same bulk size and concurrency, to the same Elasticsearch in the same run — the
// practical ceiling. The raw loader runs before and after the transfer and the mean is the
// reference, so a cluster warming up or slowing down does not favour either side.
//
//   sh deploy/local/run.sh bench/transfer/run.ts [--docs 200000] [--bulk-docs 2000] [--concurrency 2]
//
// Progress on stderr, the result as one JSON object on stdout. Target: ratio ≥ 0.85.

import { Kafka, logLevel } from 'kafkajs';
import { Etcd3 } from 'etcd3';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { installTemplate } from '../../transfer/template.ts';
import { Client } from '@elastic/elasticsearch';
import { newPipeline } from '../../test/support/pipeline.ts';
import { arg, countDocs, es, esUrl, round, say, scrapeSum } from '../support.ts';

const DOCS = arg('docs', 200_000);
const BULK = arg('bulk-docs', 2000);
const CONCURRENCY = arg('concurrency', 2);
const log = (l: string) => say('bench/transfer', l);

const p = newPipeline('bench-transfer', {
  LCS_TRANSFER_INDEX_REPLICAS: '0',
  LCS_LOG_LEVEL: 'warn',
});
const topic = p.id;
const lcsBase = `${p.id}-lcs`;
const ts = new Date().toISOString();
const PAD = 'lorem ipsum dolor sit amet '.repeat(6);

/** The agent's record shape, ~500 bytes. */
const value = (i: number): string =>
  JSON.stringify({
    '@timestamp': ts,
    message: `GET /api/items/${i} 200 ${i % 997}ms ${PAD}`,
    event: { id: `${p.id}-${i}` },
    log: { file: { path: '/var/log/app/access.log' }, offset: i * 512 },
    host: { name: 'bench-node' },
    collection: { name: `adhoc/${p.id}` },
  });

async function preload(kafka: Kafka): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  for (let i = 0; i < DOCS; i += 2000) {
    const messages = [];
    for (let j = i; j < Math.min(DOCS, i + 2000); j++) messages.push({ key: `f${j % 16}`, value: value(j) });
    await producer.send({ topic, acks: -1, messages });
    if (i % 50_000 === 0) log(`preloaded ${i + messages.length}/${DOCS}`);
  }
  await producer.disconnect();
}

/** The ceiling: the same documents, bulk size and concurrency, straight to `_bulk`. */
async function rawLoad(base: string): Promise<number> {
  const index = `${base}-${ts.slice(0, 10).replace(/-/g, '.')}`;
  const chunks: number[] = [];
  for (let i = 0; i < DOCS; i += BULK) chunks.push(i);
  const started = performance.now();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const from = chunks[next++]!;
      let body = '';
      for (let i = from; i < Math.min(DOCS, from + BULK); i++)
        body += JSON.stringify({ create: { _index: index, _id: `${p.id}-${i}` } }) + '\n' + value(i) + '\n';
      const r = await es('POST', '/_bulk', body, true);
      if (r.errors)
        throw new Error(`raw loader: bulk had errors: ${JSON.stringify(r.items[0]).slice(0, 300)}`);
      done += Math.min(BULK, DOCS - from);
      if (done % (BULK * 25) === 0) log(`raw loader ${done}/${DOCS}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  const n = await countDocs(`${base}-*`);
  if (n !== DOCS) throw new Error(`raw loader: ${n} documents, expected ${DOCS}`);
  return seconds;
}

async function transferRun(etcd: Etcd3): Promise<{ seconds: number; startupSeconds: number }> {
  const started = performance.now();
  await etcd
    .put(adhocEntryKey(p.id))
    .value(
      JSON.stringify({ source: { files: { paths: ['/var/log/app/access.log'] } }, topic, index: lcsBase }),
    );
  const proc = p.startTransfer(
    ['--transfer-partitions-concurrently', String(CONCURRENCY), '--transfer-bulk-docs', String(BULK)],
    {
      LCS_HTTP_LISTEN: '127.0.0.1:0',
      LCS_LOG_LEVEL: 'info',
      // e.g. LCS_BENCH_TRANSFER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the transfer
      ...(process.env.LCS_BENCH_TRANSFER_NODE_OPTIONS
        ? { NODE_OPTIONS: process.env.LCS_BENCH_TRANSFER_NODE_OPTIONS }
        : {}),
    },
  );
  let url: string | undefined;
  while (!url) {
    let text = '';
    try {
      text = proc.logs();
    } catch {
      // the log file is created asynchronously
    }
    const line = text.split('\n').find((l) => l.includes('"msg":"serving /healthz'));
    if (line) url = (JSON.parse(line) as { url: string }).url;
    else await new Promise((r) => setTimeout(r, 50));
  }
  // The clock starts at the first committed document (process start and the group join
  // are not throughput), with the count at that moment subtracted. Only this run's topic is
  // counted (its partitions' committed offsets: a commit follows Elasticsearch's ack), so a
  // collect entry someone else left in etcd cannot end the run early.
  let first: { t: number; n: number } | undefined;
  let last = 0;
  for (;;) {
    const n = await scrapeSum(url, 'lcs_transfer_committed_offset', { topic });
    const t = performance.now();
    if (n > 0 && !first) first = { t, n };
    if (n >= DOCS) {
      await proc.stop();
      if (!first || first.n >= DOCS) throw new Error('poll too slow to time the run; use more --docs');
      const seconds = ((t - first.t) / 1000) * (DOCS / (DOCS - first.n));
      return { seconds, startupSeconds: (first.t - started) / 1000 };
    }
    if (n - last >= 50_000 || (n && !last)) {
      log(`transfer ${n}/${DOCS}`);
      last = n;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const kafka = new Kafka({
  brokers: (process.env.LCS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  logLevel: logLevel.NOTHING,
});
const etcd = new Etcd3({ hosts: (process.env.LCS_ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379').split(',') });
const client = new Client({ node: esUrl() });
try {
  log(`${DOCS} documents, bulks of ${BULK}, concurrency ${CONCURRENCY}; run ${p.id}`);
  for (const b of [`${p.id}-raw1`, `${p.id}-raw2`, lcsBase])
    await installTemplate(client, b, { replicas: 0 });
  await preload(kafka);
  log('raw loader, first run');
  const raw1 = await rawLoad(`${p.id}-raw1`);
  log(`raw loader: ${round(DOCS / raw1)} docs/s`);
  log('transfer');
  const tr = await transferRun(etcd);
  const n = await countDocs(`${lcsBase}-*`);
  if (n !== DOCS) throw new Error(`transfer: ${n} documents, expected ${DOCS}`);
  log(`transfer: ${round(DOCS / tr.seconds)} docs/s`);
  log('raw loader, second run');
  const raw2 = await rawLoad(`${p.id}-raw2`);
  log(`raw loader: ${round(DOCS / raw2)} docs/s`);
  const rawRate = (DOCS / raw1 + DOCS / raw2) / 2;
  const transferRate = DOCS / tr.seconds;
  const ratio = transferRate / rawRate;
  process.stdout.write(
    JSON.stringify(
      {
        bench: 'transfer',
        docs: DOCS,
        bulkDocs: BULK,
        concurrency: CONCURRENCY,
        rawDocsPerSecond: [round(DOCS / raw1), round(DOCS / raw2)],
        transferDocsPerSecond: round(transferRate),
        transferStartupSeconds: round(tr.startupSeconds, 2),
        ratio: round(ratio, 3),
        target: 0.85,
        meetsTarget: ratio >= 0.85,
      },
      null,
      2,
    ) + '\n',
  );
} finally {
  await p.stop();
  await etcd.delete().key(adhocEntryKey(p.id));
  await es('DELETE', `/${p.id}-*?ignore_unavailable=true&allow_no_indices=true`).catch(() => {});
  for (const b of [`${p.id}-raw1`, `${p.id}-raw2`, lcsBase])
    await es('DELETE', `/_index_template/lcs-${b}`).catch(() => {});
  await client.close();
  etcd.close();
}
