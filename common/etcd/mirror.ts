// Mirrors a set of etcd key ranges into memory: list, then watch from the listed revision.
// Any watch disconnect, cancellation (e.g. compaction) or error ends the cycle: the watchers
// are dropped and the ranges re-listed, so a restarted, compacted or restored etcd (whose
// revision may even go backwards) always converges to what it holds now.

import type { Etcd3, Watcher } from 'etcd3';
import type { Logger } from '../observe/logger.ts';
import type { RawValue } from '../config/snapshot.ts';
import { describeError } from '../errors.ts';
import { explainEtcdError } from './explain.ts';
import { Backoff } from '../time/backoff.ts';
import { sleep, systemClock, type Clock } from '../time/clock.ts';

export type Range = { prefix: string } | { key: string };

export interface MirrorOptions {
  etcd: Etcd3;
  ranges: Range[];
  logger: Logger;
  /** Called after every list and every watch batch with the whole mirrored state. */
  onChange: (state: ReadonlyMap<string, RawValue>, revision: number, cause: 'list' | 'watch') => void;
  /** Called when the link to etcd is lost or regained (for readiness and status). */
  onConnection?: (connected: boolean, error?: string) => void;
  retryMinMs?: number;
  retryMaxMs?: number;
  clock?: Clock;
  random?: () => number;
}

/** Keys per page when listing a prefix. */
const LIST_PAGE = 1000;

/** How long dropping a watcher waits for etcd to confirm the cancel. */
const CANCEL_WAIT_MS = 1000;

const rangeEnd = (prefix: string): Buffer => {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      b[i]!++;
      return b.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
};

/** How long stop() waits for a pending watcher create (etcd may be down). */
const STOP_SETUP_WAIT_MS = 3000;

export class EtcdMirror {
  private readonly opts: MirrorOptions;
  private readonly clock: Clock;
  private state = new Map<string, RawValue>();
  private revision = 0;
  private stopped = false;
  /** The current failure streak's reason was looked up and logged. */
  private explained = false;
  private problem: string | undefined;
  private watchers: Watcher[] = [];
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** The current cycle's watcher creation: a watcher it creates after stop() must still be dropped. */
  private settingUp: Promise<void> = Promise.resolve();
  /** Aborted by stop(): wakes a retry wait at once. */
  private readonly stopping = new AbortController();

  constructor(opts: MirrorOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
  }

  /** Resolves after the first successful list (or rejects if stopped before). */
  start(): Promise<void> {
    let first!: () => void;
    const listed = new Promise<void>((resolve) => (first = resolve));
    this.loop = this.run(first);
    return listed;
  }

  get current(): { state: ReadonlyMap<string, RawValue>; revision: number } {
    return { state: this.state, revision: this.revision };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopping.abort();
    this.wake?.();
    // A watcher whose create() was still pending when the cycle ended must be cancelled too:
    // left attached to the client, etcd3 reconnects it forever after etcd.close() (ref'd
    // timers) and the process never exits. The setup cancels such a watcher itself; waiting
    // for it here (bounded, as a create may wait for an etcd that is down) lets it do so
    // before the client is closed.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      this.settingUp,
      new Promise<void>((r) => (bound = setTimeout(r, STOP_SETUP_WAIT_MS))),
    ]);
    clearTimeout(bound);
    await this.dropWatchers();
    await this.loop;
  }

  private async run(firstListed: () => void): Promise<void> {
    const min = this.opts.retryMinMs ?? 200;
    const backoff = new Backoff({
      baseMs: min,
      maxMs: Math.max(min, this.opts.retryMaxMs ?? 2000),
      minMs: min,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
    while (!this.stopped) {
      let delay: number;
      try {
        const ended = await this.cycle(firstListed);
        if (this.stopped) break; // our own stop(), not something to warn about
        backoff.reset();
        this.explained = false;
        delay = backoff.next();
        this.opts.onConnection?.(false, ended);
        this.opts.logger.warn('etcd watch ended; re-listing', { reason: ended });
      } catch (err) {
        if (this.stopped) break;
        delay = backoff.next();
        // Once per failure streak, the reason in words, with the setting to change.
        if (!this.explained) this.problem = await explainEtcdError(this.opts.etcd, err);
        const problem = this.problem;
        this.explained = true;
        this.opts.onConnection?.(false, problem ?? describeError(err));
        this.opts.logger.warn('etcd list failed; retrying', {
          error: describeError(err),
          ...(problem ? { problem } : {}),
          retryInMs: delay,
        });
      }
      await this.dropWatchers();
      if (this.stopped) break;
      await sleep(this.clock, delay, this.stopping.signal);
    }
  }

  /** One list+watch cycle; resolves with the reason the watch ended. */
  private async cycle(firstListed: () => void): Promise<string> {
    const { etcd } = this.opts;
    const next = new Map<string, RawValue>();
    let revision = 0;
    for (const range of this.opts.ranges) {
      // A prefix is listed in pages at one revision: one answer for 50,000 entries would pass
      // gRPC's 4 MB message limit, and etcd would refuse it.
      let key = Buffer.from('prefix' in range ? range.prefix : range.key);
      for (;;) {
        const res = await etcd.kv.range({
          key,
          ...('prefix' in range ? { range_end: rangeEnd(range.prefix), limit: String(LIST_PAGE) } : {}),
          ...(revision ? { revision: String(revision) } : {}),
        });
        if (!revision) revision = Number(res.header.revision);
        for (const kv of res.kvs) {
          next.set(kv.key.toString(), { value: kv.value.toString(), modRevision: Number(kv.mod_revision) });
        }
        if (!('prefix' in range) || !res.more || !res.kvs.length) break;
        key = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
      }
    }
    if (this.stopped) return 'stopped';
    this.state = next;
    this.revision = revision;
    this.opts.onConnection?.(true);
    this.opts.onChange(this.state, revision, 'list');
    firstListed();

    return await new Promise<string>((resolve, reject) => {
      let done = false;
      const end = (reason: string) => {
        if (!done) {
          done = true;
          resolve(reason);
        }
      };
      this.wake = () => end('stopped');
      const setup = async () => {
        for (const range of this.opts.ranges) {
          if (done) return; // ended (or stopped) meanwhile: create no more watchers
          const b = etcd.watch();
          const builder = 'prefix' in range ? b.prefix(range.prefix) : b.key(range.key);
          const w = await builder.startRevision(String(revision + 1)).create();
          if (done) {
            // The cycle ended while this create() was pending, after its watchers were
            // dropped: cancel this one too, or it stays attached to the client for good.
            void w.cancel().catch(() => undefined);
            return;
          }
          this.watchers.push(w);
          w.on('disconnected', (err: unknown) => end(`disconnected: ${describeError(err)}`));
          w.on('error', (err: unknown) => end(`error: ${describeError(err)}`));
          w.on('end', () => end('watch ended'));
          w.on('data', (res) => {
            if (done) return;
            for (const ev of res.events) {
              const k = ev.kv.key.toString();
              if (ev.type === 'Delete') this.state.delete(k);
              else
                this.state.set(k, { value: ev.kv.value.toString(), modRevision: Number(ev.kv.mod_revision) });
            }
            const rev = Number(res.header.revision);
            if (rev < this.revision) return end(`revision went backwards (${rev} < ${this.revision})`);
            this.revision = rev;
            if (res.events.length) this.opts.onChange(this.state, rev, 'watch');
          });
        }
      };
      this.settingUp = setup().catch((err) => (done ? undefined : reject(err)));
    });
  }

  private async dropWatchers(): Promise<void> {
    const ws = this.watchers;
    this.watchers = [];
    await Promise.all(
      ws.map((w) => {
        w.removeAllListeners();
        w.on('error', () => {});
        const gaveUp = new AbortController();
        return Promise.race([
          w.cancel().catch(() => {}),
          sleep(this.clock, CANCEL_WAIT_MS, gaveUp.signal, true),
        ]).finally(() => gaveUp.abort());
      }),
    );
  }
}
