// Keeps an up-to-date cache of LogCollections with client-node's ListWatch, which relists
// after a 410 Gone and re-watches from the last resourceVersion when a stream ends. What it
// does not do is come back after an error (a failed list, a 5xx, a refused connection): it
// reports and stops. This wrapper restarts it with backoff, and says whether the cache
// reflects a successful list yet — garbage collection must not run on an empty cache.

import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../common/observe/logger.ts';
import { Backoff } from '../common/time/backoff.ts';
import type { Clock } from '../common/time/clock.ts';
import { describeError } from '../common/errors.ts';
import type { KubeClient } from './kube-client.ts';
import { resourceKey, type LogCollection } from './resource.ts';

export interface InformerOptions {
  kc: KubeConfig;
  client: KubeClient;
  logger: Logger;
  clock: Clock;
  /** Called with "namespace/name" whenever that object may have changed. */
  onChange: (key: string) => void;
  /** Called after every successful list (initial, after 410, after a restart). */
  onList?: () => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  random?: () => number;
}

export class LogCollectionInformer {
  private readonly opts: InformerOptions;
  private lw: ListWatch<KubernetesObject> | undefined;
  private stopped = false;
  private readonly retry: Backoff;
  private timer: unknown;
  synced = false;
  lists = 0;
  lastError: string | undefined;

  constructor(opts: InformerOptions) {
    this.opts = opts;
    const min = opts.retryMinMs ?? 200;
    this.retry = new Backoff({
      baseMs: min,
      maxMs: Math.max(min, opts.retryMaxMs ?? 10_000),
      minMs: min,
      ...(opts.random ? { random: opts.random } : {}),
    });
  }

  async start(): Promise<void> {
    const { client, onChange } = this.opts;
    const listFn = async () => {
      const list = await client.list();
      // Mark synced only once ListWatch has replaced its cache with this list, which it
      // does synchronously after this promise settles: a macrotask runs after that.
      setImmediate(() => this.listed());
      return list as unknown as { items: KubernetesObject[]; metadata?: { resourceVersion?: string } };
    };
    const lw = new ListWatch<KubernetesObject>(client.path, new Watch(this.opts.kc), listFn, false);
    const changed = (o: KubernetesObject) => onChange(resourceKey(o as LogCollection));
    lw.on('add', changed);
    lw.on('update', changed);
    lw.on('delete', changed);
    lw.on('error', (err: unknown) => this.failed(err));
    this.lw = lw;
    await lw.start();
  }

  get(key: string): LogCollection | undefined {
    const i = key.indexOf('/');
    return this.lw?.get(key.slice(i + 1), key.slice(0, i)) as LogCollection | undefined;
  }

  list(): readonly LogCollection[] {
    return (this.lw?.list() ?? []) as readonly LogCollection[];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer);
    await this.lw?.stop();
  }

  private listed(): void {
    this.synced = true;
    this.lists++;
    this.lastError = undefined;
    this.retry.reset();
    this.opts.onList?.();
  }

  private failed(err: unknown): void {
    this.lastError = describeError(err);
    if (this.stopped) return;
    const delay = this.retry.next();
    this.opts.logger.warn('LogCollection watch failed; restarting', {
      error: this.lastError,
      retryInMs: delay,
    });
    const lw = this.lw;
    this.timer = this.opts.clock.setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) void lw?.start();
    }, delay);
  }
}
