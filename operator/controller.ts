// Runs the pure reconcile for one "namespace/name" at a time and carries out its result:
// finalizer first, then the etcd writes, then — once reconcile has nothing left to write —
// the finalizer release, the status and the Events. Keys are queued (deduplicated) from any
// trigger; a failed key is retried with backoff. Only the leader works the queue.
//
// Caches lag behind our own writes (the informer, the etcd mirror), so the controller keeps
// what it wrote until the cache has caught up: otherwise the next reconcile would decide
// from a stale view and repeat a write or lose a compare-and-swap for nothing.

import { backoffDelay } from '../common/time/backoff.ts';
import type { Clock } from '../common/time/clock.ts';
import type { Logger } from '../common/observe/logger.ts';
import type { TopicEnsurer } from './topics.ts';
import type { CollectEntry } from '../common/schema/collect-entry.ts';
import type { Counter } from '../common/observe/metrics.ts';
import { describeError, LcsError } from '../common/errors.ts';
import { k8sEntryKey } from '../common/keyspace.ts';
import type { AgentRecord } from './agents.ts';
import type { EntryWriter } from './etcd-entries.ts';
import type { KubeClient } from './kube-client.ts';
import type { Policy } from './policy.ts';
import { reconcile, type ObservedEntry } from './reconcile.ts';
import { FINALIZER, type LogCollection } from './resource.ts';

export interface ControllerView {
  resource(key: string): LogCollection | undefined;
  /** The etcd entry and the revision the view is at. */
  entry(etcdKey: string): ObservedEntry | undefined;
  etcdRevision(): number;
  agents(): readonly AgentRecord[];
  /** True when the caches reflect a successful list and this replica leads. */
  ready(): boolean;
}

export interface ControllerMetrics {
  reconciles: Counter;
  etcdWrites: Counter;
  statusWrites: Counter;
  errors: Counter;
}

export interface ControllerOptions {
  view: ControllerView;
  kube: KubeClient;
  writer: EntryWriter;
  policy: Policy;
  clock: Clock;
  logger: Logger;
  metrics: ControllerMetrics;
  /** Creates missing Kafka topics before their entry is written (operator.createTopics). */
  topics?: TopicEnsurer;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Jitter source for retry delays, in [0, 1). */
  random?: () => number;
}

export class Controller {
  private readonly opts: ControllerOptions;
  private readonly queue = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly retryTimers = new Map<string, unknown>();
  private readonly objects = new Map<string, { basedOn: string | undefined; object: LogCollection }>();
  private readonly entries = new Map<string, { entry: ObservedEntry | undefined; revision: number }>();
  private working = false;
  private stopped = false;
  /** Settles when the queue is empty and nothing is being reconciled. */
  private drained: Promise<void> = Promise.resolve();

  constructor(opts: ControllerOptions) {
    this.opts = opts;
  }

  enqueue(key: string): void {
    if (this.stopped) return;
    this.queue.add(key);
    this.kick();
  }

  get idle(): boolean {
    return !this.working && this.queue.size === 0 && this.retryTimers.size === 0;
  }

  /** Starts working the queue if allowed (call when readiness or leadership changes). */
  kick(): void {
    if (this.working || this.stopped || !this.opts.view.ready() || this.queue.size === 0) return;
    this.working = true;
    this.drained = this.work().finally(() => {
      this.working = false;
      if (this.queue.size) this.kick();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.retryTimers.values()) this.opts.clock.clearTimeout(t);
    this.retryTimers.clear();
    await this.drained;
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.opts.view.ready()) {
      const key = this.queue.values().next().value;
      if (key === undefined) return;
      this.queue.delete(key);
      try {
        await this.reconcileKey(key);
        this.attempts.delete(key);
        this.opts.metrics.reconciles.inc({ result: 'ok' });
      } catch (err) {
        this.opts.metrics.reconciles.inc({ result: 'error' });
        this.opts.metrics.errors.inc({ stage: 'reconcile' });
        this.retry(key, err);
      }
    }
  }

  private retry(key: string, err: unknown): void {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const retriable = err instanceof LcsError ? err.retriable : true;
    const min = this.opts.retryMinMs ?? 100;
    const policy = { baseMs: min, maxMs: Math.max(min, this.opts.retryMaxMs ?? 30_000), minMs: min };
    // A permanent error is retried too (the resource or the policy may change), ten times slower.
    const delay = backoffDelay(n - 1, policy, this.opts.random ?? Math.random) * (retriable ? 1 : 10);
    (retriable && n <= 3 ? this.opts.logger.info : this.opts.logger.warn)('reconcile failed; will retry', {
      key,
      error: describeError(err),
      attempt: n,
      retryInMs: delay,
    });
    if (this.retryTimers.has(key)) return;
    this.retryTimers.set(
      key,
      this.opts.clock.setTimeout(() => {
        this.retryTimers.delete(key);
        this.enqueue(key);
      }, delay),
    );
  }

  private resource(key: string): LogCollection | undefined {
    const cached = this.opts.view.resource(key);
    const mine = this.objects.get(key);
    if (mine && cached && cached.metadata.resourceVersion === mine.basedOn) return mine.object;
    this.objects.delete(key);
    return cached;
  }

  private remember(key: string, object: LogCollection): void {
    this.objects.set(key, { basedOn: this.opts.view.resource(key)?.metadata.resourceVersion, object });
  }

  private entry(etcdKey: string): ObservedEntry | undefined {
    const mine = this.entries.get(etcdKey);
    if (mine && this.opts.view.etcdRevision() < mine.revision) return mine.entry;
    this.entries.delete(etcdKey);
    return this.opts.view.entry(etcdKey);
  }

  /**
   * The topic must exist before agents produce to it when brokers do not auto-create topics.
   * A failure is reported (log and an Event) but does not hold the entry back: with
   * auto-creation on, collection works anyway, and the next reconcile tries again.
   */
  private async ensureTopic(key: string, resource: LogCollection): Promise<void> {
    const { topics, kube, logger, clock } = this.opts;
    const spec = resource.spec as { topic?: unknown; kafka?: CollectEntry['kafka'] } | undefined;
    if (!topics || typeof spec?.topic !== 'string') return;
    try {
      const result = await topics.ensure(spec.topic, spec.kafka);
      if (result === 'created')
        await kube
          .emit(
            resource,
            { type: 'Normal', reason: 'TopicCreated', message: `created Kafka topic ${spec.topic}` },
            clock.now(),
          )
          .catch(() => {});
    } catch (err) {
      logger.warn('could not create the Kafka topic; writing the entry anyway', {
        resource: key,
        topic: spec.topic,
        error: describeError(err),
      });
      await kube
        .emit(
          resource,
          {
            type: 'Warning',
            reason: 'TopicCreateFailed',
            message: `could not create Kafka topic ${spec.topic}: ${describeError(err)}`,
          },
          clock.now(),
        )
        .catch(() => {});
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const { kube, writer, metrics, logger, clock } = this.opts;
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const etcdKey = k8sEntryKey(namespace, name);
    // A few passes: each write changes the observation the next decision starts from.
    for (let pass = 0; pass < 4; pass++) {
      if (!this.opts.view.ready()) return;
      const resource = this.resource(key);
      const r = reconcile({
        namespace,
        name,
        resource,
        entry: this.entry(etcdKey),
        agents: this.opts.view.agents(),
        policy: this.opts.policy,
        now: clock.now(),
      });
      let acted = false;
      if (r.finalizer === 'add' && resource) {
        this.remember(
          key,
          await kube.setFinalizers(resource, [...(resource.metadata.finalizers ?? []), FINALIZER]),
        );
        acted = true;
      }
      for (const w of r.etcd) {
        if (w.op === 'put' && resource && this.opts.topics) await this.ensureTopic(key, resource);
        const revision = await writer.apply(w);
        metrics.etcdWrites.inc({ op: w.op });
        logger.info(w.op === 'put' ? 'wrote collect entry' : 'removed collect entry', {
          key: w.key,
          revision,
          resource: resource ? key : '(none: garbage)',
        });
        this.entries.set(w.key, {
          entry: w.op === 'put' ? { value: w.value, modRevision: revision } : undefined,
          revision,
        });
        acted = true;
      }
      if (acted) continue;
      if (!resource) return;
      if (r.finalizer === 'remove') {
        // Remembered like any write: the informer still shows the finalizer until its DELETED
        // (or MODIFIED) event, and a trigger in between must not release it again (a 404).
        this.remember(
          key,
          await kube.setFinalizers(
            resource,
            (resource.metadata.finalizers ?? []).filter((f) => f !== FINALIZER),
          ),
        );
        logger.info('released the finalizer', { resource: key });
      }
      if (r.status) {
        this.remember(key, await kube.writeStatus(resource, r.status));
        metrics.statusWrites.inc();
      }
      for (const e of r.events) {
        // Events are for people; losing one must not fail the reconcile.
        await kube.emit(resource, e, clock.now()).catch((err: unknown) =>
          logger.warn('could not post an event', {
            resource: key,
            reason: e.reason,
            error: describeError(err),
          }),
        );
      }
      return;
    }
    logger.warn('reconcile did not settle in 4 passes; will continue on the next trigger', { key });
  }
}
