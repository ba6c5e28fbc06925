// The transfer: consumes the topics named by the collect entries (the set follows etcd live),
// bulk-indexes into Elasticsearch and commits offsets only after Elasticsearch acknowledged.

import type { Client } from '@elastic/elasticsearch';
import type { Etcd3 } from 'etcd3';
import type { KafkaConfig, Producer } from 'kafkajs';
import { CollectWatcher } from '../common/config/collect-watcher.ts';
import { emptySnapshot } from '../common/config/snapshot.ts';
import { transferStatusKey } from '../common/keyspace.ts';
import type { Logger } from '../common/observe/logger.ts';
import { Registry, registerShared } from '../common/observe/metrics.ts';
import { StatusWriter } from '../common/etcd/status-writer.ts';
import { describeError } from '../common/errors.ts';
import { TopicConsumer } from './consumer.ts';
import { Indexer } from './indexer.ts';
import { routingFrom, type Routing } from './routing.ts';
import { installTemplate } from './template.ts';

export interface TransferConfig {
  member: string;
  groupId: string;
  bulkDocs: number;
  partitionsConcurrently: number;
  statusIntervalMs: number;
}

export interface TransferDeps {
  etcd: Etcd3;
  es: Client;
  kafka: KafkaConfig;
  deadLetter: Producer;
  logger: Logger;
}

export class Transfer {
  readonly registry = new Registry();
  private readonly metrics;
  private readonly deps: TransferDeps;
  private readonly config: TransferConfig;
  private routing: Routing = routingFrom(emptySnapshot);
  private readonly watcher: CollectWatcher;
  private readonly consumer: TopicConsumer;
  private readonly status: StatusWriter;
  private templateBases = '';
  private esUp = true;
  private esError: string | undefined;
  private etcdConnected = false;
  private indexed = 0;
  private dead = 0;
  private readonly startedAt = Date.now();
  private shut = false;

  constructor(config: TransferConfig, deps: TransferDeps) {
    this.config = config;
    this.deps = deps;
    const shared = registerShared(this.registry);
    this.metrics = {
      ...shared,
      retries: this.registry.counter('lcs_transfer_retries_total', 'Documents retried'),
      dead: this.registry.counter(
        'lcs_transfer_dead_lettered_total',
        'Documents sent to the dead-letter topic',
      ),
      bulkSeconds: this.registry.gauge('lcs_transfer_bulk_seconds', 'Duration of the last bulk request'),
    };
    const indexer = new Indexer({
      es: deps.es,
      logger: deps.logger.child({ component: 'indexer' }),
      deadLetter: async (records) => {
        await deps.deadLetter.send({
          topic: records[0]!.topic,
          acks: -1,
          messages: records.map((r) => ({ key: r.key, value: r.value })),
        });
      },
      onIndexed: (n, ms) => {
        this.indexed += n;
        this.metrics.sent.inc({ stage: 'elasticsearch' }, n);
        this.metrics.bulkSeconds.set({}, ms / 1000);
      },
      onRetry: (n) => {
        this.metrics.retries.inc({}, n);
        this.metrics.errors.inc({ stage: 'elasticsearch' });
      },
      onDead: (n) => {
        this.dead += n;
        this.metrics.dead.inc({}, n);
      },
      onAvailability: (up, err) => {
        this.esUp = up;
        this.esError = err;
      },
    });
    this.consumer = new TopicConsumer({
      kafka: deps.kafka,
      groupId: config.groupId,
      logger: deps.logger.child({ component: 'consumer' }),
      indexer,
      routing: () => this.routing,
      bulkDocs: config.bulkDocs,
      partitionsConcurrently: config.partitionsConcurrently,
      onReceived: (n) => this.metrics.received.inc({}, n),
      onLag: (topic, partition, lag) => this.metrics.lag.set({ topic, partition: String(partition) }, lag),
    });
    this.watcher = new CollectWatcher({
      etcd: deps.etcd,
      logger: deps.logger,
      onSnapshot: (s) => {
        this.routing = routingFrom(s);
        void this.ensureTemplate().then(() => this.consumer.follow(this.routing.topics));
      },
      onConnection: (ok) => (this.etcdConnected = ok),
    });
    this.status = new StatusWriter({
      etcd: deps.etcd,
      key: transferStatusKey(config.member),
      intervalMs: config.statusIntervalMs,
      logger: deps.logger.child({ component: 'status' }),
      render: () => this.renderStatus(),
    });
  }

  private async ensureTemplate(): Promise<void> {
    const bases = [...new Set(this.routing.byTopic.values())].concat([...this.routing.byCollection.values()]);
    const key = [...new Set(bases)].sort().join(',');
    if (key === this.templateBases) return;
    try {
      await installTemplate(this.deps.es, [...new Set(bases)].sort());
      this.templateBases = key;
    } catch (err) {
      // Not fatal: documents still index with dynamic mappings; retried at the next change.
      this.deps.logger.warn('index template install failed', { error: describeError(err) });
    }
  }

  async start(): Promise<void> {
    await this.deps.deadLetter
      .connect()
      .catch((err) => this.deps.logger.warn('kafka not reachable yet', { error: describeError(err) }));
    await this.watcher.start();
    this.status.start();
  }

  renderStatus() {
    return {
      member: this.config.member,
      pid: process.pid,
      groupId: this.config.groupId,
      startedAt: new Date(this.startedAt).toISOString(),
      updatedAt: new Date().toISOString(),
      topics: this.consumer.currentTopics,
      assignment: Object.fromEntries(this.consumer.assigned),
      elasticsearch: { up: this.esUp, ...(this.esError ? { lastError: this.esError } : {}) },
      kafka: { ...(this.consumer.lastError ? { lastError: this.consumer.lastError } : {}) },
      indexed: this.indexed,
      deadLettered: this.dead,
    };
  }

  get ready(): { ok: boolean; reason?: string } {
    if (!this.etcdConnected) return { ok: false, reason: 'etcd not connected' };
    if (!this.esUp) return { ok: false, reason: `elasticsearch: ${this.esError ?? 'down'}` };
    return { ok: true };
  }

  async shutdown(): Promise<void> {
    if (this.shut) return;
    this.shut = true;
    await this.watcher.stop();
    await this.consumer.shutdown();
    await this.deps.deadLetter.disconnect().catch(() => {});
    await this.status.shutdown();
  }
}
