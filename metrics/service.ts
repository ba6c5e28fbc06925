// The metrics component: samples the host every interval (aligned to it, as Telegraf's
// round_interval does), adds the pipeline's points while this instance is the elected one,
// and hands the lines to the shipper, which writes them or keeps them on disk until it can.

import { performance } from 'node:perf_hooks';
import type { Etcd3 } from 'etcd3';
import type { Clock, TimerHandle } from '../common/time/clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry } from '../common/observe/metrics.ts';
import { StatusWriter } from '../common/etcd/status-writer.ts';
import { metricsStatusKey } from '../common/keyspace.ts';
import { ConfigError, describeError } from '../common/errors.ts';
import { encodePoints } from './line-protocol.ts';
import type { Point } from './point.ts';
import { HostSampler, type HostFs, type HostInput } from './host/sampler.ts';
import type { HostPaths } from './host/paths.ts';
import type { LineWriter } from './write/errors.ts';
import { Spool } from './write/spool.ts';
import { Shipper } from './write/shipper.ts';
import { registerMetricsMetrics, type MetricsMetrics } from './self-metrics.ts';
import type { MetricsStatus } from '../common/status/metrics.ts';

export interface MetricsConfig {
  node: string;
  intervalMs: number;
  inputs: HostInput[];
  netInterfaces: string[];
  ignoreFs: string[];
  stateDir: string;
  bufferBytes: number;
  batchLines: number;
  statusIntervalMs: number;
}

/** The pipeline sampler's face, as the service sees it (pipeline/). */
export interface PipelineSource {
  start(): void;
  readonly leader: boolean;
  /** Points for this interval; [] unless elected. */
  points(time: number): Promise<Point[]>;
  shutdown(): Promise<void>;
}

export interface MetricsDeps {
  clock: Clock;
  logger: Logger;
  writer: LineWriter;
  paths: HostPaths;
  etcd?: Etcd3;
  hostFs?: HostFs;
  /** Tags on every host point besides host (node labels); resolved once at start. */
  extraTags?: () => Promise<Record<string, string>>;
  pipeline?: PipelineSource;
  /** What the host is, read once at start (metrics/inventory.ts). */
  inventory?: () => Promise<NonNullable<MetricsStatus['inventory']>>;
}

/** The innermost `code` of an error chain (fetch wraps ENOTFOUND in a TypeError's cause). */
function rootCode(err: unknown): string | undefined {
  let code: string | undefined;
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 6;
    e = e.cause as never, i++
  )
    if (typeof e.code === 'string') code = e.code;
  return code;
}

export class MetricsService {
  readonly registry = new Registry();
  private readonly m: MetricsMetrics;
  private readonly c: MetricsConfig;
  private readonly d: MetricsDeps;
  private readonly sampler: HostSampler;
  private readonly spool: Spool;
  private readonly shipper: Shipper;
  private readonly status: StatusWriter | undefined;
  private tags: Record<string, string>;
  private timer: TimerHandle | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;
  private readonly startedAt: number;
  private lastSampleAt: number | undefined;
  /** The boundary (ms) of the last sample taken: the next one is later. */
  private lastBoundary: number | undefined;
  private inputErrors: Record<string, string> = {};
  private inventory: MetricsStatus['inventory'];
  private counts = { samples: 0, written: 0, bufferFull: 0, rejected: 0 };

  constructor(config: MetricsConfig, deps: MetricsDeps) {
    this.c = config;
    this.d = deps;
    this.m = registerMetricsMetrics(this.registry);
    this.startedAt = deps.clock.now();
    this.tags = { host: config.node };
    this.sampler = new HostSampler({
      paths: deps.paths,
      inputs: config.inputs,
      netInterfaces: config.netInterfaces,
      ignoreFs: config.ignoreFs,
      ...(deps.hostFs ? { fs: deps.hostFs } : {}),
    });
    this.spool = new Spool({
      dir: config.stateDir,
      maxBytes: config.bufferBytes,
      onDrop: (n) => {
        this.counts.bufferFull += n;
        this.m.dropped.inc({ reason: 'buffer_full' }, n);
        deps.logger.warn('buffer full: oldest points dropped', { points: n, bound: config.bufferBytes });
      },
    });
    this.shipper = new Shipper({
      writer: deps.writer,
      spool: this.spool,
      clock: deps.clock,
      logger: deps.logger,
      maxBatchLines: config.batchLines,
      onSent: (n) => {
        this.counts.written += n;
        this.m.sent.inc({}, n);
      },
      onRejected: (n) => {
        this.counts.rejected += n;
        this.m.dropped.inc({ reason: 'rejected' }, n);
        this.m.errors.inc({ stage: 'write' });
      },
      onFailure: () => this.m.errors.inc({ stage: 'write' }),
    });
    this.registry.onRender(() => {
      const p = this.shipper.pending;
      this.m.bufferBytes.set({}, p.spooled.bytes);
      this.m.lag.set({}, p.spooled.lines);
      this.m.writerUp.set({}, this.shipper.up ? 1 : 0);
      this.m.leader.set({}, deps.pipeline?.leader ? 1 : 0);
    });
    if (deps.etcd)
      this.status = new StatusWriter({
        etcd: deps.etcd,
        key: metricsStatusKey(config.node),
        intervalMs: config.statusIntervalMs,
        logger: deps.logger,
        render: () => this.renderStatus(),
      });
  }

  async start(): Promise<void> {
    try {
      await this.spool.open();
    } catch (err) {
      throw new ConfigError('metrics.stateDir', `cannot use ${this.c.stateDir}: ${describeError(err)}`, {
        cause: err,
      });
    }
    try {
      await this.d.writer.ping();
    } catch (err) {
      // A name that does not resolve is a wrong setting; a server that is down is an outage
      // the spool rides out (a node may boot before InfluxDB).
      if (rootCode(err) === 'ENOTFOUND' || rootCode(err) === 'EAI_AGAIN')
        throw new ConfigError('metrics.influx.url', `host does not resolve: ${describeError(err)}`, {
          cause: err,
        });
      this.d.logger.warn('InfluxDB does not answer yet; points wait on disk', { error: describeError(err) });
    }
    if (this.d.extraTags) this.tags = { ...(await this.d.extraTags()), host: this.c.node };
    if (this.d.inventory) this.inventory = await this.d.inventory();
    const pending = this.spool.size;
    if (pending.lines) this.d.logger.info('points left by the last run will be sent first', pending);
    this.shipper.start();
    this.status?.start();
    this.d.pipeline?.start();
    this.started = true;
    // The CPU percentages need two readings: take the first now and write nothing of it, so the
    // first sample at the next boundary already has cpu. Samples happen only at boundaries of
    // the interval (Telegraf's round_interval), never at start-up: a process restarted within
    // the second it stopped in would otherwise write a second point for the second the last
    // process already wrote, and every point of a series has its own whole second.
    try {
      await this.sampler.sample(this.tags, Math.floor(this.d.clock.now() / 1000));
    } catch (err) {
      this.d.logger.warn('first reading failed; the first sample will try again', {
        error: describeError(err),
      });
    }
    this.schedule();
  }

  /**
   * The next sample at the next boundary of the interval after the last one taken. Its time is
   * that boundary, not the clock when the timer fires: a timer may fire a millisecond before
   * the wall clock reaches the boundary, and flooring that time would stamp the sample with
   * the second the previous sample already has.
   */
  private schedule(): void {
    if (this.stopped) return;
    const now = this.d.clock.now();
    let next = (Math.floor(now / this.c.intervalMs) + 1) * this.c.intervalMs;
    if (this.lastBoundary !== undefined && next <= this.lastBoundary)
      next = this.lastBoundary + this.c.intervalMs;
    this.timer = this.d.clock.setTimeout(
      () => {
        this.lastBoundary = next;
        this.sampling = this.sample(Math.floor(next / 1000)).finally(() => this.schedule());
      },
      Math.max(0, next - now),
    );
  }

  /** One interval (`time`: its boundary, in seconds): host points, pipeline points, handed to the shipper. Never throws. */
  private async sample(time: number): Promise<void> {
    const t0 = performance.now();
    this.m.sampleDelay.begin();
    try {
      const host = await this.sampler.sample(this.tags, time);
      const errors: Record<string, string> = {};
      for (const e of host.errors) {
        errors[e.input] = describeError(e.error);
        this.m.errors.inc({ stage: `input.${e.input}` });
        if (!this.inputErrors[e.input])
          this.d.logger.warn('input failed; its points are missing until it works', {
            input: e.input,
            error: errors[e.input],
          });
      }
      this.inputErrors = errors;
      let points = host.points;
      if (this.d.pipeline?.leader) {
        try {
          points = points.concat(await this.d.pipeline.points(time));
        } catch (err) {
          this.m.errors.inc({ stage: 'pipeline' });
          this.d.logger.warn('pipeline sample failed', { error: describeError(err) });
        }
      }
      const lines = encodePoints(points);
      this.m.received.inc({}, lines.length);
      await this.shipper.enqueue(lines);
    } catch (err) {
      this.m.errors.inc({ stage: 'sample' });
      this.d.logger.error('sample failed', { error: describeError(err) });
    }
    this.m.sampleDelay.end();
    this.counts.samples++;
    this.m.samples.inc();
    this.lastSampleAt = this.d.clock.now();
    this.m.sampleSeconds.set({}, (performance.now() - t0) / 1000);
  }

  /** Live while samples keep coming: a wedged loop misses three intervals. */
  healthy(): boolean {
    if (!this.started || this.lastSampleAt === undefined) return true;
    return this.d.clock.now() - this.lastSampleAt < 3 * this.c.intervalMs + 30_000;
  }

  ready(): { ok: boolean; reason?: string } {
    if (!this.started) return { ok: false, reason: 'starting' };
    if (!this.shipper.up)
      return { ok: false, reason: `InfluxDB does not take writes: ${this.shipper.lastError ?? ''}` };
    return { ok: true };
  }

  renderStatus(): MetricsStatus {
    const p = this.shipper.pending;
    return {
      node: this.c.node,
      pid: process.pid,
      startedAt: new Date(this.startedAt).toISOString(),
      intervalMs: this.c.intervalMs,
      inputs: this.c.inputs,
      writer: {
        description: this.d.writer.description,
        up: this.shipper.up,
        ...(this.shipper.lastError ? { lastError: this.shipper.lastError } : {}),
      },
      ...(this.lastSampleAt ? { lastSampleAt: new Date(this.lastSampleAt).toISOString() } : {}),
      samples: this.counts.samples,
      pointsWritten: this.counts.written,
      buffered: { ...p.spooled, memoryBatches: p.memoryBatches },
      dropped: { bufferFull: this.counts.bufferFull, rejected: this.counts.rejected },
      inputErrors: this.inputErrors,
      pipelineLeader: this.d.pipeline?.leader ?? false,
      ...(this.inventory ? { inventory: this.inventory } : {}),
    };
  }

  /** Stops sampling, spools what waits, removes the status record. Safe to call twice. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) this.d.clock.clearTimeout(this.timer);
    await this.sampling;
    await this.d.pipeline?.shutdown();
    await this.shipper.shutdown();
    await this.status?.shutdown();
    await this.d.writer.close();
    this.d.logger.info('stopped', {
      samples: this.counts.samples,
      pointsWritten: this.counts.written,
      buffered: this.spool.size,
    });
  }
}
