// RecordProducer on kafkajs: acks=all, ordered (one request in flight per broker).

import { Kafka, logLevel, type KafkaConfig, type Producer } from 'kafkajs';
import type { RecordProducer } from './sink.ts';

export class KafkajsProducer implements RecordProducer {
  private readonly producer: Producer;
  constructor(config: KafkaConfig) {
    this.producer = new Kafka({ logLevel: logLevel.NOTHING, ...config }).producer({
      allowAutoTopicCreation: true,
      maxInFlightRequests: 1,
      // Our sink retries forever; kafkajs retries briefly first so a leader move is cheap.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
  }
  connect(): Promise<void> {
    return this.producer.connect();
  }
  async send(byTopic: Map<string, { key: string; value: string }[]>): Promise<void> {
    await this.producer.sendBatch({
      acks: -1,
      timeout: 30000,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}
