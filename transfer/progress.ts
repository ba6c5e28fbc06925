// What the transfer has done and is doing, kept in one place so the status record and the
// Prometheus metrics tell the same story: per-partition commits and lag, documents per
// second over a sliding window, bulk latency, retries, dead letters, Elasticsearch outages.
// Time comes in as an argument, so the arithmetic is unit-tested without a clock. The
// snapshot's shape is the progress part of TransferStatus (common/status/transfer.ts).

import type { PartitionProgress, TransferProgress } from '../common/status/transfer.ts';

export class Progress {
  indexed = 0;
  retried = 0;
  deadLettered = 0;
  commitFailures = 0;
  bulkRequests = 0;
  bulkMsTotal = 0;
  lastBulkMs: number | undefined;
  esDownSince: number | undefined;
  esError: string | undefined;
  private readonly windowMs: number;
  /** (time, indexed) samples, oldest first, spanning about `windowMs`. */
  private samples: [number, number][] = [];
  private readonly partitions = new Map<string, Map<number, PartitionProgress>>();

  constructor(windowMs = 10000) {
    this.windowMs = windowMs;
  }

  bulk(ms: number): void {
    this.bulkRequests++;
    this.bulkMsTotal += ms;
    this.lastBulkMs = ms;
  }

  availability(up: boolean, now: number, error?: string): void {
    if (up) this.esDownSince = undefined;
    else this.esDownSince ??= now;
    this.esError = up ? undefined : error;
  }

  partition(topic: string, partition: number): PartitionProgress {
    let t = this.partitions.get(topic);
    if (!t) this.partitions.set(topic, (t = new Map()));
    let p = t.get(partition);
    if (!p) t.set(partition, (p = {}));
    return p;
  }

  /** Forgets partitions no longer assigned; returns the dropped ones (their gauges go too). */
  keepOnly(assigned: ReadonlyMap<string, number[]>): [string, number][] {
    const dropped: [string, number][] = [];
    for (const [topic, ps] of this.partitions) {
      const keep = new Set(assigned.get(topic) ?? []);
      for (const p of ps.keys())
        if (!keep.has(p)) {
          ps.delete(p);
          dropped.push([topic, p]);
        }
      if (!ps.size) this.partitions.delete(topic);
    }
    return dropped;
  }

  /** Documents per second over the last window; call it regularly (each status write). */
  rate(now: number): number {
    this.samples.push([now, this.indexed]);
    while (this.samples.length > 2 && now - this.samples[1]![0] >= this.windowMs) this.samples.shift();
    const [t0, n0] = this.samples[0]!;
    return now > t0 ? Math.round(((this.indexed - n0) * 1000) / (now - t0)) : 0;
  }

  snapshot(now: number): TransferProgress {
    const partitions: TransferProgress['partitions'] = {};
    for (const [topic, ps] of [...this.partitions].sort(([a], [b]) => a.localeCompare(b)))
      partitions[topic] = Object.fromEntries(
        [...ps].sort(([a], [b]) => a - b).map(([p, v]) => [p, { ...v }]),
      );
    return {
      indexed: this.indexed,
      retried: this.retried,
      deadLettered: this.deadLettered,
      commitFailures: this.commitFailures,
      documentsPerSecond: this.rate(now),
      bulk: {
        requests: this.bulkRequests,
        ...(this.lastBulkMs === undefined ? {} : { lastMs: Math.round(this.lastBulkMs) }),
        ...(this.bulkRequests ? { avgMs: Math.round(this.bulkMsTotal / this.bulkRequests) } : {}),
      },
      elasticsearch: {
        up: this.esDownSince === undefined,
        ...(this.esDownSince === undefined ? {} : { downSince: new Date(this.esDownSince).toISOString() }),
        ...(this.esError ? { lastError: this.esError } : {}),
      },
      partitions,
    };
  }
}
