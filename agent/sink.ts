// The agent's output stage: records go into bounded FIFOs of record blocks (one block is one
// Kafka send; agent/record-block.ts keeps them off the V8 heap). Each file's records go to one
// of `maxInFlight` lanes (chosen per tailer), and each lane has at most one block in flight: a
// file's records therefore reach Kafka in read order and are acknowledged in read order, even
// when a send fails and is retried, while other lanes' blocks are in flight at the same time
// (a node is not bound by one Kafka round trip per batch). A checkpoint is written only after
// its lane's acknowledgements, so it never passes a record that Kafka has not acknowledged. A
// failed block is retried forever with backoff (the file is the buffer: readers pause while
// the budget is full).

import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';
import { Backoff } from '../common/time/backoff.ts';
import { sleep, systemClock, type Clock, type TimerHandle } from '../common/time/clock.ts';
import { RecordBlock, type AckOwner } from './record-block.ts';

export type { AckOwner } from './record-block.ts';

/** The producer a sink drives (agent/direct-producer.ts; bench/agent compares clients). */
export interface RecordProducer {
  connect(): Promise<void>;
  /**
   * Resolves once every record of the block is acknowledged by all in-sync replicas
   * (acks=all). Several sends may be in flight; each must keep its records' order per key.
   */
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
  /** Blocks in flight at once (one per lane); default 4. */
  maxInFlight?: number;
  clock?: Clock;
  /** The retry policy of one lane (default: 100 ms doubling to 5 s, jittered). */
  backoff?: () => Backoff;
  onSent?: (records: number, bytes: number) => void;
  /** Awaited after a block's acks are delivered, before its lane sends the next block. */
  afterAck?: () => Promise<void>;
  onError?: (err: unknown) => void;
  /** Readers woken per acknowledgement while others wait (default: all). */
  wakeAtOnce?: number;
}

/** One sequence of blocks: oldest first, the last one takes new records until it is sealed. */
interface Lane {
  blocks: RecordBlock[];
  open: RecordBlock | undefined;
  running: Promise<void> | undefined;
  backoff: Backoff;
}

export const DEFAULT_MAX_IN_FLIGHT = 4;

export class KafkaSink {
  private readonly opts: SinkOptions;
  private readonly clock: Clock;
  private readonly lanes: Lane[];
  private readonly laneOf = new WeakMap<AckOwner, Lane>();
  private nextLane = 0;
  private readonly spare: RecordBlock[] = [];
  private readonly maxSpare: number;
  private bytes = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  connected = false;
  lastError: string | undefined;

  private roomWaiters: (() => void)[] = [];

  constructor(opts: SinkOptions) {
    const lanes = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isInteger(lanes) || lanes < 1)
      throw new RangeError(`sink maxInFlight must be a whole number of at least 1 (got ${lanes})`);
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    const backoff = opts.backoff ?? (() => new Backoff({ baseMs: 100, maxMs: 5000, minMs: 50 }));
    this.lanes = Array.from({ length: lanes }, () => ({
      blocks: [],
      open: undefined,
      running: undefined,
      backoff: backoff(),
    }));
    // Enough recycled blocks to refill the whole budget without allocating.
    this.maxSpare = Math.ceil(opts.maxBufferedBytes / opts.batchBytes) + lanes;
  }

  get bufferedBytes(): number {
    return this.bytes;
  }

  get full(): boolean {
    return this.bytes >= this.opts.maxBufferedBytes;
  }

  /** Blocks being sent right now (at most maxInFlight). */
  get inFlight(): number {
    return this.lanes.filter((l) => l.running).length;
  }

  /** Resolves when there is room again (immediately if there is). */
  waitForRoom(): Promise<void> {
    if (!this.full || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Queues a record; `valueBytes` is its value's UTF-8 length (the caller has it already). */
  push(topic: string, key: string, value: string, valueBytes: number, owner: AckOwner, end: number): void {
    const bytes = valueBytes + key.length + 64;
    const lane = this.lane(owner);
    let block = lane.open;
    if (!block || !block.append(topic, key, value, valueBytes, owner, end)) {
      // A block holds up to batchBytes of values (a lone larger record gets a block of its own):
      // Kafka refuses a record batch over message.max.bytes (1 MB by default).
      if (block) this.kick(lane);
      block = this.newBlock(valueBytes);
      lane.blocks.push(block);
      lane.open = block;
      block.append(topic, key, value, valueBytes, owner, end);
    }
    block.accounted += bytes;
    this.bytes += bytes;
    if (block.used >= block.capacity) this.kick(lane);
    else if (this.timer === undefined) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = undefined;
        for (const l of this.lanes) this.kick(l);
      }, this.opts.lingerMs);
    }
  }

  /** A tailer's lane, fixed for its life: its acknowledgements must come back in its read order. */
  private lane(owner: AckOwner): Lane {
    let lane = this.laneOf.get(owner);
    if (!lane) {
      lane = this.lanes[this.nextLane++ % this.lanes.length]!;
      this.laneOf.set(owner, lane);
    }
    return lane;
  }

  private newBlock(valueBytes: number): RecordBlock {
    if (valueBytes > this.opts.batchBytes) return new RecordBlock(valueBytes, 1);
    return this.spare.pop() ?? new RecordBlock(this.opts.batchBytes);
  }

  private recycle(block: RecordBlock): void {
    block.reset();
    if (block.capacity === this.opts.batchBytes && this.spare.length < this.maxSpare) this.spare.push(block);
  }

  private kick(lane: Lane): void {
    if (lane.running || this.stopped || !lane.blocks.length) return;
    lane.running = this.drain(lane).finally(() => {
      lane.running = undefined;
      this.kick(lane);
    });
  }

  private async drain(lane: Lane): Promise<void> {
    while (lane.blocks.length > 0 && !this.stopped) {
      const block = lane.blocks[0]!;
      // The oldest block is sent as it is; records that arrive meanwhile go to a new one.
      if (block === lane.open) lane.open = undefined;
      try {
        await this.opts.producer.send(block);
      } catch (err) {
        this.connected = false;
        this.lastError = describeError(err);
        this.opts.onError?.(err);
        const delay = lane.backoff.next();
        this.opts.logger.warn('kafka send failed; retrying the same batch', {
          records: block.count,
          error: this.lastError,
          retryInMs: delay,
        });
        await sleep(this.clock, delay, this.stopping.signal);
        continue;
      }
      lane.backoff.reset();
      this.connected = true;
      this.lastError = undefined;
      lane.blocks.shift();
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
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.stopped) {
      for (const l of this.lanes) this.kick(l);
      const idle = (async () => {
        for (;;) {
          const running = this.lanes.map((l) => l.running).filter((r) => r !== undefined);
          if (!running.length) return;
          await Promise.all(running);
        }
      })();
      const deadline = new AbortController();
      await Promise.race([idle, sleep(this.clock, timeoutMs, deadline.signal, true)]);
      deadline.abort();
    }
    this.stopped = true;
    this.stopping.abort();
    this.wakeRoomWaiters();
    await this.opts.producer.disconnect().catch(() => {});
  }
}
