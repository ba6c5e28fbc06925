// The pipeline's measurements from the real pipeline: an agent tails a file into Kafka, a
// transfer indexes it into Elasticsearch, and of two `lcs metrics` instances one is elected
// (etcd) and writes what their status records say as lcs_* points into the real InfluxDB.
// When the elected one is killed -9, the other takes over and the series go on.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { adhocEntryKey, metricsStatusKey } from '../../common/keyspace.ts';
import { parseMetricsStatus } from '../../common/status/metrics.ts';
import { resetKeys, testEtcd } from '../support/etcd.ts';
import { deleteIndices } from '../support/elasticsearch.ts';
import { appendLines, newPipeline, numbered, useEtcd, waitForTailer } from '../support/pipeline.ts';
import type { LcsProcess } from '../support/lcs-process.ts';
import { waitFor } from '../support/wait.ts';
import { createDatabase, influxQuery, influxUrl, rows, startMetrics, tmpDir, uniqueName } from './harness.ts';

const etcd = testEtcd();
const p = newPipeline('mpipe');
useEtcd(p, etcd);
const db = uniqueName('lcs_pipeline');
const url = influxUrl();
const q = (s: string) => influxQuery(url, db, s);
const names = [`metrics-a-${p.id}`, `metrics-b-${p.id}`];
const procs = new Map<string, LcsProcess>();
const say = (line: string) => process.stdout.write(`# ${line}\n`);

function startOne(node: string): LcsProcess {
  const proc = startMetrics({
    node,
    stateDir: tmpDir('lcs-mpipe-state-'),
    logDir: p.logDir,
    args: ['--metrics-interval', '1s', '--metrics-influx-database', db, '--metrics-inputs', 'system'],
    env: { LCS_METRICS_PIPELINE: 'true' },
  });
  procs.set(node, proc);
  return proc;
}

async function statusOf(node: string) {
  const raw = await etcd.get(metricsStatusKey(node)).string();
  if (raw === null) return undefined;
  const r = parseMetricsStatus(raw, metricsStatusKey(node));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The one instance whose status says it leads, once exactly one does. */
const theLeader = (among: string[]) =>
  waitFor(
    `exactly one of ${among.join(', ')} elected`,
    async () => {
      const leading = [];
      for (const n of among) if ((await statusOf(n))?.pipelineLeader) leading.push(n);
      return leading.length === 1 ? leading[0] : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

before(async () => {
  await resetKeys(etcd);
  await createDatabase(url, db);
  p.startTransfer();
  p.startAgent();
  for (const n of names) startOne(n);
});

after(async () => {
  await Promise.all([...procs.values()].map((x) => x.stop()));
  await p.stop();
  await deleteIndices(`*-${p.id}-*`).catch(() => {});
  await resetKeys(etcd).catch(() => {});
  etcd.close();
});

test("one elected instance writes the agents' and transfers' status as lcs_* points; the other takes over when it dies", async () => {
  const file = join(p.dir, 'web.log');
  writeFileSync(file, '');
  const topic = `web-${p.id}`;
  await etcd.put(adhocEntryKey('web')).value(JSON.stringify({ source: { files: { paths: [file] } }, topic }));
  await waitForTailer(p, 'adhoc/web', file);
  appendLines(file, numbered('line', 0, 500));

  const leader = await theLeader(names);
  let more = 0;
  const collection = await waitFor(
    'lcs_collection points for this node and collection with files and events',
    async () => {
      appendLines(file, numbered('more', 20 * more++, 20)); // keeps the rate above 0 until seen
      const r = rows(
        await q(
          `SELECT files, events_per_sec, lag_bytes, errors FROM lcs_collection WHERE node = '${p.node}' AND collection = 'adhoc/web'`,
        ),
      );
      return r.some((x) => x.files === 1 && Number(x.events_per_sec) > 0) && r;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.ok(collection.every((x) => Number(x.lag_bytes) >= 0 && x.errors === 0));
  const agent = rows(await q(`SELECT * FROM lcs_agent WHERE node = '${p.node}'`)).at(-1)!;
  assert.equal(agent.kafka_up, 1);
  assert.equal(agent.collections, 1);
  assert.equal(agent.host, 'lcs-pipeline');
  const transfer = await waitFor(
    'lcs_transfer shows the 500 lines indexed',
    async () => {
      const r = rows(await q(`SELECT indexed, elasticsearch_up, partitions FROM lcs_transfer`)).at(-1);
      return r && Number(r.indexed) >= 500 && r;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  assert.equal(transfer.elasticsearch_up, 1);
  await waitFor(
    `lcs_consumer_lag for ${topic} at 0 once all is indexed`,
    async () =>
      rows(await q(`SELECT lag, committed FROM lcs_consumer_lag WHERE topic = '${topic}'`)).some(
        (x) => x.lag === 0 && Number(x.committed) > 0,
      ),
    { timeoutMs: 60_000, intervalMs: 500 },
  );

  // The elected instance dies without resigning: its lease has to expire first.
  const killedAt = Math.floor(Date.now() / 1000);
  await procs.get(leader)!.kill9();
  procs.delete(leader);
  const other = names.find((n) => n !== leader)!;
  await waitFor(
    `${other} elected after ${leader} was killed`,
    async () => (await statusOf(other))?.pipelineLeader,
    {
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
  const takeover = Math.floor(Date.now() / 1000) - killedAt;
  await waitFor(
    'lcs_agent points written after the kill',
    async () =>
      rows(await q(`SELECT events_per_sec FROM lcs_agent WHERE node = '${p.node}' AND time > ${killedAt}s`))
        .length > 0,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  // One series per node whoever wrote it: the takeover does not start a second one.
  const series = await q(`SELECT count(events_per_sec) FROM lcs_agent WHERE node = '${p.node}' GROUP BY *`);
  assert.equal(series.length, 1, JSON.stringify(series));
  say(`leader ${leader} killed; ${other} took over within ${takeover} s`);
});
