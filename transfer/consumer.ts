// One Kafka consumer-group member over the current topic set. The topic set follows etcd:
// a change replaces the member (kafkajs cannot change a running subscription), which commits
// nothing extra — offsets are committed only after Elasticsearch acknowledged the records.

import { Kafka, logLevel, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';
import { chunk, docLines } from './bulk.ts';
import { toDoc } from './documents.ts';
import { AbortedError, type Indexer } from './indexer.ts';
import type { Routing } from './routing.ts';

export interface ConsumerOptions {
  kafka: KafkaConfig;
  groupId: string;
  logger: Logger;
  indexer: Indexer;
  routing: () => Routing;
  bulkDocs: number;
  bulkBytes: number;
  sessionTimeoutMs: number;
  partitionsConcurrently: number;
  /** Test-only hook between an Elasticsearch acknowledgement and the offset commit. */
  failpoint?: (point: 'acknowledged', at: { topic: string; partition: number; offset: string }) => void;
  onCommitFailed?: (error: string) => void;
  onAssignment?: (assigned: ReadonlyMap<string, number[]>) => void;
  onCommitted?: (topic: string, partition: number, offset: string) => void;
  onReceived?: (n: number) => void;
  onLag?: (topic: string, partition: number, lag: number) => void;
}

export class TopicConsumer {
  private readonly opts: ConsumerOptions;
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private topics: string[] = [];
  private changing: Promise<void> = Promise.resolve();
  readonly assigned = new Map<string, number[]>();
  lastError: string | undefined;

  constructor(opts: ConsumerOptions) {
    this.opts = opts;
    this.kafka = new Kafka({ logLevel: logLevel.NOTHING, ...opts.kafka });
  }

  get currentTopics(): string[] {
    return this.topics;
  }

  /** Switches to this topic set (no-op if unchanged); serialised. */
  follow(topics: string[]): Promise<void> {
    if (this.stopped) return this.changing;
    this.wanted = topics;
    this.changing = this.changing.then(() => this.converge());
    return this.changing;
  }

  private wanted: string[] = [];
  private stopped = false;

  /** Switches until the member consumes the wanted topics; a just-created topic may need a few tries. */
  private async converge(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const target = this.wanted;
      try {
        await this.switchTo(target);
        return;
      } catch (err) {
        this.lastError = describeError(err);
        await this.stopConsumer();
        this.topics = [];
        const delay = Math.min(5000, 250 * 2 ** attempt);
        this.opts.logger.warn('consumer start failed; retrying', {
          topics: target,
          error: this.lastError,
          retryInMs: delay,
        });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async switchTo(topics: string[]): Promise<void> {
    if (this.stopped) return;
    if (topics.join('\0') === this.topics.join('\0') && this.consumer) return;
    await this.stopConsumer();
    this.topics = topics;
    if (!topics.length) return;
    this.opts.logger.info('consuming topics', { topics });
    const c = this.kafka.consumer({
      groupId: this.opts.groupId,
      allowAutoTopicCreation: true,
      sessionTimeout: this.opts.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.opts.sessionTimeoutMs / 3)),
      rebalanceTimeout: 60000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      // An idle fetch waits this long for data; a topic-set switch waits for it to return
      // before leaving the group, so the kafkajs default (5 s) alone would blow the budget.
      maxWaitTimeInMs: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    c.on(c.events.GROUP_JOIN, (e) => {
      this.assigned.clear();
      for (const [t, ps] of Object.entries(e.payload.memberAssignment)) this.assigned.set(t, ps);
      this.opts.onAssignment?.(this.assigned);
      this.opts.logger.info('joined group', { assignment: e.payload.memberAssignment });
    });
    c.on(c.events.CRASH, (e) => {
      this.lastError = describeError(e.payload.error);
      this.opts.logger.warn('consumer crashed; kafkajs restarts it', {
        error: this.lastError,
        restart: e.payload.restart,
      });
    });
    await c.connect();
    await c.subscribe({ topics, fromBeginning: true });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset }) => {
        if (!batch.messages.length) return;
        const { topic, partition } = batch;
        const hw = BigInt(batch.highWatermark);
        this.opts.onReceived?.(batch.messages.length);
        this.opts.onLag?.(topic, partition, Number(hw - BigInt(batch.firstOffset() ?? batch.highWatermark)));
        const routing = this.opts.routing();
        const docs = batch.messages.map((m) =>
          toDoc({ topic, partition, offset: m.offset, timestamp: m.timestamp, value: m.value }, routing),
        );
        const ctl = { heartbeat, aborted: () => !isRunning() || isStale() };
        for (const part of chunk(docs, this.opts.bulkDocs, this.opts.bulkBytes, (d) => docLines(d).length)) {
          try {
            await this.opts.indexer.index(part, ctl);
          } catch (err) {
            // Rebalance or shutdown: what is acknowledged is committed, the rest is dropped
            // and the partition's next owner starts from the last commit.
            if (err instanceof AbortedError) return;
            throw err;
          }
          const last = part[part.length - 1]!.offset;
          this.opts.failpoint?.('acknowledged', { topic, partition, offset: last });
          // resolveOffset moves kafkajs's fetch position; without it the batch is fetched again.
          resolveOffset(last);
          const next = (BigInt(last) + 1n).toString();
          try {
            await c.commitOffsets([{ topic, partition, offset: next }]);
          } catch (err) {
            // The documents are in Elasticsearch; a later commit covers them, or the next owner
            // re-sends them and gets 409s. Stop this batch: a failed commit means a rebalance.
            this.opts.onCommitFailed?.(describeError(err));
            return;
          }
          this.opts.onCommitted?.(topic, partition, next);
          this.opts.onLag?.(topic, partition, Number(hw - BigInt(next)));
          await heartbeat().catch(() => {});
        }
      },
    });
    this.consumer = c;
    this.lastError = undefined;
  }

  private async stopConsumer(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    this.assigned.clear();
    this.opts.onAssignment?.(this.assigned);
    if (c)
      await c
        .disconnect()
        .catch((err) => this.opts.logger.warn('consumer disconnect failed', { error: describeError(err) }));
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.changing;
    await this.stopConsumer();
  }
}

export function deadLetterProducer(kafka: KafkaConfig): Producer {
  return new Kafka({ logLevel: logLevel.NOTHING, ...kafka }).producer({
    allowAutoTopicCreation: true,
    idempotent: false,
  });
}
