// One Kafka consumer-group member over the current topic set. The topic set follows etcd:
// a change replaces the member (kafkajs cannot change a running subscription), which commits
// nothing extra — offsets are committed only after Elasticsearch acknowledged the records.

import { Kafka, logLevel, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import type { Logger } from '../common/observe/logger.ts';
import { kafkaProblem } from '../common/kafka/explain.ts';
import { describeError } from '../common/errors.ts';
import { Backoff } from '../common/time/backoff.ts';
import { sleep, systemClock, type Clock } from '../common/time/clock.ts';
import { chunk, docLines, type BulkDoc } from './bulk.ts';
import { toDoc } from './documents.ts';
import { AbortedError, type IndexControl, type Indexer } from './indexer.ts';
import { Lanes } from './lanes.ts';
import type { Routing } from './routing.ts';

/** The part of kafkajs the member uses; unit tests pass a fake. */
export type ConsumerFactory = (config: Parameters<Kafka['consumer']>[0]) => Consumer;

export interface ConsumerOptions {
  kafka: KafkaConfig;
  /** Makes the group member (default: kafkajs over `kafka`). */
  createConsumer?: ConsumerFactory;
  clock?: Clock;
  random?: () => number;
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

/** Starting a member for a just-created topic may take a few tries: 250 ms up to 5 s, jittered. */
const START_RETRY = { baseMs: 250, maxMs: 5000, minMs: 250 };
/** How often a batch waiting for its commits checks whether it is still ours. */
const ABORT_CHECK_MS = 200;

export class TopicConsumer {
  private readonly opts: ConsumerOptions;
  private readonly createConsumer: ConsumerFactory;
  private readonly clock: Clock;
  private consumer: Consumer | undefined;
  private topics: string[] = [];
  private changing: Promise<void> = Promise.resolve();
  readonly assigned = new Map<string, number[]>();
  lastError: string | undefined;

  constructor(opts: ConsumerOptions) {
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    if (opts.createConsumer) this.createConsumer = opts.createConsumer;
    else {
      const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...opts.kafka });
      this.createConsumer = (config) => kafka.consumer(config);
    }
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
  private lanes: Lanes | undefined;
  private stopped = false;

  /** Switches until the member consumes the wanted topics; a just-created topic may need a few tries. */
  private async converge(): Promise<void> {
    const retry = new Backoff({
      ...START_RETRY,
      ...(this.opts.random ? { random: this.opts.random } : {}),
    });
    while (!this.stopped) {
      const target = this.wanted;
      try {
        await this.switchTo(target);
        return;
      } catch (err) {
        this.lastError = this.explain(err, target);
        await this.stopConsumer();
        this.topics = [];
        const delay = retry.next();
        this.opts.logger.warn('consumer start failed; retrying', {
          topics: target,
          error: this.lastError,
          retryInMs: delay,
        });
        await sleep(this.clock, delay);
      }
    }
  }

  /** The error, with what to change when it is a refusal, a bad credential or an untrusted CA. */
  private explain(err: unknown, topics: string[]): string {
    const problem = kafkaProblem(err, {
      user: (this.opts.kafka.sasl as { username?: string } | undefined)?.username,
      topics,
      operation: 'Read',
      group: this.opts.groupId,
    });
    return problem ? `${problem} (${describeError(err)})` : describeError(err);
  }

  private async switchTo(topics: string[]): Promise<void> {
    if (this.stopped) return;
    if (topics.join('\0') === this.topics.join('\0') && this.consumer) return;
    await this.stopConsumer();
    this.topics = topics;
    if (!topics.length) return;
    this.opts.logger.info('consuming topics', { topics });
    const c = this.createConsumer({
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
    const lanes = new Lanes();
    this.lanes = lanes;
    c.on(c.events.REBALANCING, () => lanes.rebalanced());
    c.on(c.events.GROUP_JOIN, (e) => {
      this.crashRetry.reset();
      lanes.rebalanced();
      this.assigned.clear();
      for (const [t, ps] of Object.entries(e.payload.memberAssignment)) this.assigned.set(t, ps);
      this.opts.onAssignment?.(this.assigned);
      this.opts.logger.info('joined group', { assignment: e.payload.memberAssignment });
    });
    c.on(c.events.CRASH, (e) => {
      this.lastError = this.explain(e.payload.error, topics);
      const restart = e.payload.restart;
      this.opts.logger.warn(
        restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed for good; starting a new one',
        { error: this.lastError, restart },
      );
      // kafkajs gives up on what it deems non-retriable (a group no ACL allows shows up as
      // "Failed to find group coordinator"): without a new member this replica would consume
      // nothing until restarted, even once the ACL is granted.
      if (!restart) this.changing = this.changing.then(() => this.replaceCrashed(c));
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
        await lanes.hand(`${topic}\0${partition}`, (superseded) =>
          this.indexBatch(c, docs, hw, {
            heartbeat,
            aborted: () => !isRunning() || isStale() || superseded(),
          }),
        );
        // The fetch position moves past the batch now (so kafkajs fetches ahead); commits
        // still follow the acknowledgements, in indexBatch.
        resolveOffset(batch.lastOffset());
      },
    });
    this.consumer = c;
    this.lastError = undefined;
  }

  /**
   * Indexes one batch chunk by chunk, committing each chunk after Elasticsearch acknowledged
   * it. Abandoned on a rebalance or stop (what is committed stays; the rest is re-read from
   * the commit). Any other failure seeks the partition back to the first unacknowledged
   * record, so kafkajs reads it again instead of leaving a gap behind the look-ahead.
   */
  private async indexBatch(c: Consumer, docs: BulkDoc[], hw: bigint, ctl: IndexControl): Promise<void> {
    const { topic, partition } = docs[0]!;
    let from = docs[0]!.offset;
    // Commits go out in order but are not waited for before the next bulk: a commit still
    // only ever follows its chunk's acknowledgement, and the next bulk overlaps its round trip.
    let commits: Promise<void> = Promise.resolve();
    try {
      for (const part of chunk(docs, this.opts.bulkDocs, this.opts.bulkBytes, (d) => docLines(d).length)) {
        await this.opts.indexer.index(part, ctl);
        const last = part[part.length - 1]!.offset;
        this.opts.failpoint?.('acknowledged', { topic, partition, offset: last });
        const next = (BigInt(last) + 1n).toString();
        from = next;
        commits = commits.then(() =>
          c.commitOffsets([{ topic, partition, offset: next }]).then(
            () => this.opts.onCommitted?.(topic, partition, next),
            // The documents are in Elasticsearch: the next chunk's commit covers them, or the
            // partition's next owner re-sends them and gets 409s. Carry on with the batch.
            (err: unknown) => this.opts.onCommitFailed?.(describeError(err)),
          ),
        );
        this.opts.onLag?.(topic, partition, Number(hw - BigInt(next)));
        await ctl.heartbeat().catch(() => {});
      }
      // kafkajs retries a failed commit without end, and during a rebalance it cannot succeed
      // until this batch returns: waiting for it unconditionally would deadlock the group.
      await settledOrAborted(this.clock, commits, ctl.aborted);
    } catch (err) {
      if (err instanceof AbortedError) return;
      this.lastError = describeError(err);
      this.opts.logger.error('indexing a batch failed; reading it again', {
        topic,
        partition,
        from,
        error: this.lastError,
      });
      try {
        c.seek({ topic, partition, offset: from });
      } catch (seekErr) {
        this.opts.logger.warn('seek failed; the next rebalance re-reads from the commit', {
          error: describeError(seekErr),
        });
      }
    }
  }

  /** A member after kafkajs gave up on `crashed`: after a backoff, the wanted topics again. */
  private async replaceCrashed(crashed: Consumer): Promise<void> {
    if (this.stopped || this.consumer !== crashed) return;
    await this.stopConsumer();
    this.topics = [];
    await sleep(this.clock, this.crashRetry.next());
    await this.converge();
  }

  private readonly crashRetry = new Backoff({ ...START_RETRY, baseMs: 1000, minMs: 1000, maxMs: 30_000 });

  private async stopConsumer(): Promise<void> {
    const c = this.consumer;
    this.consumer = undefined;
    this.assigned.clear();
    this.opts.onAssignment?.(this.assigned);
    if (c)
      await c
        .disconnect()
        .catch((err) => this.opts.logger.warn('consumer disconnect failed', { error: describeError(err) }));
    // Lanes see the consumer stopped at their next check; none may commit after this.
    await this.lanes?.drain();
    this.lanes = undefined;
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

/** Waits for `p`, but no longer than the batch stays ours (a rebalance or stop ends it). */
async function settledOrAborted(clock: Clock, p: Promise<void>, aborted: () => boolean): Promise<void> {
  let settled = false;
  const done = p.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  while (!settled && !aborted()) {
    const stop = new AbortController();
    await Promise.race([done, sleep(clock, ABORT_CHECK_MS, stop.signal)]);
    stop.abort(); // clears the wait's timer when the commit won
  }
}
