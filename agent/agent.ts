// The agent: follows the collect entries for its node in etcd and runs one CollectionRunner
// per entry. Hot reload is a diff of fingerprints: only changed collections restart, and
// their tailers resume from the checkpoints. Status goes to etcd under a lease.

import type { Etcd3 } from 'etcd3';
import { CollectWatcher } from '../common/config/collect-watcher.ts';
import type { ConfigSnapshot } from '../common/config/snapshot.ts';
import { agentStatusKey } from '../common/keyspace.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry, registerShared } from '../common/observe/metrics.ts';
import { StatusWriter } from '../common/etcd/status-writer.ts';
import { systemClock, unref, type Clock, type TimerHandle } from '../common/time/clock.ts';
import { CheckpointStore } from './checkpoints.ts';
import { CollectionRunner } from './collection.ts';
import { planCollections, type PlannedCollection } from './plan.ts';
import { KafkaSink, type RecordProducer } from './sink.ts';
import type { AgentStatus } from '../common/status/agent.ts';
import { renderAgentStatus, RateTracker } from './status.ts';
import { LossLedger } from './loss-ledger.ts';
import { ReadPool } from './read-pool.ts';
import { PollScheduler } from './poll-scheduler.ts';
import type { PodResolver } from './pods/resolver.ts';

export interface AgentConfig {
  node: string;
  nodeLabels: Record<string, string>;
  stateDir: string;
  roots: string[];
  maxBufferedBytes: number;
  batchBytes: number;
  lingerMs: number;
  maxLineBytes: number;
  maxRecordBytes: number;
  readChunkBytes: number;
  readBuffers: number;
  pollMs: number;
  pollMaxMs: number;
  /** The idle ceiling while file events work (inotify); pollMaxMs otherwise. */
  pollWatchedMaxMs?: number;
  drainIdleMs: number;
  rescanMs: number;
  maxFilesPerCollection: number;
  statusIntervalMs: number;
}

export interface AgentDeps {
  etcd: Etcd3;
  producer: RecordProducer;
  logger: Logger;
  registry?: Registry;
  clock?: Clock;
  /** The node's pods (Kubernetes mode); absent in standalone mode. */
  pods?: PodResolver;
}

interface Running {
  plan: PlannedCollection;
  runner: CollectionRunner;
}

export class Agent {
  readonly config: AgentConfig;
  readonly registry: Registry;
  private readonly deps: AgentDeps;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly scheduler: PollScheduler;
  private readonly metrics;
  readonly sink: KafkaSink;
  readonly checkpoints: CheckpointStore;
  private readonly watcher: CollectWatcher;
  private readonly status: StatusWriter;
  private readonly running = new Map<string, Running>();
  private rejected = new Map<string, string>();
  private snapshot: ConfigSnapshot | undefined;
  private applying: Promise<void> = Promise.resolve();
  private flushTimer: TimerHandle | undefined;
  private readonly rates = new RateTracker();
  readonly ledger = new LossLedger();
  private readonly readPool: ReadPool;
  private readonly startedAt: number;
  etcdConnected = false;
  etcdError: string | undefined;
  private shut = false;

  constructor(config: AgentConfig, deps: AgentDeps) {
    this.config = config;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.scheduler = new PollScheduler(this.clock);
    this.startedAt = this.now();
    this.registry = deps.registry ?? new Registry();
    this.readPool = new ReadPool(config.readChunkBytes, config.readBuffers);
    this.metrics = {
      ...registerShared(this.registry),
      lossBytes: this.registry.counter(
        'lcs_agent_loss_bytes_total',
        'Bytes of files rotated away or deleted before they could be read',
      ),
      files: this.registry.gauge('lcs_agent_files', 'Files being tailed'),
    };
    const log = deps.logger;
    this.checkpoints = new CheckpointStore(
      config.stateDir,
      log.child({ component: 'checkpoints' }),
      this.now,
    );
    this.sink = new KafkaSink({
      producer: deps.producer,
      logger: log.child({ component: 'sink' }),
      maxBufferedBytes: config.maxBufferedBytes,
      batchBytes: config.batchBytes,
      lingerMs: config.lingerMs,
      wakeAtOnce: config.readBuffers,
      onSent: (n) => this.metrics.sent.inc({ stage: 'kafka' }, n),
      // The checkpoint is on disk before the next batch goes out, so a crash resends at most
      // the batch that was in flight.
      afterAck: () => this.checkpoints.flush(),
      onError: () => this.metrics.errors.inc({ stage: 'kafka' }),
    });
    this.watcher = new CollectWatcher({
      etcd: deps.etcd,
      logger: log,
      onSnapshot: (s) => this.apply(s),
      onConnection: (ok, err) => {
        this.etcdConnected = ok;
        this.etcdError = err;
      },
    });
    this.status = new StatusWriter({
      etcd: deps.etcd,
      key: agentStatusKey(config.node),
      intervalMs: config.statusIntervalMs,
      logger: log.child({ component: 'status' }),
      render: () => this.renderStatus(),
      clock: this.clock,
    });
  }

  /** Connects and begins; returns once the first config is applied. */
  async start(): Promise<void> {
    await this.deps.producer.connect().catch((err) => {
      // Not fatal: the sink retries; reading pauses once the buffer fills.
      this.deps.logger.warn('kafka not reachable yet; will keep retrying', { error: (err as Error).message });
    });
    // Not awaited: pods sources follow the resolver as it learns the node's pods; until its
    // first list they simply have no files. It retries by itself while the API is away.
    this.deps.pods
      ?.start()
      .catch((err) => this.deps.logger.error('pod resolver failed', { error: (err as Error).message }));
    await this.watcher.start();
    await this.applying;
    this.status.start();
    let ticks = 0;
    const tick = () => {
      void this.checkpoints.flush();
      for (const r of this.running.values()) r.runner.reap();
      // Forgetting the rates of quiet files walks every file: every 10 s is soon enough.
      if (ticks++ % 10 === 0) this.rates.prune(this.now());
      this.updateGauges();
      this.flushTimer = this.clock.setTimeout(tick, 1000);
      unref(this.flushTimer);
    };
    tick();
  }

  private apply(snapshot: ConfigSnapshot): void {
    this.applying = this.applying.then(() => this.reconcile(snapshot));
  }

  private async reconcile(snapshot: ConfigSnapshot): Promise<void> {
    if (this.shut) return;
    this.snapshot = snapshot;
    const plan = planCollections(snapshot, this.config.node, this.config.nodeLabels);
    this.rejected = plan.rejected;
    const log = this.deps.logger;
    for (const [name, r] of this.running) {
      const want = plan.run.get(name);
      if (want?.fingerprint === r.plan.fingerprint) {
        r.plan = want; // same tailers; error/revision may have changed
        continue;
      }
      log.info(
        want ? 'collection changed: restarting its tailers' : 'collection removed: stopping its tailers',
        { collection: name },
      );
      this.running.delete(name);
      this.metrics.lag.remove({ collection: name });
      this.metrics.files.remove({ collection: name });
      await r.runner.stop();
    }
    for (const [name, p] of plan.run) {
      if (this.running.has(name)) continue;
      const runner = this.makeRunner(p);
      this.running.set(name, { plan: p, runner });
      log.info('collection started', { collection: name, topic: p.entry.topic });
      await runner.start();
    }
    void this.status.flush();
  }

  private makeRunner(p: PlannedCollection): CollectionRunner {
    const c = this.config;
    return new CollectionRunner({
      name: p.name,
      entry: p.entry,
      roots: c.roots,
      logger: this.deps.logger,
      rescanMs: c.rescanMs,
      maxFiles: c.maxFilesPerCollection,
      ...(this.deps.pods ? { pods: this.deps.pods } : {}),
      tailer: {
        node: c.node,
        sink: this.sink,
        checkpoints: this.checkpoints,
        maxLineBytes: c.maxLineBytes,
        maxRecordBytes: c.maxRecordBytes,
        readPool: this.readPool,
        pollMs: c.pollMs,
        pollMaxMs: c.pollMaxMs,
        ...(c.pollWatchedMaxMs !== undefined ? { pollWatchedMaxMs: c.pollWatchedMaxMs } : {}),
        drainIdleMs: c.drainIdleMs,
        clock: this.clock,
        scheduler: this.scheduler,
        onEvents: (n, _bytes, path) => {
          this.rates.add(`${p.name}\0${path}`, n, this.now());
          this.metrics.received.inc({ collection: p.name }, n);
          this.rates.add(p.name, n, this.now());
        },
        onLoss: (bytes, reason, path) => {
          this.metrics.lossBytes.inc({ collection: p.name, reason }, bytes);
          this.ledger.add({
            collection: p.name,
            path,
            bytes,
            reason,
            at: new Date(this.now()).toISOString(),
          });
          this.deps.logger.warn('data lost before it could be read', {
            collection: p.name,
            path,
            bytes,
            reason,
          });
        },
      },
    });
  }

  /** Gauges read at scrape time are cheap to keep current once a second. */
  private updateGauges(): void {
    this.metrics.bufferBytes.set({}, this.sink.bufferedBytes);
    for (const [name, r] of this.running) {
      let lag = 0;
      for (const t of r.runner.tailers.values()) lag += t.lagBytes;
      this.metrics.lag.set({ collection: name }, lag);
      this.metrics.files.set({ collection: name }, r.runner.tailers.size);
    }
  }

  renderStatus(): AgentStatus {
    return renderAgentStatus({
      node: this.config.node,
      now: this.now(),
      startedAt: this.startedAt,
      configRevision: this.snapshot?.revision ?? 0,
      etcd: { connected: this.etcdConnected, ...(this.etcdError ? { lastError: this.etcdError } : {}) },
      sink: this.sink,
      running: [...this.running.values()],
      rejected: this.rejected,
      rates: this.rates,
      ledger: this.ledger,
      ...(this.deps.pods ? { kubernetes: this.deps.pods.status() } : {}),
    });
  }

  /** Flushes status now (tests and the console use this to see a change at once). */
  flushStatus(): Promise<void> {
    return this.status.flush();
  }

  get ready(): { ok: boolean; reason?: string } {
    if (!this.etcdConnected) return { ok: false, reason: `etcd: ${this.etcdError ?? 'not connected'}` };
    if (this.sink.lastError) return { ok: false, reason: `kafka: ${this.sink.lastError}` };
    return { ok: true };
  }

  /** Stops tailers, sends what was read (bounded), writes checkpoints. Safe twice. */
  async shutdown(): Promise<void> {
    if (this.shut) return;
    this.shut = true;
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    await this.watcher.stop();
    await this.applying;
    await Promise.all([...this.running.values()].map((r) => r.runner.stop()));
    await this.deps.pods?.stop();
    await this.sink.shutdown();
    await this.checkpoints.flush();
    await this.status.shutdown();
  }
}
