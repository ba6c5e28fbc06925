// Follows one file (one inode) from its checkpoint to its end and beyond. It owns an open
// handle, so a file renamed or deleted under it is still read to the end; once its path no
// longer leads to it and it has been idle for `drainIdleMs`, it finishes and closes the handle
// (freeing a deleted file's disk space). A file that shrinks was truncated (copytruncate):
// reading restarts at 0 under a new identity generation, and the bytes written since the last
// read that the truncation destroyed are counted in the loss ledger.

import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Logger } from '../common/observe/logger.ts';
import type { ParseConfig } from '../common/schema/collect-entry.ts';
import { describeError } from '../common/errors.ts';
import { EventEncoder } from '../common/event/encode.ts';
import type { EventSource } from '../common/event/event.ts';
import { recordKey } from '../common/event/id.ts';
import { Backoff } from '../common/time/backoff.ts';
import type { Clock } from '../common/time/clock.ts';
import { Assembler, type AssembledEvent } from './assembler.ts';
import { identify, identityString, matches, type FileIdentity } from './identity.ts';
import { LineSplitter } from './lines.ts';
import type { CheckpointStore } from './checkpoints.ts';
import type { AckOwner, KafkaSink } from './sink.ts';
import type { ReadPool } from './read-pool.ts';
import type { PollScheduler } from './poll-scheduler.ts';

export interface TailerOptions {
  path: string;
  collection: string;
  topic: string;
  node: string;
  fields?: Record<string, string>;
  kubernetes?: EventSource['kubernetes'];
  /** Where to start when there is no checkpoint. */
  startAt: 'end' | 'beginning';
  /** Read to the end and finish (a file found rotated away at start-up). */
  drainOnly?: boolean;
  parse?: ParseConfig;
  sink: KafkaSink;
  checkpoints: CheckpointStore;
  logger: Logger;
  maxLineBytes: number;
  /** A record's value may not exceed this (Kafka's message.max.bytes, less headroom). */
  maxRecordBytes: number;
  readPool: ReadPool;
  /** Idle polling starts at pollMs and backs off to pollMaxMs; a file event resets it. */
  pollMs: number;
  pollMaxMs: number;
  /**
   * The ceiling instead of pollMaxMs while `watched()` says file events work for this file
   * (inotify): polling is then only the safety net under them.
   */
  pollWatchedMaxMs?: number;
  watched?: () => boolean;
  drainIdleMs: number;
  clock: Clock;
  /** The one timer all tailers' idle waits share. */
  scheduler: PollScheduler;
  onEvents?: (count: number, bytes: number, path: string) => void;
  onLoss?: (bytes: number, reason: string, path: string) => void;
  /** The path now leads to another file (or none): the owner looks for the new one at once. */
  onRotated?: (path: string) => void;
}

/** Polls at agent.poll, ×2, ×4 after activity on a watched file before the long safety poll. */
const WATCHED_QUICK_POLLS = 3;

export type TailerState = 'opening' | 'reading' | 'draining' | 'finished' | 'failed';

export class Tailer implements AckOwner {
  readonly opts: TailerOptions;
  state: TailerState = 'opening';
  dev = 0;
  ino = 0;
  id: FileIdentity | undefined;
  /** Next byte to read. */
  readPos = 0;
  /** End of the last event Kafka acknowledged: the checkpoint. */
  ackedPos = 0;
  size = 0;
  lastError: string | undefined;
  lostBytes = 0;
  private fh: FileHandle | undefined;
  private splitter!: LineSplitter;
  private assembler!: Assembler;
  private wakeUp: (() => void) | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private idleSince = 0;
  /** Read before looking at the size: at the start, after data and after a file event. */
  private readNext = true;
  private readonly poll: Backoff;

  constructor(opts: TailerOptions) {
    this.opts = opts;
    const base = Math.max(1, opts.pollMs);
    this.poll = new Backoff({
      baseMs: base,
      maxMs: Math.max(base, opts.pollMaxMs, opts.pollWatchedMaxMs ?? 0),
      jitter: 'none',
    });
  }

  get fileId(): string | undefined {
    return this.id ? identityString(this.id) : undefined;
  }

  /** Opens the file and positions it; throws if the file cannot be opened. */
  async open(): Promise<void> {
    const { opts } = this;
    this.fh = await open(opts.path, 'r');
    const st = await this.fh.stat();
    this.dev = st.dev;
    this.ino = st.ino;
    this.size = st.size;
    const cp = opts.checkpoints.get(opts.collection, st.dev, st.ino);
    if (cp && (await matches(this.fh, st.dev, st.ino, st.size, cp.id))) {
      this.id = cp.id;
      this.readPos = cp.offset;
      if (cp.offset > st.size) {
        const lost = Math.max(0, (cp.size ?? cp.offset) - cp.offset);
        opts.logger.warn('file shrank while the agent was away: truncated, reading from 0', {
          path: opts.path,
          checkpoint: cp.offset,
          size: st.size,
        });
        this.recordLoss(lost, 'truncated-while-stopped');
        this.id = await identify(this.fh, st.dev, st.ino, st.size, cp.id.gen + 1);
        this.readPos = 0;
      }
    } else {
      this.readPos = opts.startAt === 'end' ? st.size : 0;
      if (st.size > 0) this.id = await identify(this.fh, st.dev, st.ino, st.size);
    }
    this.ackedPos = this.readPos;
    this.resetReader(this.readPos);
    this.saveCheckpoint();
    this.state = opts.drainOnly ? 'draining' : 'reading';
  }

  private resetReader(at: number): void {
    this.splitter = new LineSplitter(at, this.opts.maxLineBytes);
    this.assembler = new Assembler(this.opts.parse, this.opts.maxLineBytes);
  }

  start(): void {
    this.loop = this.run().catch((err) => {
      this.state = 'failed';
      this.lastError = describeError(err);
      this.opts.logger.error('tailer failed', { path: this.opts.path, error: this.lastError });
    });
  }

  /** Something changed on disk: read now instead of at the next poll. */
  poke(): void {
    this.poll.reset();
    this.readNext = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    const { opts } = this;
    this.idleSince = opts.clock.now();
    this.poll.reset();
    while (!this.stopped) {
      if (opts.sink.full) {
        await this.roomOrStop();
        continue;
      }
      if (this.readNext && (await this.readChunk())) continue;
      this.emit(this.assembler.flush(opts.clock.now()));
      if (await this.checkFile()) break;
      // A timed wake costs an fstat (and a stat of the path), not a read: most wakes of a
      // quiet file find nothing, and the read waits for a size that says there is something.
      this.readNext = this.size > this.readPos;
      if (this.readNext) continue;
      const delay = this.nextPollDelay();
      await this.sleep(
        this.assembler.heldSince === undefined ? delay : Math.min(delay, this.assembler.flushTimeoutMs),
      );
    }
  }

  /**
   * Without file events: agent.poll doubling to agent.pollMax. With them (inotify) a write
   * wakes the tailer at once, so polling only catches an event that was missed (chokidar
   * drops a file's events within 5 ms of the previous one): a few quick polls after activity,
   * then straight to agent.pollWatchedMax. A file quiet for a minute costs one fstat a minute.
   */
  private nextPollDelay(): number {
    const { opts } = this;
    if (opts.watched?.() && opts.pollWatchedMaxMs !== undefined) {
      if (this.poll.attempts >= WATCHED_QUICK_POLLS) return Math.max(1, opts.pollWatchedMaxMs);
      return Math.min(this.poll.next(), Math.max(1, opts.pollWatchedMaxMs));
    }
    return Math.min(this.poll.next(), Math.max(1, opts.pollMaxMs));
  }

  /** Reads one chunk into a pooled buffer and emits what it completes; false at end of file. */
  private async readChunk(): Promise<boolean> {
    const { opts } = this;
    const buf = await opts.readPool.acquire();
    try {
      // Checked again with the buffer in hand: many tailers wake when room appears, but only
      // the few holding a read buffer read, so the sink's budget is overshot by little.
      if (opts.sink.full) return true;
      const { bytesRead } = await this.fh!.read(buf, 0, buf.length, this.readPos);
      if (bytesRead === 0) return false;
      if (!this.id) {
        const st = await this.fh!.stat();
        this.id = await identify(this.fh!, this.dev, this.ino, st.size);
      }
      this.readPos += bytesRead;
      this.size = Math.max(this.size, this.readPos);
      const now = opts.clock.now();
      // The splitter copies what it keeps, so the pooled buffer is free again after this.
      this.emit(this.assembler.push(this.splitter.push(buf.subarray(0, bytesRead)), now));
      this.idleSince = now;
      this.poll.reset();
      return true;
    } finally {
      opts.readPool.release(buf);
    }
  }

  /** At end of file: detects truncation and rotation. Returns true when the tailer is done. */
  private async checkFile(): Promise<boolean> {
    const { opts } = this;
    const fst = await this.fh!.stat();
    if (fst.size < this.readPos) {
      // Bytes written after our last read and before the truncation are gone for good.
      const lost = Math.max(0, this.size - this.readPos);
      opts.logger.warn('file truncated (copytruncate?): reading from 0 under a new identity', {
        path: opts.path,
        readTo: this.readPos,
        sizeNow: fst.size,
        lostBytes: lost,
      });
      this.recordLoss(lost, 'truncated');
      const gen = (this.id?.gen ?? 0) + 1;
      this.id =
        fst.size > 0
          ? await identify(this.fh!, this.dev, this.ino, fst.size, gen)
          : this.id && { ...this.id, gen };
      this.readPos = 0;
      this.ackedPos = 0;
      this.size = fst.size;
      this.resetReader(0);
      this.saveCheckpoint();
      return false;
    }
    this.size = fst.size;
    if (this.state === 'reading') {
      const moved = await stat(opts.path).then(
        (pst) => pst.ino !== this.ino || pst.dev !== this.dev,
        () => true,
      );
      if (moved) {
        this.state = 'draining';
        this.idleSince = opts.clock.now();
        this.poll.reset();
        opts.logger.info('file rotated or deleted: reading the old file to its end', { path: opts.path });
        opts.onRotated?.(opts.path);
      }
    }
    if (this.state === 'draining' && opts.clock.now() - this.idleSince >= opts.drainIdleMs) {
      // The file is done: its unfinished last line and any held event are complete now.
      const partial = this.splitter.flushPartial();
      const now = opts.clock.now();
      this.emit([...this.assembler.push(partial ? [partial] : [], now), ...this.assembler.flush(now, true)]);
      this.state = 'finished';
      this.saveCheckpoint();
      await this.closeHandle();
      return true;
    }
    return false;
  }

  private recordLoss(bytes: number, reason: string): void {
    if (bytes <= 0) return;
    this.lostBytes += bytes;
    this.opts.onLoss?.(bytes, reason, this.opts.path);
  }

  private encoder: EventEncoder | undefined;
  private encoderFor = '';

  private emit(events: AssembledEvent[]): void {
    const { opts } = this;
    if (!events.length) return;
    const fileId = this.fileId!;
    if (this.encoderFor !== fileId) {
      // The identity changes on truncation; everything else in the source is fixed per tailer.
      this.encoder = new EventEncoder(
        {
          node: opts.node,
          collection: opts.collection,
          path: opts.path,
          fileId,
          ...(opts.fields ? { fields: opts.fields } : {}),
          ...(opts.kubernetes ? { kubernetes: opts.kubernetes } : {}),
        },
        opts.maxRecordBytes,
      );
      this.encoderFor = fileId;
      this.key = recordKey(opts.node, fileId);
    }
    const readAt = new Date(opts.clock.now()).toISOString();
    let bytes = 0;
    for (const e of events) {
      const { value, bytes: valueBytes } = this.encoder!.encode(e, readAt);
      bytes += e.length;
      opts.sink.push(opts.topic, this.key, value, valueBytes, this, e.end);
    }
    opts.onEvents?.(events.length, bytes, opts.path);
  }

  private key = '';

  /** AckOwner: Kafka acknowledged a record ending at `end` (acks arrive in read order). */
  acked(end: number): void {
    this.ackedPos = end;
  }

  batchAcked(): void {
    this.saveCheckpoint();
  }

  private saveCheckpoint(): void {
    if (!this.id) return;
    this.opts.checkpoints.set({
      collection: this.opts.collection,
      path: this.opts.path,
      id: this.id,
      offset: this.ackedPos,
      size: this.size,
      ...(this.state === 'finished' ? { finished: true } : {}),
    });
  }

  /**
   * Waits for room in the sink, or for stop(). Not Promise.race with a long-lived "stopping"
   * promise: every race leaves a reaction on it until it settles, which grew the old generation
   * by one closure per wait for the life of the tailer (many files, Kafka slow).
   */
  private roomOrStop(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeUp = resolve;
      void this.opts.sink.waitForRoom().then(resolve);
    });
  }

  private sleep(ms: number): Promise<void> {
    const { done, wake } = this.opts.scheduler.sleep(ms);
    this.wakeUp = wake;
    return done;
  }

  private async closeHandle(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close().catch(() => {});
  }

  /** Stops reading and closes the handle; events already handed to the sink still checkpoint. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    await this.closeHandle();
  }

  get lagBytes(): number {
    return Math.max(0, this.size - this.ackedPos);
  }
}
