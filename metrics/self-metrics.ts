// The metrics component's own Prometheus metrics: the shared names (received = points
// sampled, sent = points acknowledged by InfluxDB, errors{stage}, buffer bytes, lag = points
// waiting) plus drops, which must never be silent.

import { registerShared, type Registry } from '../common/observe/metrics.ts';

export function registerMetricsMetrics(r: Registry) {
  const m = {
    ...registerShared(r),
    dropped: r.counter(
      'lcs_metrics_points_dropped_total',
      'Points lost: reason="buffer_full" (the on-disk bound) or "rejected" (refused by the server for good)',
    ),
    samples: r.counter('lcs_metrics_samples_total', 'Host samples taken'),
    sampleSeconds: r.gauge('lcs_metrics_sample_seconds', 'Wall time of the last host sample'),
    writerUp: r.gauge('lcs_metrics_writer_up', '1 while InfluxDB accepts writes, 0 while points wait'),
    leader: r.gauge('lcs_metrics_pipeline_leader', '1 while this instance writes the pipeline measurements'),
  };
  for (const reason of ['buffer_full', 'rejected']) m.dropped.inc({ reason }, 0);
  m.samples.inc({}, 0);
  m.received.inc({}, 0);
  m.sent.inc({}, 0);
  m.writerUp.set({}, 1);
  m.leader.set({}, 0);
  return m;
}

export type MetricsMetrics = ReturnType<typeof registerMetricsMetrics>;
