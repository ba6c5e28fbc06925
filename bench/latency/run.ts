// bench/latency: lines written at a fixed rate (default 5000/s) to a file, through the real
// `lcs agent` → Kafka → `lcs transfer` → Elasticsearch (default 1 s refresh); per line, the
// time from its write until a search returns it. Percentiles over every line.
//
//   sh deploy/local/run.sh bench/latency/run.ts [--rate 5000] [--seconds 30]
//
// "Visible" is measured from the outside: a search every 50 ms for sequence numbers above
// the highest seen, stamped with the time its answer arrived — an upper bound (search time
// and polling granularity included). Lines of one file stay in order through one partition,
// so visibility is monotone; a final count catches any line the polling would have missed.
// Progress on stderr, the result as one JSON object on stdout. Target: p99 < 2000 ms.

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { adhocEntryKey } from '../../common/keyspace.ts';
import { newPipeline, useEtcd, waitForTailer, waitForTransferTopic } from '../../test/support/pipeline.ts';
import { arg, countDocs, es, percentile, round, say } from '../support.ts';

const RATE = arg('rate', 5000);
const SECONDS = arg('seconds', 30);
const TICK_MS = 10;
const log = (l: string) => say('bench/latency', l);

const etcd = new Etcd3({ hosts: (process.env.LCS_ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379').split(',') });
const p = newPipeline('bench-latency', { LCS_TRANSFER_INDEX_REPLICAS: '0', LCS_LOG_LEVEL: 'warn' });
useEtcd(p, etcd);
const topic = p.id;
const file = join(p.dir, 'app.log');
const PAD = 'x'.repeat(150);
const written: number[] = [];
const visible: number[] = [];

/** Writes `total` lines at RATE/s from `from`, each stamped with its write time; ~200 B per line. */
async function write(from: number, total: number): Promise<void> {
  const perTick = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
  const start = performance.now();
  let seq = from;
  while (seq < from + total) {
    // Catch up to the schedule: a late timer writes more lines, so the average rate holds.
    const due = Math.min(
      from + total,
      from + Math.floor(((performance.now() - start) / TICK_MS + 1) * perTick),
    );
    let chunk = '';
    const now = performance.timeOrigin + performance.now();
    for (; seq < due; seq++) {
      chunk += JSON.stringify({ seq, message: `latency probe ${seq} ${PAD}` }) + '\n';
      written[seq] = now;
    }
    if (chunk) appendFileSync(file, chunk);
    if (seq - from > 0 && (seq - from) % (RATE * 5) < perTick) log(`written ${seq - from}/${total}`);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
}

/** Polls search for new sequence numbers until `until` of them are visible. */
async function watch(until: number, stop: () => boolean): Promise<void> {
  let maxSeen = -1;
  while (maxSeen < until - 1 && !stop()) {
    const r = await es('POST', `/${topic}-*/_search?ignore_unavailable=true&allow_no_indices=true`, {
      size: 10000,
      query: { range: { seq: { gt: maxSeen } } },
      sort: [{ seq: 'asc' }],
      _source: ['seq'],
    });
    const at = performance.timeOrigin + performance.now();
    for (const h of r.hits?.hits ?? []) {
      const seq = (h._source as { seq: number }).seq;
      if (visible[seq] === undefined) visible[seq] = at;
      if (seq > maxSeen) maxSeen = seq;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

try {
  log(`${RATE} lines/s for ${SECONDS} s; run ${p.id}`);
  writeFileSync(file, '');
  await etcd.put(adhocEntryKey(p.id)).value(
    JSON.stringify({
      source: { files: { paths: [file] } },
      topic,
      parse: { format: 'json' },
      startAt: 'beginning',
    }),
  );
  p.startTransfer();
  p.startAgent();
  await waitForTransferTopic(etcd, topic, 60_000);
  await waitForTailer(p, `adhoc/${p.id}`, file, 60_000);
  // Warm-up, not measured: the index exists, mappings are set, connections are open.
  const WARM = RATE;
  log('warm-up: 1 s of lines');
  await write(0, WARM);
  await watch(WARM, () => false);
  const total = RATE * SECONDS;
  log('measuring');
  const watcher = watch(WARM + total, () => false);
  await write(WARM, total);
  const timeout = setTimeout(() => log('still waiting for the last lines to become visible...'), 10_000);
  await watcher;
  clearTimeout(timeout);
  const n = await countDocs(`${topic}-*`);
  const lat: number[] = [];
  let missed = 0;
  for (let s = WARM; s < WARM + total; s++) {
    if (visible[s] === undefined) missed++;
    else lat.push(visible[s]! - written[s]!);
  }
  lat.sort((a, b) => a - b);
  const achievedRate = total / ((written[WARM + total - 1]! - written[WARM]!) / 1000);
  const result = {
    bench: 'latency',
    lines: total,
    targetRate: RATE,
    achievedRate: round(achievedRate),
    documents: n,
    expectedDocuments: WARM + total,
    notSeenByPolling: missed,
    latencyMs: {
      p50: round(percentile(lat, 50)),
      p95: round(percentile(lat, 95)),
      p99: round(percentile(lat, 99)),
      max: round(lat[lat.length - 1] ?? NaN),
    },
    target: { p99Ms: 2000 },
    meetsTarget: percentile(lat, 99) < 2000 && n === WARM + total,
  };
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
} finally {
  await p.stop();
  await etcd.delete().key(adhocEntryKey(p.id));
  await es('DELETE', `/${topic}-*?ignore_unavailable=true&allow_no_indices=true`).catch(() => {});
  await es('DELETE', `/_index_template/lcs-${topic}`).catch(() => {});
  etcd.close();
}
