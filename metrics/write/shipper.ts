// Delivers batches of lines in order, once each, through outages. A batch is sent straight
// from memory while the server answers; when a write fails (or a backlog exists) it goes to
// the spool on disk, and the drain loop sends the spool, oldest first, before anything newer.
// Invariant: every spooled batch is older than every batch in memory. Shutdown spools what is
// still in memory, so a restart during an outage loses nothing.
//
// "Once each": a batch leaves the spool only after the server acknowledged it. A crash between
// the acknowledgement and the removal sends it again after restart, which InfluxDB and
// VictoriaMetrics store as the same points (same series, same second, same values): an
// overwrite, not a duplicate.

import { Backoff } from '../../common/time/backoff.ts';
import { sleep, type Clock } from '../../common/time/clock.ts';
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/observe/logger.ts';
import type { LineWriter } from './errors.ts';
import type { Spool } from './spool.ts';
import { WriteError } from './errors.ts';

export interface ShipperStats {
  sent: number;
  rejected: number;
  dropped: number;
  failures: number;
}

export interface ShipperOptions {
  writer: LineWriter;
  spool: Spool;
  clock: Clock;
  logger: Logger;
  /** Lines per request when draining the spool. */
  maxBatchLines: number;
  /** Batches held in memory before new ones go to disk (a slow but working server). */
  maxMemoryBatches?: number;
  backoff?: Backoff;
  /** Lines acknowledged; lines refused for good (4xx); failures (each retried). */
  onSent?: (lines: number) => void;
  onRejected?: (lines: number, err: WriteError) => void;
  onFailure?: (err: unknown) => void;
}

export class Shipper {
  private readonly o: ShipperOptions;
  private readonly memory: string[][] = [];
  private readonly backoff: Backoff;
  private readonly stop = new AbortController();
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  /** Serialises spool appends with the drain's spilling, so the order on disk is the order of arrival. */
  private spoolChain: Promise<void> = Promise.resolve();
  private spilling = 0;
  lastError: string | undefined;
  /** Whether the last write succeeded (false from the first failure until the next success). */
  up = true;

  constructor(o: ShipperOptions) {
    this.o = o;
    this.backoff = o.backoff ?? new Backoff({ baseMs: 1000, maxMs: 30_000, minMs: 200 });
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Queues one batch (a sample's lines). Resolves once it is in memory or on disk. */
  enqueue(lines: string[]): Promise<void> {
    if (!lines.length) return Promise.resolve();
    // A backlog on disk, or a server that failed last time: behind the backlog, on disk.
    // Otherwise in memory; the drain loop spills memory to disk between two writes when it
    // holds too much, never while a memory batch is in flight, so the order is kept.
    let done = Promise.resolve();
    if (!this.o.spool.empty || !this.up || this.spilling) done = this.toSpool([lines]);
    else this.memory.push(lines);
    this.wake?.();
    return done;
  }

  private toSpool(batches: string[][]): Promise<void> {
    if (!batches.length) return this.spoolChain;
    // Until these batches are on disk the spool may still look empty: later batches must follow them there.
    this.spilling++;
    const p = this.spoolChain
      .then(async () => {
        for (const b of batches) await this.o.spool.append(b);
      })
      .finally(() => this.spilling--);
    this.spoolChain = p.catch((err) =>
      this.o.logger.error('spool write failed', { error: describeError(err) }),
    );
    return p;
  }

  get pending(): { memoryBatches: number; spooled: Spool['size'] } {
    return { memoryBatches: this.memory.length, spooled: this.o.spool.size };
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    while (!signal.aborted) {
      await this.spoolChain;
      if (this.memory.length > (this.o.maxMemoryBatches ?? 4)) await this.toSpool(this.memory.splice(0));
      const fromDisk = this.o.spool.empty ? undefined : await this.o.spool.oldest(this.o.maxBatchLines);
      const lines = fromDisk?.lines ?? this.memory[0];
      if (!lines) {
        await new Promise<void>((r) => {
          this.wake = r;
          signal.addEventListener('abort', () => r(), { once: true });
        });
        this.wake = undefined;
        continue;
      }
      try {
        await this.o.writer.write(lines);
        this.o.onSent?.(lines.length);
        if (!this.up) this.o.logger.info('writes work again', { writer: this.o.writer.description });
        this.up = true;
        this.lastError = undefined;
        this.backoff.reset();
      } catch (err) {
        if (err instanceof WriteError && !err.retriable) {
          // Sent again it would fail again: drop it, count it, log it.
          this.o.onRejected?.(lines.length, err);
          this.o.logger.error('batch refused by the server; dropped', {
            lines: lines.length,
            error: describeError(err),
          });
          this.up = true;
        } else {
          this.o.onFailure?.(err);
          if (this.up)
            this.o.logger.warn('write failed; buffering to disk and retrying', {
              writer: this.o.writer.description,
              error: describeError(err),
            });
          this.up = false;
          this.lastError = describeError(err);
          // Everything in memory goes to disk, in order, before the spool is retried.
          if (!fromDisk) await this.toSpool(this.memory.splice(0));
          await sleep(this.o.clock, this.backoff.next(), signal, true);
          continue;
        }
      }
      if (fromDisk) await this.o.spool.remove(fromDisk.segments);
      else this.memory.shift();
    }
  }

  /** Stops after the write in flight, and spools what is still in memory. Safe to call twice. */
  async shutdown(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    await this.loop;
    await this.toSpool(this.memory.splice(0));
    await this.spoolChain;
  }
}
