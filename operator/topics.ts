// Creates a LogCollection's Kafka topic when it does not exist yet (operator.createTopics,
// off by default), with the partitions, replication factor and retention from spec.kafka.
// An existing topic is never changed: partitions and retention of a live topic are an
// operator's decision, not a side effect of editing a LogCollection.

import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';
import type { CollectEntry } from '../common/schema/collect-entry.ts';

export interface TopicEnsurer {
  /** Resolves once the topic exists (created now or before); throws when Kafka says no. */
  ensure(topic: string, spec: CollectEntry['kafka']): Promise<'created' | 'exists'>;
  close(): Promise<void>;
}

export class KafkaTopics implements TopicEnsurer {
  private readonly admin: Admin;
  private connected: Promise<void> | undefined;
  private readonly known = new Set<string>();
  private readonly logger: Logger;

  constructor(config: KafkaConfig, logger: Logger) {
    this.admin = new Kafka({ logLevel: logLevel.NOTHING, ...config }).admin();
    this.logger = logger;
  }

  async ensure(topic: string, spec: CollectEntry['kafka']): Promise<'created' | 'exists'> {
    if (this.known.has(topic)) return 'exists';
    this.connected ??= this.admin.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    const created = await this.admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          ...(spec?.partitions ? { numPartitions: spec.partitions } : {}),
          ...(spec?.replicationFactor ? { replicationFactor: spec.replicationFactor } : {}),
          ...(spec?.retentionMs !== undefined
            ? { configEntries: [{ name: 'retention.ms', value: String(spec.retentionMs) }] }
            : {}),
        },
      ],
    });
    this.known.add(topic);
    if (created) this.logger.info('created Kafka topic', { topic, ...spec });
    return created ? 'created' : 'exists';
  }

  async close(): Promise<void> {
    if (this.connected)
      await this.admin
        .disconnect()
        .catch((err) => this.logger.warn('kafka admin disconnect failed', { error: describeError(err) }));
  }
}
