// PodResolver: the agent's one view of the pods on its node, serving every `pods` source.
//
//   const kube = kubeAccessFrom(settings);             // undefined → standalone, no pods sources
//   const resolver = new PodResolver({ kube, node, logRoot, logger });
//   await resolver.start();                            // after the first successful list
//   const off = resolver.subscribe(entry.source.pods, (targets) => { … });
//   …  off();  await resolver.stop();
//
// `subscribe` calls `onChange` at once (synchronously) with the current targets, then again
// with the full new list whenever that list changes — level-based, so a consumer replaces
// what it runs with what it is given and never needs the reason. Each target is one
// container's log-file glob plus the namespace, pod, container and labels to enrich its
// events with. A target that appears later belongs to a new container (or a pod that just
// moved into the selector): its files should be read from the beginning, not from `startAt`.
// `targets(source)` reads the current list without subscribing.
//
// One list+watch per agent (pod-watch.ts), whatever the number of sources; which pods count
// and for how long after they end is decided in targets.ts. While the API server is
// unreachable the last known pods stay in effect and the watch retries with backoff.

import { systemClock, type Clock } from '../../common/time/clock.ts';
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/observe/logger.ts';
import type { KubeAccess } from './kube-api.ts';
import { NodePodWatch } from './pod-watch.ts';
import {
  collectable,
  isTerminal,
  nextExpiry,
  podView,
  targetsFor,
  type PodLogTarget,
  type PodRecord,
  type PodsSource,
} from './targets.ts';

export const DEFAULT_POD_GRACE_MS = 60_000;

export interface PodResolverOptions {
  kube: KubeAccess;
  node: string;
  /** The kubelet's pod log directory, usually /var/log/pods. */
  logRoot: string;
  logger: Logger;
  clock?: Clock;
  /** How long a finished or deleted pod's files stay targets (default 60 s). */
  graceMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface PodResolverStatus {
  synced: boolean;
  /** Pods on this node the resolver knows, including finished ones in their grace period. */
  pods: number;
  lists: number;
  lastError?: string;
}

interface Subscription {
  source: PodsSource;
  onChange: (targets: PodLogTarget[]) => void;
  last: string;
}

export class PodResolver {
  private readonly opts: PodResolverOptions;
  private readonly clock: Clock;
  private readonly graceMs: number;
  private readonly watch: NodePodWatch;
  /** By metadata.uid: live pods and deleted ones still in their grace period. */
  private readonly records = new Map<string, PodRecord>();
  private readonly subs = new Set<Subscription>();
  private refreshQueued = false;
  private expiryTimer: unknown;
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(opts: PodResolverOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.graceMs = opts.graceMs ?? DEFAULT_POD_GRACE_MS;
    this.watch = new NodePodWatch({
      kube: opts.kube,
      node: opts.node,
      logger: opts.logger.child({ component: 'pod-resolver' }),
      clock: this.clock,
      onChange: () => this.queueRefresh(),
      ...(opts.retryMinMs === undefined ? {} : { retryMinMs: opts.retryMinMs }),
      ...(opts.retryMaxMs === undefined ? {} : { retryMaxMs: opts.retryMaxMs }),
    });
  }

  /** Resolves after the first successful list of the node's pods; retries until then. */
  start(): Promise<void> {
    this.started ??= this.watch.start().then(() => this.refresh());
    return this.started;
  }

  targets(source: PodsSource): PodLogTarget[] {
    return targetsFor(this.records.values(), source, this.targetOpts());
  }

  subscribe(source: PodsSource, onChange: (targets: PodLogTarget[]) => void): () => void {
    const targets = this.targets(source);
    const sub: Subscription = { source, onChange, last: JSON.stringify(targets) };
    this.subs.add(sub);
    onChange(targets);
    return () => {
      this.subs.delete(sub);
    };
  }

  status(): PodResolverStatus {
    const err = this.watch.lastError;
    return {
      synced: this.watch.synced,
      pods: this.records.size,
      lists: this.watch.lists,
      ...(err ? { lastError: describeError(err) } : {}),
    };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    this.subs.clear();
    await this.watch.stop();
  }

  private targetOpts() {
    return { logRoot: this.opts.logRoot, now: this.clock.now(), graceMs: this.graceMs };
  }

  /** A relist fires one change per pod; recompute once after the burst. */
  private queueRefresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    queueMicrotask(() => {
      this.refreshQueued = false;
      this.refresh();
    });
  }

  private refresh(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const live = new Set<string>();
    for (const pod of this.watch.pods()) {
      const view = podView(pod);
      if (!view) continue;
      live.add(view.uid);
      const before = this.records.get(view.uid);
      const rec: PodRecord = { view };
      if (isTerminal(view.phase)) rec.terminalSince = before?.terminalSince ?? now;
      this.records.set(view.uid, rec);
    }
    for (const [uid, rec] of this.records) {
      if (live.has(uid)) continue;
      rec.deletedAt ??= now;
      if (!collectable(rec, now, this.graceMs)) this.records.delete(uid);
    }
    for (const sub of this.subs) this.notify(sub, now);
    this.scheduleExpiry(now);
  }

  private notify(sub: Subscription, now: number): void {
    const targets = targetsFor(this.records.values(), sub.source, {
      logRoot: this.opts.logRoot,
      now,
      graceMs: this.graceMs,
    });
    const key = JSON.stringify(targets);
    if (key === sub.last) return;
    sub.last = key;
    try {
      sub.onChange(targets);
    } catch (err) {
      this.opts.logger.error('a pods-source subscriber failed', {
        error: err,
        namespace: sub.source.namespace,
      });
    }
  }

  private scheduleExpiry(now: number): void {
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const at = nextExpiry(this.records.values(), now, this.graceMs);
    if (at === undefined) return;
    const t = this.clock.setTimeout(() => {
      this.expiryTimer = undefined;
      this.refresh();
    }, at - now);
    (t as { unref?(): unknown }).unref?.();
    this.expiryTimer = t;
  }
}
