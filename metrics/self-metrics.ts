// The metrics component's own Prometheus metrics: the shared names (received = points
// sampled, sent = points acknowledged by InfluxDB, errors{stage}, buffer bytes, lag = points
// waiting) plus drops, which must never be silent, and the event-loop delay while sampling.

import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { registerShared, type Gauge, type Registry } from '../common/observe/metrics.ts';

/** Milliseconds between the delay monitor's ticks while a sample runs. */
export const SAMPLE_DELAY_RESOLUTION_MS = 2;

/**
 * The event-loop delay (perf_hooks.monitorEventLoopDelay) while a sample runs, from the timer
 * firing until its lines are handed to the shipper, over every sample since start-up. The
 * monitor is a libuv timer ticking every `resolution` ms: left on all the time it cost about
 * 4 ms of CPU per second at Node's default 10 ms resolution (2 ms per second at 20 ms) on the
 * development machine, as much as a whole sample, so it is enabled only around samples, where
 * a stall would come from; between samples the process waits for the next timer.
 */
export class SampleLoopDelay {
  private readonly h: IntervalHistogram;
  private readonly gauge: Gauge;
  private on = false;
  constructor(r: Registry, resolutionMs = SAMPLE_DELAY_RESOLUTION_MS) {
    this.h = monitorEventLoopDelay({ resolution: resolutionMs });
    this.gauge = r.gauge(
      'lcs_metrics_sample_event_loop_delay_seconds',
      `Event-loop delay while host samples run, since start (stat: p50, p99, max, mean; count = delay readings, one per ${resolutionMs} ms of sampling)`,
    );
    r.onRender(() => this.render());
    this.render();
  }
  begin(): void {
    if (!this.on) this.on = this.h.enable();
  }
  end(): void {
    if (this.on) this.h.disable();
    this.on = false;
  }
  private render(): void {
    const count = this.h.count;
    // An empty histogram reports min 9.2e18 and mean NaN: zeros until the first reading.
    const s = (ns: number) => (count > 0 ? ns / 1e9 : 0);
    this.gauge.set({ stat: 'p50' }, s(this.h.percentile(50)));
    this.gauge.set({ stat: 'p99' }, s(this.h.percentile(99)));
    this.gauge.set({ stat: 'max' }, s(this.h.max));
    this.gauge.set({ stat: 'mean' }, s(this.h.mean));
    this.gauge.set({ stat: 'count' }, count);
  }
}

export function registerMetricsMetrics(r: Registry) {
  const m = {
    ...registerShared(r),
    dropped: r.counter(
      'lcs_metrics_points_dropped_total',
      'Points lost: reason="buffer_full" (the on-disk bound) or "rejected" (refused by the server for good)',
    ),
    samples: r.counter('lcs_metrics_samples_total', 'Host samples taken'),
    sampleSeconds: r.gauge('lcs_metrics_sample_seconds', 'Wall time of the last host sample'),
    sampleDelay: new SampleLoopDelay(r),
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
