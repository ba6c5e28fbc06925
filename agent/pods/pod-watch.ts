// One list+watch of the pods bound to this node (`fieldSelector=spec.nodeName=<node>`, all
// namespaces) over agent/pods/kube-api.ts. A list gives the pods and a resourceVersion; the
// watch then streams changes from it (with bookmarks, so the version keeps up on a quiet
// node). A stream the server ends or drops is re-watched from the last version at once (after
// a short, capped backoff if it keeps ending without events); a 410 Gone (the history was
// compacted) relists; any other failure keeps the pods known so far in effect, reports the
// error and retries with backoff, re-watching if it can and relisting if it must.

import type { V1Pod } from '@kubernetes/client-node';
import { Backoff } from '../../common/time/backoff.ts';
import type { Clock } from '../../common/time/clock.ts';
import type { Logger } from '../../common/observe/logger.ts';
import { kubeError, PodSourceError } from './errors.ts';
import { getJson, watch, KubeHttpError, type KubeAccess, type WatchEvent } from './kube-api.ts';

export interface PodWatchOptions {
  kube: KubeAccess;
  node: string;
  logger: Logger;
  clock: Clock;
  /** Something about the node's pods may have changed; read `pods()` again. */
  onChange: () => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

/** The server closes a watch after this long; the client gives up on it a little later. */
const WATCH_SECONDS = 300;

class Gone extends Error {}

export class NodePodWatch {
  private readonly opts: PodWatchOptions;
  private readonly cache = new Map<string, V1Pod>();
  private resourceVersion: string | undefined;
  private stopped = false;
  private readonly retry: Backoff;
  private sleeping: { timer: unknown; wake: () => void } | undefined;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private firstList: { promise: Promise<void>; resolve: () => void };
  synced = false;
  lists = 0;
  lastError: PodSourceError | undefined;

  constructor(opts: PodWatchOptions) {
    this.opts = opts;
    const min = opts.retryMinMs ?? 200;
    this.retry = new Backoff({
      baseMs: min,
      maxMs: Math.max(min, opts.retryMaxMs ?? 10_000),
      minMs: min,
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.firstList = Promise.withResolvers<void>();
  }

  /** Resolves after the first successful list (or when stopped before one). */
  async start(): Promise<void> {
    this.loop ??= this.run();
    await this.firstList.promise;
  }

  pods(): readonly V1Pod[] {
    return [...this.cache.values()];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort?.abort();
    if (this.sleeping) {
      this.opts.clock.clearTimeout(this.sleeping.timer);
      this.sleeping.wake();
    }
    this.firstList.resolve();
    await this.loop;
  }

  private get query(): Record<string, string> {
    return { fieldSelector: `spec.nodeName=${this.opts.node}` };
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        const started = this.opts.clock.now();
        const changed = await this.watchOnce();
        // Ended by the server: re-watch at once, unless streams keep ending empty right away.
        if (changed || this.opts.clock.now() - started > 1000) this.retry.reset();
        else await this.backoff(this.retry.next());
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof Gone) {
          this.resourceVersion = undefined; // relist now
          continue;
        }
        const ms = this.retry.next();
        this.failed(err, ms);
        await this.backoff(ms);
      }
    }
  }

  private async list(): Promise<void> {
    this.abort = new AbortController();
    let list: { metadata?: { resourceVersion?: string }; items?: V1Pod[] };
    try {
      list = await getJson(this.opts.kube, '/api/v1/pods', this.query, this.abort.signal);
    } catch (err) {
      throw kubeError(`listing the pods of node ${this.opts.node}`, err);
    }
    if (this.stopped) return;
    this.cache.clear();
    for (const pod of list.items ?? []) if (pod.metadata?.uid) this.cache.set(pod.metadata.uid, pod);
    this.resourceVersion = list.metadata?.resourceVersion ?? '0';
    this.synced = true;
    this.lists++;
    this.recovered();
    this.opts.onChange();
    this.firstList.resolve();
  }

  /** One watch stream from the last resourceVersion; true if it carried any change. */
  private async watchOnce(): Promise<boolean> {
    const abort = (this.abort = new AbortController());
    const guard = this.opts.clock.setTimeout(() => abort.abort(), (WATCH_SECONDS + 30) * 1000);
    let open = false;
    let changed = false;
    try {
      await watch<V1Pod>(
        this.opts.kube,
        '/api/v1/pods',
        {
          ...this.query,
          resourceVersion: this.resourceVersion!,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(WATCH_SECONDS),
        },
        {
          onOpen: () => {
            open = true;
            this.recovered();
          },
          onEvent: (e) => {
            if (this.event(e)) changed = true;
          },
        },
        abort.signal,
      );
    } catch (err) {
      if (err instanceof Gone || this.stopped) throw err;
      if (err instanceof KubeHttpError && err.code === 410) throw new Gone();
      // A stream dropped after it opened (an API server restart, a load balancer) is an end,
      // not a failure: the next watch resumes from the last version.
      if (open && !(err instanceof PodSourceError)) return changed;
      throw kubeError(`watching the pods of node ${this.opts.node}`, err);
    } finally {
      this.opts.clock.clearTimeout(guard);
    }
    return changed;
  }

  private event(e: WatchEvent<V1Pod>): boolean {
    if (e.type === 'ERROR') {
      const status = e.object as { code?: number; message?: string };
      if (status.code === 410) throw new Gone();
      throw kubeError(
        `watching the pods of node ${this.opts.node}`,
        new KubeHttpError(status.code ?? 500, status.message ?? 'watch error'),
      );
    }
    const rv = e.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (e.type === 'BOOKMARK') return false;
    const uid = e.object.metadata?.uid;
    if (!uid) return false;
    if (e.type === 'DELETED') this.cache.delete(uid);
    else this.cache.set(uid, e.object);
    this.opts.onChange();
    return true;
  }

  private recovered(): void {
    this.lastError = undefined;
    this.retry.reset();
  }

  private failed(err: unknown, retryInMs: number): void {
    const error = err instanceof PodSourceError ? err : kubeError('watching pods', err);
    this.lastError = error;
    const log = error.code === 'LCS_AGENT_KUBE_FORBIDDEN' ? 'error' : 'warn';
    this.opts.logger[log]('pod watch failed; retrying', { error, retryInMs });
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { timer: this.opts.clock.setTimeout(wake, ms), wake };
    });
  }
}
