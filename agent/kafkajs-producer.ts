// RecordProducer on kafkajs: acks=all, ordered (one request in flight per broker).

import { Kafka, logLevel, type KafkaConfig, type Producer } from 'kafkajs';
import type { OutRecord, RecordProducer } from './sink.ts';

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
  async send(records: readonly OutRecord[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of records) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ key: r.key, value: r.value });
    }
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
