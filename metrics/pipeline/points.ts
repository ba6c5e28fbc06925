// The pipeline's measurements: what the agents' and transfers' status records say, as points.
// Pure (records in, points out) so the mapping is unit-tested; pipeline/source.ts reads the
// records from etcd while this instance is the elected one.
//
// Every point carries host=PIPELINE_HOST rather than the writing instance's node: the series
// stay the same when the election moves to another instance, and two instances that both
// believe they lead for a moment (a lease about to expire) write the same series at the same
// whole second, so InfluxDB keeps one point, never two.

import type { AgentStatus } from '../../common/status/agent.ts';
import type { TransferStatus } from '../../common/status/transfer.ts';
import { int, type Point } from '../point.ts';

export const PIPELINE_HOST = 'lcs-pipeline';

/** The pipeline schema: measurement → tag keys and field types (docs/metrics.md). */
export const PIPELINE_SCHEMA = {
  lcs_agent: {
    tags: ['host', 'node'],
    fields: {
      events_per_sec: 'float',
      lag_bytes: 'integer',
      tailers: 'integer',
      collections: 'integer',
      rejected_entries: 'integer',
      kafka_up: 'integer',
      kafka_buffered_bytes: 'integer',
      config_revision: 'integer',
    },
  },
  lcs_collection: {
    tags: ['host', 'node', 'collection', 'topic'],
    fields: {
      events_per_sec: 'float',
      lag_bytes: 'integer',
      files: 'integer',
      errors: 'integer',
      lost_bytes: 'integer',
    },
  },
  lcs_transfer: {
    tags: ['host', 'member', 'group'],
    fields: {
      indexed: 'integer',
      retried: 'integer',
      dead_lettered: 'integer',
      commit_failures: 'integer',
      documents_per_sec: 'float',
      elasticsearch_up: 'integer',
      paused: 'integer',
      bulk_avg_ms: 'float',
      partitions: 'integer',
    },
  },
  lcs_consumer_lag: {
    tags: ['host', 'group', 'topic', 'partition', 'member'],
    fields: { lag: 'integer', committed: 'integer' },
  },
} as const;

const flag = (b: boolean): bigint => (b ? 1n : 0n);

/** lcs_agent and lcs_collection points for one agent's record. */
export function agentPoints(s: AgentStatus, time: number): Point[] {
  const lagBy = new Map<string, number>();
  for (const t of s.tailers) lagBy.set(t.collection, (lagBy.get(t.collection) ?? 0) + t.lagBytes);
  let eventsPerSec = 0;
  let lag = 0;
  const out: Point[] = [];
  for (const [collection, c] of Object.entries(s.collections)) {
    eventsPerSec += c.eventsPerSec;
    lag += lagBy.get(collection) ?? 0;
    out.push({
      measurement: 'lcs_collection',
      tags: { host: PIPELINE_HOST, node: s.node, collection, topic: c.topic },
      fields: {
        events_per_sec: c.eventsPerSec,
        lag_bytes: int(lagBy.get(collection) ?? 0),
        files: int(c.files),
        errors: int(c.errors.length),
        lost_bytes: int(c.lostBytes ?? 0),
      },
      time,
    });
  }
  out.unshift({
    measurement: 'lcs_agent',
    tags: { host: PIPELINE_HOST, node: s.node },
    fields: {
      events_per_sec: eventsPerSec,
      lag_bytes: int(lag),
      tailers: int(s.tailers.length),
      collections: int(Object.keys(s.collections).length),
      rejected_entries: int(Object.keys(s.rejected).length),
      kafka_up: flag(s.kafka.connected),
      kafka_buffered_bytes: int(s.kafka.bufferedBytes),
      config_revision: int(s.configRevision),
    },
    time,
  });
  return out;
}

/** lcs_transfer and, per partition it owns, lcs_consumer_lag points for one member's record. */
export function transferPoints(s: TransferStatus, time: number): Point[] {
  const owned = Object.values(s.assignment).reduce((n, ps) => n + ps.length, 0);
  const out: Point[] = [
    {
      measurement: 'lcs_transfer',
      tags: { host: PIPELINE_HOST, member: s.member, group: s.groupId },
      fields: {
        indexed: int(s.indexed),
        retried: int(s.retried),
        dead_lettered: int(s.deadLettered),
        commit_failures: int(s.commitFailures),
        documents_per_sec: s.documentsPerSecond,
        elasticsearch_up: flag(s.elasticsearch.up),
        paused: flag(s.paused),
        ...(s.bulk.avgMs === undefined ? {} : { bulk_avg_ms: s.bulk.avgMs }),
        partitions: int(owned),
      },
      time,
    },
  ];
  for (const [topic, parts] of Object.entries(s.partitions))
    for (const [partition, p] of Object.entries(parts)) {
      if (p.lag === undefined && p.committed === undefined) continue;
      const committed = p.committed === undefined ? undefined : Number(p.committed);
      out.push({
        measurement: 'lcs_consumer_lag',
        tags: { host: PIPELINE_HOST, group: s.groupId, topic, partition, member: s.member },
        fields: {
          ...(p.lag === undefined ? {} : { lag: int(p.lag) }),
          ...(committed === undefined || !Number.isFinite(committed) ? {} : { committed: int(committed) }),
        },
        time,
      });
    }
  return out;
}
