// The transfer's Prometheus metrics: the shared names every component exposes
// (common/observe/metrics.ts) plus the transfer's own. `lcs_lag{topic,partition}` is the
// shared lag gauge, in records behind the partition's end.

import { registerShared, type Registry } from '../common/observe/metrics.ts';

export function registerTransferMetrics(r: Registry) {
  const m = {
    ...registerShared(r),
    retries: r.counter(
      'lcs_transfer_retries_total',
      'Documents retried (429, 5xx, Elasticsearch unreachable)',
    ),
    dead: r.counter('lcs_transfer_dead_lettered_total', 'Documents sent to the dead-letter topic'),
    bulkSeconds: r.gauge('lcs_transfer_bulk_seconds', 'Duration of the last bulk request'),
    bulkSecondsTotal: r.counter(
      'lcs_transfer_bulk_duration_seconds_total',
      'Time spent in answered bulk requests; divided by lcs_transfer_bulk_requests_total it is the mean latency',
    ),
    bulkRequests: r.counter('lcs_transfer_bulk_requests_total', 'Bulk requests Elasticsearch answered'),
    docsPerSecond: r.gauge(
      'lcs_transfer_documents_per_second',
      'Documents acknowledged by Elasticsearch per second, over the last 10 s',
    ),
    committed: r.gauge('lcs_transfer_committed_offset', 'Last committed offset per partition'),
    esUp: r.gauge(
      'lcs_transfer_elasticsearch_up',
      '1 while Elasticsearch accepts bulk requests, 0 while paused',
    ),
  };
  // Zero from the start, so a dashboard shows 0 rather than no series before the first event.
  for (const c of [m.retries, m.dead, m.bulkSecondsTotal, m.bulkRequests]) c.inc({}, 0);
  m.docsPerSecond.set({}, 0);
  m.esUp.set({}, 1);
  return m;
}
