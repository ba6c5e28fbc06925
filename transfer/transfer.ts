// The transfer: consumes the topics named by the collect entries (the set follows etcd live),
// bulk-indexes into Elasticsearch and commits offsets only after Elasticsearch acknowledged.

import type { Client } from '@elastic/elasticsearch';
import type { Etcd3 } from 'etcd3';
import type { KafkaConfig, Producer } from 'kafkajs';
import { CollectWatcher } from '../common/config/collect-watcher.ts';
import { emptySnapshot } from '../common/config/snapshot.ts';
import { transferStatusKey } from '../common/keyspace.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry } from '../common/observe/metrics.ts';
import { StatusWriter } from '../common/etcd/status-writer.ts';
import { describeError } from '../common/errors.ts';
import { kafkaProblem } from '../common/kafka/explain.ts';
import { elasticsearchProblem, type EsCredentials } from '../common/elasticsearch/explain.ts';
import type { TransferStatus } from '../common/status/transfer.ts';
import { systemClock, unref, type Clock, type TimerHandle } from '../common/time/clock.ts';
import { TopicConsumer, type ConsumerOptions } from './consumer.ts';
import { Indexer } from './indexer.ts';
import { registerTransferMetrics } from './metrics.ts';
import { Progress } from './progress.ts';
import { renderTransferStatus } from './status.ts';
import { routingFrom, type Routing } from './routing.ts';
import { installTemplate } from './template.ts';

export interface TransferConfig {
  member: string;
  groupId: string;
  bulkDocs: number;
  bulkBytes: number;
  sessionTimeoutMs: number;
  partitionsConcurrently: number;
  statusIntervalMs: number;
  indexReplicas?: number;
}

export interface TransferDeps {
  etcd: Etcd3;
  es: Client;
  /** elasticsearch.apiKeyFile / elasticsearch.username, named when Elasticsearch refuses. */
  esCredentials?: EsCredentials;
  kafka: KafkaConfig;
  deadLetter: Producer;
  logger: Logger;
  clock?: Clock;
  failpoint?: ConsumerOptions['failpoint'];
}

const TEMPLATE_RETRY_MS = 5000;

export class Transfer {
  readonly registry = new Registry();
  private readonly metrics;
  private readonly deps: TransferDeps;
  private readonly config: TransferConfig;
  private readonly clock: Clock;
  private readonly now: () => number;
  private routing: Routing = routingFrom(emptySnapshot);
  private readonly watcher: CollectWatcher;
  private readonly consumer: TopicConsumer;
  private readonly status: StatusWriter;
  private readonly progress = new Progress();
  private readonly templates = new Set<string>();
  private templateRetry: TimerHandle | undefined;
  private etcdConnected = false;
  private readonly startedAt: number;
  private shut = false;

  constructor(config: TransferConfig, deps: TransferDeps) {
    this.config = config;
    this.deps = deps;
    this.clock = deps.clock ?? systemClock;
    this.now = () => this.clock.now();
    this.startedAt = this.now();
    const m = (this.metrics = registerTransferMetrics(this.registry));
    const p = this.progress;
    const indexer = new Indexer({
      es: deps.es,
      ...(deps.esCredentials ? { credentials: deps.esCredentials } : {}),
      logger: deps.logger.child({ component: 'indexer' }),
      clock: this.clock,
      deadLetter: async (records) => {
        await deps.deadLetter.send({
          topic: records[0]!.topic,
          acks: -1,
          messages: records.map((r) => ({ key: r.key, value: r.value })),
        });
      },
      onIndexed: (n) => {
        p.indexed += n;
        m.sent.inc({ stage: 'elasticsearch' }, n);
      },
      onBulk: (ms) => {
        p.bulk(ms);
        m.bulkSeconds.set({}, ms / 1000);
        m.bulkSecondsTotal.inc({}, ms / 1000);
        m.bulkRequests.inc({});
      },
      onRetry: (n) => {
        p.retried += n;
        m.retries.inc({}, n);
        m.errors.inc({ stage: 'elasticsearch' });
      },
      onDead: (n) => {
        p.deadLettered += n;
        m.dead.inc({}, n);
      },
      onAvailability: (up, err) => {
        const was = p.esDownSince === undefined;
        p.availability(up, this.now(), err);
        m.esUp.set({}, up ? 1 : 0);
        if (was !== up) {
          this.deps.logger[up ? 'info' : 'warn'](
            up ? 'elasticsearch is back; catching up' : 'elasticsearch unavailable; consumption paused',
            up ? {} : { error: err },
          );
          void this.status.flush();
        }
      },
    });
    this.consumer = new TopicConsumer({
      kafka: deps.kafka,
      groupId: config.groupId,
      logger: deps.logger.child({ component: 'consumer' }),
      clock: this.clock,
      indexer,
      routing: () => this.routing,
      bulkDocs: config.bulkDocs,
      bulkBytes: config.bulkBytes,
      sessionTimeoutMs: config.sessionTimeoutMs,
      partitionsConcurrently: config.partitionsConcurrently,
      ...(deps.failpoint ? { failpoint: deps.failpoint } : {}),
      onReceived: (n) => m.received.inc({}, n),
      onLag: (topic, partition, lag) => {
        p.partition(topic, partition).lag = lag;
        m.lag.set({ topic, partition: String(partition) }, lag);
      },
      onCommitted: (topic, partition, offset) => {
        p.partition(topic, partition).committed = offset;
        m.committed.set({ topic, partition: String(partition) }, Number(offset));
      },
      onCommitFailed: (error) => {
        p.commitFailures++;
        m.errors.inc({ stage: 'commit' });
        deps.logger.warn('offset commit failed; the next commit or owner covers it', { error });
      },
      onAssignment: (assigned) => {
        for (const [topic, partition] of p.keepOnly(assigned)) {
          m.lag.remove({ topic, partition: String(partition) });
          m.committed.remove({ topic, partition: String(partition) });
        }
        void this.status.flush();
      },
    });
    this.watcher = new CollectWatcher({
      etcd: deps.etcd,
      logger: deps.logger,
      onSnapshot: (s) => {
        this.routing = routingFrom(s);
        void this.ensureTemplates().then(() => this.consumer.follow(this.routing.topics));
      },
      onConnection: (ok) => (this.etcdConnected = ok),
    });
    this.status = new StatusWriter({
      etcd: deps.etcd,
      key: transferStatusKey(config.member),
      intervalMs: config.statusIntervalMs,
      logger: deps.logger.child({ component: 'status' }),
      render: () => this.renderStatus(),
      clock: this.clock,
    });
  }

  /**
   * Installs the template of every index base not yet installed. Not fatal when
   * Elasticsearch is down: indexing waits for it anyway, and a timer retries until done.
   */
  private async ensureTemplates(): Promise<void> {
    const bases = [...new Set([...this.routing.byTopic.values(), ...this.routing.byCollection.values()])];
    let failed = false;
    for (const base of bases.sort()) {
      if (this.templates.has(base)) continue;
      try {
        await installTemplate(this.deps.es, base, { replicas: this.config.indexReplicas });
        this.templates.add(base);
      } catch (err) {
        failed = true;
        const problem = elasticsearchProblem(err, this.deps.esCredentials ?? {});
        this.deps.logger.warn('index template install failed; retrying', {
          base,
          error: problem ? `${problem} (${describeError(err)})` : describeError(err),
        });
      }
    }
    if (failed && !this.shut && !this.templateRetry) {
      this.templateRetry = this.clock.setTimeout(() => {
        this.templateRetry = undefined;
        void this.ensureTemplates();
      }, TEMPLATE_RETRY_MS);
      unref(this.templateRetry);
    }
  }

  async start(): Promise<void> {
    await this.deps.deadLetter.connect().catch((err) => {
      const problem = kafkaProblem(err, {
        user: (this.deps.kafka.sasl as { username?: string } | undefined)?.username,
        operation: 'Write',
      });
      this.deps.logger.warn('kafka not reachable yet', {
        error: problem ? `${problem} (${describeError(err)})` : describeError(err),
      });
    });
    await this.watcher.start();
    this.status.start();
  }

  renderStatus(): TransferStatus {
    const now = this.now();
    const progress = this.progress.snapshot(now);
    this.metrics.docsPerSecond.set({}, progress.documentsPerSecond);
    return renderTransferStatus({
      member: this.config.member,
      pid: process.pid,
      groupId: this.config.groupId,
      startedAt: this.startedAt,
      now,
      topics: this.consumer.currentTopics,
      assigned: this.consumer.assigned,
      kafkaError: this.consumer.lastError,
      progress,
    });
  }

  get ready(): { ok: boolean; reason?: string } {
    if (!this.etcdConnected) return { ok: false, reason: 'etcd not connected' };
    if (this.progress.esDownSince !== undefined)
      return { ok: false, reason: `elasticsearch: ${this.progress.esError ?? 'down'}` };
    return { ok: true };
  }

  async shutdown(): Promise<void> {
    if (this.shut) return;
    this.shut = true;
    if (this.templateRetry !== undefined) this.clock.clearTimeout(this.templateRetry);
    await this.watcher.stop();
    await this.consumer.shutdown();
    await this.deps.deadLetter.disconnect().catch(() => {});
    await this.status.shutdown();
  }
}
