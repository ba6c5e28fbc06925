import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentStatus } from '../../common/status/agent.ts';
import type { TransferStatus } from '../../common/status/transfer.ts';
import { encodePoints } from '../line-protocol.ts';
import { agentPoints, PIPELINE_HOST, PIPELINE_SCHEMA, transferPoints } from './points.ts';
import type { Point } from '../point.ts';

const agent: AgentStatus = {
  node: 'n1',
  pid: 1,
  startedAt: '',
  updatedAt: '',
  configRevision: 42,
  etcd: { connected: true },
  kafka: { connected: false, bufferedBytes: 2048, lastError: 'down' },
  collections: {
    'adhoc/web': { topic: 'web', modRevision: 40, files: 2, eventsPerSec: 10.5, errors: ['x'], lostBytes: 7 },
    'k8s/ns/api': { topic: 'api', modRevision: 41, files: 1, eventsPerSec: 1, errors: [] },
  },
  rejected: { 'adhoc/bad': 'no paths' },
  tailers: [
    {
      collection: 'adhoc/web',
      file: '/a',
      state: 'following',
      offset: 1,
      size: 11,
      lagBytes: 10,
      eventsPerSec: 5,
    },
    {
      collection: 'adhoc/web',
      file: '/b',
      state: 'following',
      offset: 1,
      size: 6,
      lagBytes: 5,
      eventsPerSec: 5.5,
    },
    {
      collection: 'k8s/ns/api',
      file: '/c',
      state: 'following',
      offset: 0,
      size: 0,
      lagBytes: 0,
      eventsPerSec: 1,
    },
  ],
};

const transfer: TransferStatus = {
  member: 'm1',
  pid: 2,
  groupId: 'lcs-transfer',
  startedAt: '',
  updatedAt: '',
  topics: ['web'],
  assignment: { web: [0, 1] },
  paused: true,
  kafka: {},
  indexed: 100,
  retried: 3,
  deadLettered: 2,
  commitFailures: 0,
  documentsPerSecond: 12.5,
  bulk: { requests: 4, avgMs: 8.5 },
  elasticsearch: { up: false },
  partitions: { web: { '0': { committed: '90', lag: 4 }, '1': {} } },
};

const byMeasurement = (ps: Point[], m: string) => ps.filter((p) => p.measurement === m);

test("an agent's record: one lcs_agent point and one lcs_collection per collection, lag summed from its files", () => {
  const ps = agentPoints(agent, 1000);
  const [a] = byMeasurement(ps, 'lcs_agent');
  assert.deepEqual(a!.tags, { host: PIPELINE_HOST, node: 'n1' });
  assert.deepEqual(a!.fields, {
    events_per_sec: 11.5,
    lag_bytes: 15n,
    tailers: 3n,
    collections: 2n,
    rejected_entries: 1n,
    kafka_up: 0n,
    kafka_buffered_bytes: 2048n,
    config_revision: 42n,
  });
  const web = byMeasurement(ps, 'lcs_collection').find((p) => p.tags.collection === 'adhoc/web');
  assert.deepEqual(web!.tags, { host: PIPELINE_HOST, node: 'n1', collection: 'adhoc/web', topic: 'web' });
  assert.deepEqual(web!.fields, {
    events_per_sec: 10.5,
    lag_bytes: 15n,
    files: 2n,
    errors: 1n,
    lost_bytes: 7n,
  });
  assert.equal(byMeasurement(ps, 'lcs_collection').length, 2);
  assert.ok(ps.every((p) => p.time === 1000));
});

test("a transfer's record: lcs_transfer, and lcs_consumer_lag only for partitions it knows something of", () => {
  const ps = transferPoints(transfer, 5);
  const [t] = byMeasurement(ps, 'lcs_transfer');
  assert.deepEqual(t!.fields, {
    indexed: 100n,
    retried: 3n,
    dead_lettered: 2n,
    commit_failures: 0n,
    documents_per_sec: 12.5,
    elasticsearch_up: 0n,
    paused: 1n,
    bulk_avg_ms: 8.5,
    partitions: 2n,
  });
  const lag = byMeasurement(ps, 'lcs_consumer_lag');
  assert.equal(lag.length, 1);
  assert.deepEqual(lag[0]!.tags, {
    host: PIPELINE_HOST,
    group: 'lcs-transfer',
    topic: 'web',
    partition: '0',
    member: 'm1',
  });
  assert.deepEqual(lag[0]!.fields, { lag: 4n, committed: 90n });
});

test('every point has exactly the tags and field types PIPELINE_SCHEMA declares (the dashboards rely on it)', () => {
  const points = [...agentPoints(agent, 1), ...transferPoints(transfer, 1)];
  for (const p of points) {
    const schema = PIPELINE_SCHEMA[p.measurement as keyof typeof PIPELINE_SCHEMA];
    assert.ok(schema, p.measurement);
    assert.deepEqual(Object.keys(p.tags).sort(), [...schema.tags].sort(), p.measurement);
    for (const [k, v] of Object.entries(p.fields)) {
      const want = (schema.fields as Record<string, string>)[k];
      assert.equal(typeof v === 'bigint' ? 'integer' : 'float', want, `${p.measurement}.${k}`);
    }
  }
  // And the line protocol keeps the integer type (the i suffix).
  assert.match(encodePoints(points)[0]!, /tailers=3i/);
});
