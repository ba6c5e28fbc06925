// The agent's output stage: records go into a bounded FIFO and are sent to Kafka in batches,
// one batch in flight at a time, so acknowledgements come back in read order and each file's
// checkpoint can advance to the end of the last acknowledged line. A failed batch is retried
// forever with backoff (the file is the buffer: readers pause while the FIFO is full).

import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';

export interface OutRecord {
  topic: string;
  key: string;
  value: string;
  /** The value's UTF-8 length, when known (the sink's records carry it). */
  valueBytes?: number;
}

/** The producer a sink drives (@platformatic/kafka or kafkajs; bench/agent compares them). */
export interface RecordProducer {
  connect(): Promise<void>;
  /**
   * Resolves once every record is acknowledged by all in-sync replicas (acks=all). The records
   * may carry other fields (the sink's own bookkeeping): a producer reads only these three.
   */
  send(records: readonly OutRecord[]): Promise<void>;
  disconnect(): Promise<void>;
}

/** Who is told when a record is acknowledged: its tailer, with the record's end offset. */
export interface AckOwner {
  acked(end: number): void;
  /** Called once per batch after its acks: the place to write one checkpoint, not one per record. */
  batchAcked(): void;
}

/** One object per record, handed to the producer as is (no copy per record per batch). */
interface Pending extends OutRecord {
  bytes: number;
  owner: AckOwner;
  end: number;
}

export interface SinkOptions {
  producer: RecordProducer;
  logger: Logger;
  /** Readers pause above this many bytes not yet acknowledged. */
  maxBufferedBytes: number;
  batchBytes: number;
  lingerMs: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  onSent?: (records: number, bytes: number) => void;
  /** Awaited after a batch's acks are delivered, before the next batch is sent. */
  afterAck?: () => Promise<void>;
  onError?: (err: unknown) => void;
}

export class KafkaSink {
  private readonly opts: SinkOptions;
  private queue: Pending[] = [];
  private head = 0;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  connected = false;
  lastError: string | undefined;

  private roomWaiters: (() => void)[] = [];

  constructor(opts: SinkOptions) {
    this.opts = opts;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  get full(): boolean {
    return this.bytes >= this.opts.maxBufferedBytes;
  }

  /** Resolves when there is room again (immediately if there is). */
  waitForRoom(): Promise<void> {
    if (!this.full || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Queues a record; `valueBytes` is its value's UTF-8 length (the caller has it already). */
  push(topic: string, key: string, value: string, valueBytes: number, owner: AckOwner, end: number): void {
    const bytes = valueBytes + key.length + 64;
    this.queue.push({ topic, key, value, valueBytes, bytes, owner, end });
    this.bytes += bytes;
    if (this.bytes - this.inFlightBytes >= this.opts.batchBytes) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.opts.lingerMs);
    }
  }

  private inFlightBytes = 0;

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.queue.length - this.head > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    let delay = this.opts.retryMinMs ?? 100;
    while (this.queue.length - this.head > 0 && !this.stopped) {
      const batch: Pending[] = [];
      let size = 0;
      // Stay under batchBytes (a lone record may be larger): a file's records share one
      // partition, and Kafka refuses a record batch over message.max.bytes (1 MB by default).
      for (let i = this.head; i < this.queue.length; i++) {
        const p = this.queue[i]!;
        if (batch.length > 0 && size + p.bytes > this.opts.batchBytes) break;
        batch.push(p);
        size += p.bytes;
      }
      this.inFlightBytes = size;
      try {
        await this.opts.producer.send(batch);
      } catch (err) {
        this.inFlightBytes = 0;
        this.connected = false;
        this.lastError = describeError(err);
        this.opts.onError?.(err);
        this.opts.logger.warn('kafka send failed; retrying the same batch', {
          records: batch.length,
          error: this.lastError,
          retryInMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(this.opts.retryMaxMs ?? 5000, delay * 2);
        continue;
      }
      delay = this.opts.retryMinMs ?? 100;
      this.connected = true;
      this.lastError = undefined;
      this.inFlightBytes = 0;
      this.head += batch.length;
      this.bytes -= size;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      const owners = new Set<AckOwner>();
      for (const p of batch) {
        p.owner.acked(p.end);
        owners.add(p.owner);
      }
      for (const o of owners) o.batchAcked();
      this.opts.onSent?.(batch.length, size);
      await this.opts.afterAck?.();
      if (!this.full) this.wakeRoomWaiters();
    }
  }

  private wakeRoomWaiters(): void {
    const w = this.roomWaiters;
    this.roomWaiters = [];
    for (const resolve of w) resolve();
  }

  /** Sends what is queued (bounded by timeoutMs), then stops. Safe to call twice. */
  async shutdown(timeoutMs = 10000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.stopped) {
      this.kick();
      const idle = (async () => {
        while (this.running) await this.running;
      })();
      await Promise.race([idle, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.stopped = true;
    this.wakeRoomWaiters();
    await this.opts.producer.disconnect().catch(() => {});
  }
}
