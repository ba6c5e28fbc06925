// RecordProducer that encodes each partition's record batch itself (agent/record-batch.ts) and
// sends Produce v3 requests over kafkajs's cluster and connections: kafkajs keeps doing what a
// client is for (bootstrap, metadata and leaders, TLS, SASL, request framing, timeouts, error
// codes), and the per-record work is one pass over a Buffer. This is the agent's default:
// docs/benchmarks-agent.md has the figures against kafkajs's and @platformatic/kafka's
// producers, which stay selectable (agent.kafkaClient).
//
// Semantics are the sink's: acks=all, one send at a time, a send resolves only when every
// partition of every broker acknowledged. Partitions come from the Java client's murmur2 of the
// key, the same as kafkajs's default partitioner and @platformatic/kafka's compatibility one,
// so a file keeps its partition whichever client is chosen.

import { createRequire } from 'node:module';
import type { KafkaConfig } from 'kafkajs';
import { encodeRecordBatch } from './record-batch.ts';
import type { RecordBlock } from './record-block.ts';
import type { RecordProducer } from './sink.ts';

const require = createRequire(import.meta.url);

// kafkajs's internals, typed as far as they are used here (kafkajs 2.2.x, pinned in package-lock).
interface Encoder {
  buf: Buffer;
  offset: number;
  writeInt16(n: number): Encoder;
  writeInt32(n: number): Encoder;
  writeString(s: string | null): Encoder;
}
interface Broker {
  connectionPool: {
    send(req: { request: unknown; response: unknown; requestTimeout?: number }): Promise<ProduceResponse>;
  };
}
interface ProduceResponse {
  topics: { topicName: string; partitions: { partition: number; errorCode: number; baseOffset: string }[] }[];
}
interface PartitionMetadata {
  partitionId: number;
  leader: number;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  isConnected(): boolean;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): PartitionMetadata[];
  findBroker(q: { nodeId: number }): Promise<Broker>;
}

const ClusterClass = require('kafkajs/src/cluster/index.js') as new (o: Record<string, unknown>) => Cluster;
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as new (size?: number) => Encoder;
const produceV3Response = require('kafkajs/src/protocol/requests/produce/v3/response.js') as unknown;
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string) => number;
const { createLogger } = require('kafkajs/src/loggers/index.js') as {
  createLogger(o: { level: number; logCreator: () => () => void }): unknown;
};
const socketFactory = (require('kafkajs/src/network/socketFactory.js') as () => unknown)();
const InstrumentationEmitter = require('kafkajs/src/instrumentation/emitter.js') as new () => unknown;

const PRODUCE = 0;
const ACKS_ALL = -1;
// A file's records share a key, so its partition is hashed once. Bounded: cleared when full.
const MAX_CACHED_KEYS = 10_000;

/** The records (indices into the block) of one send bound for one partition, in order. */
interface PartitionBatch {
  topic: string;
  partition: number;
  records: number[];
}

export class DirectProducer implements RecordProducer {
  private readonly cluster: Cluster;
  private readonly timeoutMs: number;
  private readonly hashes = new Map<string, number>();
  private stale = false;

  /** Takes the same kafkajs-shaped config as the other producers (common/kafka/config.ts). */
  constructor(config: KafkaConfig) {
    this.timeoutMs = config.requestTimeout ?? 30000;
    this.cluster = new ClusterClass({
      logger: createLogger({ level: 0, logCreator: () => () => {} }),
      socketFactory,
      brokers: config.brokers,
      ssl: config.ssl,
      sasl: config.sasl,
      clientId: config.clientId ?? 'lcs',
      connectionTimeout: config.connectionTimeout ?? 3000,
      requestTimeout: this.timeoutMs,
      enforceRequestTimeout: true,
      // The sink retries forever; the cluster retries metadata briefly first.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
      metadataMaxAge: 300_000,
      allowAutoTopicCreation: true,
      maxInFlightRequests: null,
      instrumentationEmitter: new InstrumentationEmitter(),
      offsets: new Map(),
    });
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  async send(block: RecordBlock): Promise<void> {
    if (!block.count) return;
    if (!this.cluster.isConnected()) await this.cluster.connect();
    const topics = [...new Set(block.topics.slice(0, block.count))];
    await this.cluster.addMultipleTargetTopics(topics);
    if (this.stale) {
      await this.cluster.refreshMetadata();
      this.stale = false;
    } else await this.cluster.refreshMetadataIfNecessary();

    const byLeader = this.group(block);
    const now = Date.now();
    try {
      await Promise.all(
        [...byLeader].map(async ([leader, batches]) => {
          const broker = await this.cluster.findBroker({ nodeId: leader });
          const response = await broker.connectionPool.send({
            request: this.request(block, batches, now),
            response: produceV3Response,
            requestTimeout: this.timeoutMs,
          });
          checkAcknowledged(batches, response);
        }),
      );
    } catch (err) {
      // Leaders may have moved (or a broker restarted): look again before the sink's retry.
      this.stale = true;
      throw err;
    }
  }

  /** Groups a block's records by leader broker, then by topic and partition, keeping their order. */
  private group(block: RecordBlock): Map<number, PartitionBatch[]> {
    const byLeader = new Map<number, PartitionBatch[]>();
    const batches = new Map<string, PartitionBatch>();
    let lastTopic: string | undefined;
    let lastKey: string | undefined;
    let partitions: PartitionMetadata[] = [];
    let batch: PartitionBatch | undefined;
    const { keys, topics } = block;
    for (let i = 0; i < block.count; i++) {
      const key = keys[i]!;
      const topic = topics[i]!;
      // Records come in runs of one file (one key, one topic): the previous batch, no lookup.
      if (key === lastKey && topic === lastTopic && batch) {
        batch.records.push(i);
        continue;
      }
      if (topic !== lastTopic) {
        partitions = this.cluster.findTopicPartitionMetadata(topic);
        if (!partitions.length) throw new Error(`Kafka has no partitions for topic ${topic} yet`);
      }
      lastTopic = topic;
      lastKey = key;
      const partition = this.hash(key) % partitions.length;
      const id = `${partition}\u0000${topic}`;
      batch = batches.get(id);
      if (!batch) {
        const meta = partitions.find((p) => p.partitionId === partition);
        if (meta?.leader === undefined || meta.leader === null || meta.leader < 0)
          throw new Error(`Kafka topic ${topic} partition ${partition} has no leader`);
        batch = { topic, partition, records: [] };
        batches.set(id, batch);
        let list = byLeader.get(meta.leader);
        if (!list) byLeader.set(meta.leader, (list = []));
        list.push(batch);
      }
      batch.records.push(i);
    }
    return byLeader;
  }

  private hash(key: string): number {
    let h = this.hashes.get(key);
    if (h === undefined) {
      if (this.hashes.size >= MAX_CACHED_KEYS) this.hashes.clear();
      h = murmur2(key) & 0x7fffffff;
      this.hashes.set(key, h);
    }
    return h;
  }

  /** Produce v3: transactional_id, acks, timeout, [topic [partition record_set]]. */
  private request(block: RecordBlock, batches: PartitionBatch[], now: number) {
    const byTopic = new Map<string, PartitionBatch[]>();
    for (const b of batches) {
      let list = byTopic.get(b.topic);
      if (!list) byTopic.set(b.topic, (list = []));
      list.push(b);
    }
    const timeoutMs = this.timeoutMs;
    return {
      apiKey: PRODUCE,
      apiVersion: 3,
      apiName: 'Produce',
      expectResponse: () => true,
      encode: async () => {
        const encoded = [...byTopic].map(
          ([topic, list]) =>
            [topic, list.map((b) => [b.partition, encodeRecordBatch(block, b.records, now)] as const)] as const,
        );
        let size = 2 + 2 + 4 + 4; // null transactional_id, acks, timeout, topic count
        for (const [topic, parts] of encoded) {
          size += 2 + Buffer.byteLength(topic) + 4;
          for (const [, batch] of parts) size += 4 + 4 + batch.length;
        }
        const buf = Buffer.allocUnsafe(size);
        let pos = buf.writeInt16BE(-1, 0); // transactional_id: null
        pos = buf.writeInt16BE(ACKS_ALL, pos);
        pos = buf.writeInt32BE(timeoutMs, pos);
        pos = buf.writeInt32BE(encoded.length, pos);
        for (const [topic, parts] of encoded) {
          const len = Buffer.byteLength(topic);
          pos = buf.writeInt16BE(len, pos);
          pos += buf.write(topic, pos, len, 'utf8');
          pos = buf.writeInt32BE(parts.length, pos);
          for (const [partition, batch] of parts) {
            pos = buf.writeInt32BE(partition, pos);
            pos = buf.writeInt32BE(batch.length, pos);
            pos += batch.copy(buf, pos);
          }
        }
        // Hand kafkajs an Encoder over these bytes without another copy.
        const encoder = new EncoderClass(0);
        encoder.buf = buf;
        encoder.offset = pos;
        return encoder;
      },
    };
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }
}

/** kafkajs's response parser throws on an error code; this checks every partition answered. */
function checkAcknowledged(batches: PartitionBatch[], response: ProduceResponse): void {
  const answered = new Set<string>();
  for (const t of response.topics)
    for (const p of t.partitions) if (p.errorCode === 0) answered.add(`${p.partition}\u0000${t.topicName}`);
  for (const b of batches)
    if (!answered.has(`${b.partition}\u0000${b.topic}`))
      throw new Error(`Kafka did not acknowledge topic ${b.topic} partition ${b.partition}`);
}
