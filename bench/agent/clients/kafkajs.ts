// RecordProducer on kafkajs: acks=all, ordered (one request in flight per broker).

import { Kafka, logLevel, type KafkaConfig, type Producer } from 'kafkajs';
import type { RecordBlock } from '../../../agent/record-block.ts';
import type { RecordProducer } from '../../../agent/sink.ts';

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
  async send(block: RecordBlock): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer }[]>();
    for (let i = 0; i < block.count; i++) {
      const topic = block.topics[i]!;
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push({ key: block.keys[i]!, value: block.value(i) });
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
