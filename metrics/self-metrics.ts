// The metrics component's own Prometheus metrics: the shared names (received = points
// sampled, sent = points acknowledged by InfluxDB, errors{stage}, buffer bytes, lag = points
// waiting) plus drops, which must never be silent, and the event-loop delay while sampling.

import { createHistogram } from 'node:perf_hooks';
import { registerShared, type Gauge, type Registry } from '../common/observe/metrics.ts';

/** Milliseconds between the delay monitor's ticks while a sample runs. */
export const SAMPLE_DELAY_RESOLUTION_MS = 2;

/**
 * The event-loop delay while a sample runs (from the timer firing until its lines are handed to
 * the shipper), over every sample since start-up. Measured as perf_hooks.monitorEventLoopDelay
 * does, the time between two ticks of a timer asking for `resolution` ms, so a free loop reads
 * a little over the resolution and a stall reads its length. That monitor itself cannot be
 * used: left on, its timer cost about 4 ms of CPU per second at Node's default 10 ms
 * resolution (2 ms at 20 ms) on the development machine, as much as a whole sample; turned on
 * only around samples, its first reading after each enable() spans the whole pause since the
 * last one (about an interval), and a fresh monitor per sample skips its first tick, missing
 * a stall at the start of the sample. This one ticks only while a sample runs and counts from
 * begin() to end(), so nothing before or after a sample is counted and nothing in it is missed.
 * Beside each delay it keeps the CPU time this thread spent in it (process.threadCpuUsage): on
 * a busy host a delay is often the core given to another process, which costs us no CPU.
 */
export class SampleLoopDelay {
  private readonly h = createHistogram();
  /** The CPU this thread spent between the same two ticks: the part of a delay that is ours. */
  private readonly cpu = createHistogram();
  private readonly gauge: Gauge;
  private readonly cpuGauge: Gauge;
  private readonly resolutionMs: number;
  private timer: NodeJS.Timeout | undefined;
  private prev = 0;
  private prevCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  constructor(r: Registry, resolutionMs = SAMPLE_DELAY_RESOLUTION_MS) {
    this.resolutionMs = resolutionMs;
    this.gauge = r.gauge(
      'lcs_metrics_sample_event_loop_delay_seconds',
      `Event-loop delay while host samples run, since start (stat: p50, p99, max, mean of the time between ticks of a ${resolutionMs} ms timer; count = ticks)`,
    );
    this.cpuGauge = r.gauge(
      'lcs_metrics_sample_turn_cpu_seconds',
      'CPU time the event-loop thread spent between two of those ticks while host samples run (stat as above): a delay well above it is the OS running something else',
    );
    r.onRender(() => this.render());
    this.render();
  }
  begin(): void {
    if (this.timer !== undefined) return;
    this.prev = performance.now();
    this.prevCpu = process.threadCpuUsage();
    this.arm();
  }
  end(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.record();
  }
  private arm(): void {
    this.timer = setTimeout(() => {
      this.record();
      this.arm();
    }, this.resolutionMs);
  }
  private record(): void {
    const now = performance.now();
    const cpu = process.threadCpuUsage();
    this.h.record(Math.max(1, Math.round((now - this.prev) * 1e6)));
    this.cpu.record(Math.max(1, (cpu.user - this.prevCpu.user + cpu.system - this.prevCpu.system) * 1000));
    this.prev = now;
    this.prevCpu = cpu;
  }
  private render(): void {
    for (const [g, h] of [
      [this.gauge, this.h],
      [this.cpuGauge, this.cpu],
    ] as const) {
      const count = h.count;
      // An empty histogram reports min 9.2e18 and mean NaN: zeros until the first reading.
      const s = (ns: number) => (count > 0 ? ns / 1e9 : 0);
      g.set({ stat: 'p50' }, s(h.percentile(50)));
      g.set({ stat: 'p99' }, s(h.percentile(99)));
      g.set({ stat: 'max' }, s(h.max));
      g.set({ stat: 'mean' }, s(h.mean));
      g.set({ stat: 'count' }, count);
    }
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
