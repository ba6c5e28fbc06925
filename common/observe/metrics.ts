// A minimal Prometheus registry. Every component registers the shared names below, so a
// dashboard works the same across agent, transfer and metrics (docs/design.md "Status").

export type Labels = Record<string, string>;

export const SHARED_METRICS = {
  received: 'lcs_events_received_total',
  sent: 'lcs_events_sent_total',
  errors: 'lcs_errors_total',
  bufferBytes: 'lcs_buffer_bytes',
  lag: 'lcs_lag',
} as const;

interface Series {
  labels: Labels;
  value: number;
}

class Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  protected readonly series = new Map<string, Series>();
  constructor(name: string, help: string, type: 'counter' | 'gauge') {
    this.name = name;
    this.help = help;
    this.type = type;
  }
  protected entry(labels: Labels): Series {
    const k = JSON.stringify(Object.entries(labels).sort());
    let s = this.series.get(k);
    if (!s) {
      s = { labels, value: 0 };
      this.series.set(k, s);
    }
    return s;
  }
  get(labels: Labels = {}): number {
    return this.entry(labels).value;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.series.values()) lines.push(`${this.name}${renderLabels(s.labels)} ${s.value}`);
    return lines.join('\n');
  }
  /** Drops a label set (a stopped tailer's gauges). */
  remove(labels: Labels): void {
    this.series.delete(JSON.stringify(Object.entries(labels).sort()));
  }
}

export class Counter extends Metric {
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
}

export class Gauge extends Metric {
  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }
}

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const renderLabels = (l: Labels) => {
  const e = Object.entries(l);
  return e.length ? `{${e.map(([k, v]) => `${k}="${escape(v)}"`).join(',')}}` : '';
};

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly beforeRender: (() => void)[] = [];
  /** Runs `fn` before each scrape (for values read on demand, like memory). */
  onRender(fn: () => void): void {
    this.beforeRender.push(fn);
  }
  counter(name: string, help: string): Counter {
    return this.register(name, () => new Counter(name, help, 'counter')) as Counter;
  }
  gauge(name: string, help: string): Gauge {
    return this.register(name, () => new Gauge(name, help, 'gauge')) as Gauge;
  }
  private register(name: string, make: () => Metric): Metric {
    let m = this.metrics.get(name);
    if (!m) {
      m = make();
      this.metrics.set(name, m);
    }
    return m;
  }
  names(): string[] {
    return [...this.metrics.keys()];
  }
  render(): string {
    for (const fn of this.beforeRender) fn();
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}

/** The metrics every long-running component must expose, registered in one place. */
export function registerShared(r: Registry) {
  const memory = r.gauge(
    'lcs_process_memory_bytes',
    'Process memory by kind (rss, heapUsed, heapTotal, external, arrayBuffers)',
  );
  r.onRender(() => {
    for (const [kind, bytes] of Object.entries(process.memoryUsage())) memory.set({ kind }, bytes);
  });
  return {
    received: r.counter(SHARED_METRICS.received, 'Events read or consumed'),
    sent: r.counter(SHARED_METRICS.sent, 'Events acknowledged by the next stage'),
    errors: r.counter(SHARED_METRICS.errors, 'Errors by stage'),
    bufferBytes: r.gauge(SHARED_METRICS.bufferBytes, 'Bytes held in memory awaiting acknowledgement'),
    lag: r.gauge(SHARED_METRICS.lag, 'Work not yet done: bytes behind (agent) or records behind (transfer)'),
  };
}
