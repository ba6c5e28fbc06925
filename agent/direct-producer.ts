// RecordProducer that encodes each partition's record batch itself (agent/record-batch.ts) and
// sends Produce v3 requests over kafkajs's cluster and connections: kafkajs keeps doing what a
// client is for (bootstrap, metadata and leaders, TLS, SASL, timeouts, error codes; its request
// framing is replaced, agent/kafkajs-framing.ts), and the per-record work is one pass over a
// Buffer. This is the agent's default:
// docs/benchmarks-agent.md has the figures against kafkajs's and @platformatic/kafka's
// producers, which stay selectable (agent.kafkaClient).
//
// Semantics are the sink's: acks=all, one send at a time, a send resolves only when every
// partition of every broker acknowledged. Partitions come from the Java client's murmur2 of the
// key, the same as kafkajs's default partitioner and @platformatic/kafka's compatibility one,
// so a file keeps its partition whichever client is chosen.

import { createRequire } from 'node:module';
import type { KafkaConfig } from 'kafkajs';
// First: it must replace kafkajs's request framing before kafkajs's connection module loads.
import { framedPayload, requestRoom } from './kafkajs-framing.ts';
import { BATCH_HEADER_BYTES, recordBatchBytes, recordBytes, writeRecordBatch } from './record-batch.ts';
import { refusedStub } from '../common/event/stub.ts';
import { blockOf, type RecordBlock } from './record-block.ts';
import type { RecordProducer } from './sink.ts';

const require = createRequire(import.meta.url);

export { framingInstalled } from './kafkajs-framing.ts';

// kafkajs's internals, typed as far as they are used here (kafkajs 2.2.x, pinned in package-lock).
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
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/response.js') as {
  decode(raw: Buffer): Promise<ProduceResponse>;
};
// Decoded but not parsed: kafkajs's parse throws on the first partition error, and a batch the
// topic refuses as too large is handled here, partition by partition.
const produceV3Response = { decode: produceV3.decode, parse: async (data: ProduceResponse) => data };
const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error;
};
const murmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: string) => number;
const { createLogger } = require('kafkajs/src/loggers/index.js') as {
  createLogger(o: { level: number; logCreator: () => () => void }): unknown;
};
const socketFactory = (require('kafkajs/src/network/socketFactory.js') as () => unknown)();
const InstrumentationEmitter = require('kafkajs/src/instrumentation/emitter.js') as new () => unknown;

const PRODUCE = 0;
const ACKS_ALL = -1;
/** Kafka's answers for a record batch over the topic's max.message.bytes. */
const MESSAGE_TOO_LARGE = 10;
const RECORD_LIST_TOO_LARGE = 18;
const LIMIT_TTL_MS = 10 * 60_000;
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
  private readonly clientId: string;
  private readonly hashes = new Map<string, number>();
  private stale = false;

  /**
   * Largest batch (bytes) each topic is known to take, learned from MESSAGE_TOO_LARGE and
   * forgotten after LIMIT_TTL_MS, so a topic whose limit is raised gets full batches again.
   */
  private readonly learned = new Map<string, { bytes: number; at: number }>();
  private readonly onRefused: ((info: RefusedRecord) => void) | undefined;

  /** Takes the same kafkajs-shaped config as the other producers (common/kafka/config.ts). */
  constructor(config: KafkaConfig, hooks: { onRefused?: (info: RefusedRecord) => void } = {}) {
    this.onRefused = hooks.onRefused;
    this.timeoutMs = config.requestTimeout ?? 30000;
    this.clientId = config.clientId ?? 'lcs';
    this.cluster = new ClusterClass({
      logger: createLogger({ level: 0, logCreator: () => () => {} }),
      socketFactory,
      brokers: config.brokers,
      ssl: config.ssl,
      sasl: config.sasl,
      clientId: this.clientId,
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
    // Partition batches over what their topic is known to take go out in pieces afterwards.
    const oversize: [number, PartitionBatch][] = [];
    for (const [leader, list] of byLeader)
      byLeader.set(
        leader,
        list.filter((b) => {
          const limit = this.limit(b.topic);
          if (limit === Infinity || recordBatchBytes(block, b.records) <= limit) return true;
          oversize.push([leader, b]);
          return false;
        }),
      );
    try {
      await Promise.all(
        [...byLeader].map(async ([leader, batches]) => {
          if (!batches.length) return;
          for (const b of await this.produce(leader, block, batches, now)) oversize.push([leader, b]);
        }),
      );
      for (const [leader, b] of oversize) await this.produceInPieces(leader, block, b, now);
    } catch (err) {
      // Leaders may have moved (or a broker restarted): look again before the sink's retry.
      this.stale = true;
      throw err;
    }
  }

  /**
   * One Produce request to one leader. Resolves with the partition batches the topic refused as
   * too large (the others are acknowledged); rejects on any other error.
   */
  private async produce(
    leader: number,
    block: RecordBlock,
    batches: PartitionBatch[],
    now: number,
  ): Promise<PartitionBatch[]> {
    const broker = await this.cluster.findBroker({ nodeId: leader });
    const response = await broker.connectionPool.send({
      request: this.request(leader, block, batches, now),
      response: produceV3Response,
      requestTimeout: this.timeoutMs,
    });
    const codes = new Map<string, number>();
    for (const t of response.topics)
      for (const p of t.partitions) codes.set(`${p.partition}\u0000${t.topicName}`, p.errorCode);
    const refused: PartitionBatch[] = [];
    for (const b of batches) {
      const code = codes.get(`${b.partition}\u0000${b.topic}`);
      if (code === undefined)
        throw new Error(`Kafka did not acknowledge topic ${b.topic} partition ${b.partition}`);
      if (code === MESSAGE_TOO_LARGE || code === RECORD_LIST_TOO_LARGE) {
        const size = recordBatchBytes(block, b.records);
        this.learned.set(b.topic, {
          bytes: Math.min(this.limit(b.topic), Math.floor(size / 2)),
          at: Date.now(),
        });
        refused.push(b);
      } else if (code !== 0) throw createErrorFromCode(code);
    }
    return refused;
  }

  private limit(topic: string): number {
    const l = this.learned.get(topic);
    if (!l) return Infinity;
    if (Date.now() - l.at > LIMIT_TTL_MS) {
      this.learned.delete(topic);
      return Infinity;
    }
    return l.bytes;
  }

  /**
   * A partition batch the topic refused as too large: sent again in consecutive pieces under
   * the learned limit (halved whenever a piece is refused too), in order. A record refused
   * even alone is replaced by a stub with its id, its place in the file and the first 1 KiB of
   * its message, marked `event.truncated` with an `error.message` (docs/agent.md).
   */
  private async produceInPieces(
    leader: number,
    block: RecordBlock,
    batch: PartitionBatch,
    now: number,
  ): Promise<void> {
    const { records, topic, partition } = batch;
    let i = 0;
    while (i < records.length) {
      const limit = this.limit(topic);
      let j = i + 1;
      let size = BATCH_HEADER_BYTES + recordBytes(block, records[i]!, 0);
      while (j < records.length) {
        size += recordBytes(block, records[j]!, j - i);
        if (size > limit) break;
        j++;
      }
      const piece: PartitionBatch = { topic, partition, records: records.slice(i, j) };
      if (!(await this.produce(leader, block, [piece], now)).length) {
        i = j;
        continue;
      }
      if (piece.records.length > 1) continue; // the limit was lowered: smaller pieces
      const r = records[i]!;
      const stub = blockOf([{ topic, key: block.keys[r]!, value: refusedStub(block.value(r), topic) }]);
      if ((await this.produce(leader, stub, [{ topic, partition, records: [0] }], now)).length)
        throw new Error(
          `Kafka topic ${topic} refuses even a ${stub.used}-byte record: check its max.message.bytes`,
        );
      this.onRefused?.({ topic, partition, bytes: block.lengths[r]! });
      i++;
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

  /**
   * Produce v3: transactional_id, acks, timeout, [topic [partition record_set]], written into a
   * Buffer kept per broker and reused (one send is in flight at a time, and kafkajs copies the
   * request into its own frame before the send resolves).
   */
  private request(leader: number, block: RecordBlock, batches: PartitionBatch[], now: number) {
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
        const room = requestRoom(this.clientId);
        let size = room + 2 + 2 + 4 + 4; // header, null transactional_id, acks, timeout, topic count
        for (const [topic, list] of byTopic) {
          size += 2 + Buffer.byteLength(topic) + 4;
          for (const b of list) size += 4 + 4 + recordBatchBytes(block, b.records);
        }
        const buf = this.requestBuffer(leader, size);
        let pos = buf.writeInt16BE(-1, room); // transactional_id: null
        pos = buf.writeInt16BE(ACKS_ALL, pos);
        pos = buf.writeInt32BE(timeoutMs, pos);
        pos = buf.writeInt32BE(byTopic.size, pos);
        for (const [topic, list] of byTopic) {
          const len = Buffer.byteLength(topic);
          pos = buf.writeInt16BE(len, pos);
          pos += buf.write(topic, pos, len, 'utf8');
          pos = buf.writeInt32BE(list.length, pos);
          for (const b of list) {
            pos = buf.writeInt32BE(b.partition, pos);
            const sizeAt = pos;
            pos = writeRecordBatch(block, b.records, now, buf, pos + 4);
            buf.writeInt32BE(pos - sizeAt - 4, sizeAt);
          }
        }
        return framedPayload(buf, room, pos);
      },
    };
  }

  private readonly buffers = new Map<number, Buffer>();

  private requestBuffer(leader: number, size: number): Buffer {
    let buf = this.buffers.get(leader);
    if (!buf || buf.length < size) {
      buf = Buffer.allocUnsafe(Math.max(size, 64 * 1024));
      this.buffers.set(leader, buf);
    }
    return buf;
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }
}

/** A record Kafka refused even alone, replaced by a stub (DirectProducer's onRefused hook). */
export interface RefusedRecord {
  topic: string;
  partition: number;
  bytes: number;
}
