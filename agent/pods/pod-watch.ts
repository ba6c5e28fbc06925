// One list+watch of the pods bound to this node (`fieldSelector=spec.nodeName=<node>`, all
// namespaces), through client-node's ListWatch: it relists after a 410 Gone and re-watches
// from the last resourceVersion when a stream ends or times out. It gives up after any other
// error (a failed list, a 5xx, a refused connection); this wrapper restarts it with backoff,
// keeping its cache, so the pods it knew are not reported gone while the API is away.
// (operator/informer.ts does the same for LogCollections; its client is LogCollection-shaped.)

import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/observe/logger.ts';
import { kubeError, PodSourceError } from './errors.ts';

export interface PodWatchOptions {
  kc: KubeConfig;
  node: string;
  logger: Logger;
  clock: Clock;
  /** Something about the node's pods may have changed; read `pods()` again. */
  onChange: () => void;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export class NodePodWatch {
  private readonly opts: PodWatchOptions;
  private lw: ListWatch<V1Pod> | undefined;
  private stopped = false;
  private delay: number;
  private timer: unknown;
  private rewatchTimer: unknown;
  private firstList: { promise: Promise<void>; resolve: () => void };
  synced = false;
  lists = 0;
  lastError: PodSourceError | undefined;

  constructor(opts: PodWatchOptions) {
    this.opts = opts;
    this.delay = opts.retryMinMs ?? 200;
    this.firstList = Promise.withResolvers<void>();
  }

  /** Resolves after the first successful list (or when stopped before one). */
  async start(): Promise<void> {
    const { kc, node, onChange } = this.opts;
    const core = kc.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${node}`;
    const listFn = async () => {
      let list;
      try {
        list = await core.listPodForAllNamespaces({ fieldSelector });
      } catch (err) {
        throw kubeError(`listing the pods of node ${node}`, err);
      }
      // ListWatch replaces its cache synchronously after this promise settles; a macrotask
      // runs after that, so the cache holds this list when `listed` reads it.
      setImmediate(() => this.listed());
      return list;
    };
    const watch = new EstablishedWatch(kc, () => this.established());
    const lw = new ListWatch<V1Pod>('/api/v1/pods', watch, listFn, false, undefined, fieldSelector, {
      delayFn: (ms) => this.rewatchDelay(ms),
    });
    lw.on('change', () => onChange());
    lw.on('error', (err: unknown) => this.failed(err));
    this.lw = lw;
    void lw.start();
    await this.firstList.promise;
  }

  pods(): readonly V1Pod[] {
    return this.lw?.list() ?? [];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.timer, this.rewatchTimer]) if (t !== undefined) this.opts.clock.clearTimeout(t);
    this.timer = this.rewatchTimer = undefined;
    this.firstList.resolve();
    await this.lw?.stop();
  }

  /**
   * ListWatch waits before re-watching after quiet stream ends, doubling up to 30 s; events are
   * replayed from the resourceVersion, so that is a delay, not a loss — capped here at
   * `retryMaxMs`. It also starts the watch after the wait even if it was stopped meanwhile,
   * leaking a stream: after a stop the wait never ends.
   */
  private rewatchDelay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.rewatchTimer = this.opts.clock.setTimeout(
        () => {
          this.rewatchTimer = undefined;
          if (!this.stopped) resolve();
        },
        Math.min(ms, this.opts.retryMaxMs ?? 10_000),
      );
    });
  }

  /** A watch stream is open again: whatever failed before has recovered. */
  private established(): void {
    this.lastError = undefined;
    this.delay = this.opts.retryMinMs ?? 200;
  }

  private listed(): void {
    if (this.stopped) return;
    this.synced = true;
    this.lists++;
    this.lastError = undefined;
    this.delay = this.opts.retryMinMs ?? 200;
    this.opts.onChange();
    this.firstList.resolve();
  }

  private failed(err: unknown): void {
    if (this.stopped) return;
    const error = err instanceof PodSourceError ? err : kubeError('watching pods', err);
    this.lastError = error;
    const log = error.code === 'LCS_AGENT_KUBE_FORBIDDEN' ? 'error' : 'warn';
    this.opts.logger[log]('pod watch failed; restarting', { error, retryInMs: this.delay });
    const lw = this.lw;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) void lw?.start();
    }, this.delay);
    this.delay = Math.min(this.opts.retryMaxMs ?? 10_000, this.delay * 2);
  }
}

/** Watch that says when a stream was established (ListWatch only reports failures). */
class EstablishedWatch extends Watch {
  private readonly onEstablished: () => void;
  constructor(kc: KubeConfig, onEstablished: () => void) {
    super(kc);
    this.onEstablished = onEstablished;
  }

  override async watch(
    ...[path, query, callback, done]: Parameters<Watch['watch']>
  ): Promise<AbortController> {
    let failed = false;
    const controller = await super.watch(path, query, callback, (err: unknown) => {
      if (err) failed = true;
      done(err);
    });
    // Watch.watch settles after the 200 response, or after reporting the error through `done`.
    if (!failed) this.onEstablished();
    return controller;
  }
}
