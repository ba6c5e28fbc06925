// RecordProducer on @platformatic/kafka: acks=all, ordered. The sink awaits each send before
// the next, so there is one produce request in flight; partitions are chosen with the
// Java-compatible murmur2 (the same as kafkajs), so a file keeps its partition across clients.

import {
  Producer,
  ProduceAcks,
  compatibilityPartitioner,
  stringSerializer,
  type Partitioner,
} from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';
import { securityOptions } from '../../../agent/direct-producer.ts';
import type { RecordBlock } from '../../../agent/record-block.ts';
import type { RecordProducer } from '../../../agent/sink.ts';

// A file's records share one key, so its partition is hashed once (murmur2 in JS was the
// client's largest cost per record in bench/agent's profile). Bounded: cleared when full.
const MAX_CACHED_KEYS = 10_000;

export class PlatformaticProducer implements RecordProducer {
  private readonly producer: Producer<string, Buffer, string, string>;
  private readonly partitions = new Map<string, number>();
  private readonly partitioner: Partitioner<string, Buffer, string, string> = (message, key) => {
    let p = this.partitions.get(message.key!);
    if (p === undefined) {
      if (this.partitions.size >= MAX_CACHED_KEYS) this.partitions.clear();
      p = compatibilityPartitioner(message, key);
      this.partitions.set(message.key!, p);
    }
    return p;
  };

  /** Takes the same kafkajs-shaped config as KafkajsProducer (common/kafka/config.ts). */
  constructor(config: KafkaConfig) {
    const brokers = typeof config.brokers === 'function' ? [] : config.brokers;
    this.producer = new Producer({
      clientId: config.clientId ?? 'lcs',
      bootstrapBrokers: brokers,
      // Values are views on the sink's block, sent as they are.
      serializers: {
        key: stringSerializer,
        value: (v?: Buffer) => v,
        headerKey: stringSerializer,
        headerValue: stringSerializer,
      },
      acks: ProduceAcks.ALL,
      partitioner: this.partitioner,
      autocreateTopics: true,
      connectTimeout: config.connectionTimeout ?? 3000,
      timeout: config.requestTimeout ?? 30000,
      // Our sink retries forever; the client retries briefly first so a leader move is cheap.
      retries: 3,
      retryDelay: 100,
      ...securityOptions(config),
    });
  }

  async connect(): Promise<void> {
    // Connections are opened on first use; fetching metadata checks the brokers answer.
    await this.producer.metadata({ topics: [] });
  }

  async send(block: RecordBlock): Promise<void> {
    const messages = [];
    for (let i = 0; i < block.count; i++)
      messages.push({ topic: block.topics[i]!, key: block.keys[i]!, value: block.value(i) });
    await this.producer.send({ messages });
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }
}
