// The agent's output stage: records go into a bounded FIFO of record blocks (one block is one
// Kafka send; agent/record-block.ts keeps them off the V8 heap), one block in flight at a time, so acknowledgements come back in read order and each file's
// checkpoint can advance to the end of the last acknowledged line. A failed batch is retried
// forever with backoff (the file is the buffer: readers pause while the FIFO is full).

import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';
import { RecordBlock, type AckOwner } from './record-block.ts';

export type { AckOwner } from './record-block.ts';

/** The producer a sink drives (bench/agent compares them; docs/benchmarks-agent.md). */
export interface RecordProducer {
  connect(): Promise<void>;
  /** Resolves once every record of the block is acknowledged by all in-sync replicas (acks=all). */
  send(block: RecordBlock): Promise<void>;
  disconnect(): Promise<void>;
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
  /** Readers woken per acknowledgement while others wait (default: all). */
  wakeAtOnce?: number;
}

export class KafkaSink {
  private readonly opts: SinkOptions;
  /** Oldest first; the last one takes new records until it is sealed. */
  private blocks: RecordBlock[] = [];
  private openBlock: RecordBlock | undefined;
  private readonly spare: RecordBlock[] = [];
  private readonly maxSpare: number;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  connected = false;
  lastError: string | undefined;

  private roomWaiters: (() => void)[] = [];

  constructor(opts: SinkOptions) {
    this.opts = opts;
    // Enough recycled blocks to refill the whole budget without allocating.
    this.maxSpare = Math.ceil(opts.maxBufferedBytes / opts.batchBytes) + 1;
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
    let block = this.openBlock;
    if (!block || !block.append(topic, key, value, valueBytes, owner, end)) {
      // A block holds up to batchBytes of values (a lone larger record gets a block of its own):
      // a file's records share one partition, and Kafka refuses a record batch over
      // message.max.bytes (1 MB by default).
      if (block) this.kick();
      block = this.newBlock(valueBytes);
      this.blocks.push(block);
      this.openBlock = block;
      block.append(topic, key, value, valueBytes, owner, end);
    }
    block.accounted += bytes;
    this.bytes += bytes;
    if (block.used >= block.capacity) this.kick();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, this.opts.lingerMs);
    }
  }

  private newBlock(valueBytes: number): RecordBlock {
    if (valueBytes > this.opts.batchBytes) return new RecordBlock(valueBytes, 1);
    return this.spare.pop() ?? new RecordBlock(this.opts.batchBytes);
  }

  private recycle(block: RecordBlock): void {
    block.reset();
    if (block.capacity === this.opts.batchBytes && this.spare.length < this.maxSpare) this.spare.push(block);
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.blocks.length > 0 && !this.stopped) this.kick();
    });
  }

  private async drain(): Promise<void> {
    let delay = this.opts.retryMinMs ?? 100;
    while (this.blocks.length > 0 && !this.stopped) {
      const block = this.blocks[0]!;
      // The oldest block is sent as it is; records that arrive meanwhile go to a new one.
      if (block === this.openBlock) this.openBlock = undefined;
      try {
        await this.opts.producer.send(block);
      } catch (err) {
        this.connected = false;
        this.lastError = describeError(err);
        this.opts.onError?.(err);
        this.opts.logger.warn('kafka send failed; retrying the same batch', {
          records: block.count,
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
      this.blocks.shift();
      this.bytes -= block.accounted;
      const owners = new Set<AckOwner>();
      const { ends } = block;
      for (let i = 0; i < block.count; i++) {
        const owner = block.owners[i]!;
        owner.acked(ends[i]!);
        owners.add(owner);
      }
      for (const o of owners) o.batchAcked();
      this.opts.onSent?.(block.count, block.accounted);
      this.recycle(block);
      await this.opts.afterAck?.();
      if (!this.full) this.wakeRoomWaiters();
    }
  }

  /**
   * Wakes the longest-waiting readers, `wakeAtOnce` of them (as many as can read at once), or
   * all of them once nothing is buffered. Waking every waiting tailer on each acknowledgement
   * made a node with many busy files allocate a promise chain per file per batch, enough to
   * grow V8's old generation by tens of MB. Each acknowledgement wakes the next few, and an
   * empty buffer wakes everyone, so no reader is left waiting while there is room.
   */
  private wakeRoomWaiters(): void {
    const n = this.bytes === 0 || this.stopped ? this.roomWaiters.length : (this.opts.wakeAtOnce ?? Infinity);
    const w = this.roomWaiters.splice(0, n);
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
