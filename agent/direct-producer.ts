// RecordProducer that encodes each partition's record batch itself (agent/record-batch.ts) and
// sends Produce v3 requests (agent/produce-request.ts) through @platformatic/kafka's public
// surface: its Base client keeps the cluster's metadata (bootstrap, leaders, topic creation)
// and its ConnectionPool and Connection do what a client is for (TLS, SASL, framing, timeouts,
// several requests in flight per connection). The per-record work is one pass over a Buffer.
// docs/decisions.md has why this client and the figures against the clients' own producers.
//
// Semantics are the sink's: acks=all, and a send resolves only when every partition of every
// broker acknowledged. Sends may overlap; the sink never has two in flight that share a file
// (agent/sink.ts), so each file's order holds without an idempotent producer. Partitions come
// from the Java client's murmur2 of the key, the same as kafkajs's default partitioner, so a
// file keeps its partition across clients and versions.

import {
  Base,
  ConnectionPool,
  murmur2,
  protocolErrors,
  protocolErrorsCodesById,
  type BaseOptions,
  type ClusterMetadata,
  type ClusterPartitionMetadata,
  type Connection,
  type SASLMechanismValue,
  Writer,
} from '@platformatic/kafka';
import type { KafkaConfig } from 'kafkajs';
import { LcsError } from '../common/errors.ts';
import { kafkaProblem } from '../common/kafka/explain.ts';
import { refusedStub } from '../common/event/stub.ts';
import { BATCH_HEADER_BYTES, recordBatchBytes, recordBytes } from './record-batch.ts';
import { blockOf, type RecordBlock } from './record-block.ts';
import {
  parseProduceResponse,
  produceRequest,
  PRODUCE_API_KEY,
  PRODUCE_API_VERSION,
  type PartitionBatch,
  type PartitionResult,
} from './produce-request.ts';
import type { RecordProducer } from './sink.ts';

/** Kafka's answers for a record batch over the topic's max.message.bytes. */
const MESSAGE_TOO_LARGE = 10;
const RECORD_LIST_TOO_LARGE = 18;
const LIMIT_TTL_MS = 10 * 60_000;
// A file's records share a key, so its partition is hashed once. Bounded: cleared when full.
const MAX_CACHED_KEYS = 10_000;
/** Requests one connection keeps in flight (the sink has at most one per lane). */
const MAX_IN_FLIGHT_PER_CONNECTION = 16;

/** Request buffers are at least this big, so one fits most sends (agent.batchBytes is 512 KiB). */
const MIN_REQUEST_BUFFER = 640 * 1024;

/** A Produce answer or a request that failed: `code` names Kafka's error, `retriable` its kind. */
export class KafkaProduceError extends LcsError {}

export class DirectProducer implements RecordProducer {
  private readonly metadataClient: Base;
  private readonly pool: ConnectionPool;
  private readonly timeoutMs: number;
  private readonly brokers: string[];
  /** kafka.saslUsername, for the explanations of refusals (common/kafka/explain.ts). */
  private readonly user: string | undefined;
  private readonly hashes = new Map<string, number>();
  private stale = false;

  /**
   * Largest batch (bytes) each topic is known to take, learned from MESSAGE_TOO_LARGE and
   * forgotten after LIMIT_TTL_MS, so a topic whose limit is raised gets full batches again.
   */
  private readonly learned = new Map<string, { bytes: number; at: number }>();
  private readonly onRefused: ((info: RefusedRecord) => void) | undefined;
  private readonly now: () => number;

  /** Takes the kafkajs-shaped config the components share (common/kafka/config.ts). */
  constructor(
    config: KafkaConfig,
    hooks: { onRefused?: (info: RefusedRecord) => void; now?: () => number } = {},
  ) {
    this.onRefused = hooks.onRefused;
    this.now = hooks.now ?? Date.now;
    this.timeoutMs = config.requestTimeout ?? 30000;
    if (typeof config.brokers === 'function')
      throw new TypeError('DirectProducer needs a list of brokers, not a function');
    this.brokers = config.brokers;
    this.user = (config.sasl as { username?: string } | undefined)?.username;
    const clientId = config.clientId ?? 'lcs';
    const security = securityOptions(config);
    const connectTimeout = config.connectionTimeout ?? 3000;
    this.metadataClient = new Base({
      clientId,
      bootstrapBrokers: config.brokers,
      connectTimeout,
      requestTimeout: this.timeoutMs,
      timeout: this.timeoutMs,
      // The sink retries forever; metadata is retried briefly first.
      retries: 3,
      retryDelay: 100,
      metadataMaxAge: 300_000,
      autocreateTopics: true,
      ...security,
    });
    this.pool = new ConnectionPool(clientId, {
      connectTimeout,
      requestTimeout: this.timeoutMs,
      maxInflights: MAX_IN_FLIGHT_PER_CONNECTION,
      ...security,
    });
  }

  async connect(): Promise<void> {
    try {
      await this.metadataClient.metadata({ topics: [] });
    } catch (err) {
      const problem = kafkaProblem(err, { user: this.user, operation: 'Write' });
      throw new KafkaProduceError(
        'KAFKA_METADATA_FAILED',
        `Kafka metadata from ${this.brokers.join(', ')} failed: ${problem ?? innermost(err)}`,
        { retriable: true, cause: err },
      );
    }
  }

  async send(block: RecordBlock): Promise<void> {
    if (!block.count) return;
    const topics = [...new Set(block.topics.slice(0, block.count))];
    const forceUpdate = this.stale;
    this.stale = false;
    let metadata: ClusterMetadata;
    try {
      metadata = await this.metadataClient.metadata({ topics, forceUpdate });
    } catch (err) {
      this.stale = true;
      const problem = kafkaProblem(err, { user: this.user, topics, operation: 'Write' });
      throw new KafkaProduceError(
        'KAFKA_METADATA_FAILED',
        `Kafka metadata for ${topics.join(', ')} from ${this.brokers.join(', ')} failed: ${problem ?? innermost(err)}`,
        { retriable: true, cause: err },
      );
    }

    const byLeader = this.group(block, metadata);
    const now = this.now();
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
          for (const b of await this.produce(metadata, leader, block, batches, now))
            oversize.push([leader, b]);
        }),
      );
      for (const [leader, b] of oversize) await this.produceInPieces(metadata, leader, block, b, now);
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
    metadata: ClusterMetadata,
    leader: number,
    block: RecordBlock,
    batches: PartitionBatch[],
    now: number,
  ): Promise<PartitionBatch[]> {
    const broker = metadata.brokers.get(leader);
    if (!broker)
      throw new KafkaProduceError('KAFKA_UNKNOWN_BROKER', `Kafka broker ${leader} is not in the metadata`, {
        retriable: true,
      });
    const connection = await this.pool.get({ host: broker.host, port: broker.port });
    // Request buffers are reused once their request is answered (the connection is done with
    // it then): a fresh 512 KiB of native memory per request fragmented the malloc heap by
    // tens of MB with several requests in flight (bench/agent, 100 files).
    let scratch: Buffer | undefined;
    const payload = produceRequest(block, batches, this.timeoutMs, now, (size) => {
      scratch = this.takeBuffer(size);
      return scratch;
    });
    let results: PartitionResult[];
    try {
      results = await request(connection, payload);
    } finally {
      if (scratch) this.returnBuffer(scratch);
    }
    const codes = new Map<string, number>();
    for (const p of results) codes.set(`${p.partition}\u0000${p.topic}`, p.errorCode);
    const refused: PartitionBatch[] = [];
    for (const b of batches) {
      const code = codes.get(`${b.partition}\u0000${b.topic}`);
      if (code === undefined)
        throw new KafkaProduceError(
          'KAFKA_NO_ANSWER',
          `Kafka did not acknowledge topic ${b.topic} partition ${b.partition}`,
          { retriable: true },
        );
      if (code === MESSAGE_TOO_LARGE || code === RECORD_LIST_TOO_LARGE) {
        const size = recordBatchBytes(block, b.records);
        this.learned.set(b.topic, {
          bytes: Math.min(this.limit(b.topic), Math.floor(size / 2)),
          at: this.now(),
        });
        refused.push(b);
      } else if (code !== 0) throw partitionError(code, b, this.user);
    }
    return refused;
  }

  private readonly buffers: Buffer[] = [];

  private takeBuffer(size: number): Buffer {
    const i = this.buffers.findIndex((b) => b.length >= size);
    if (i >= 0) return this.buffers.splice(i, 1)[0]!;
    return Buffer.allocUnsafeSlow(Math.max(size, MIN_REQUEST_BUFFER));
  }

  private returnBuffer(buf: Buffer): void {
    if (this.buffers.length < MAX_IN_FLIGHT_PER_CONNECTION) this.buffers.push(buf);
  }

  private limit(topic: string): number {
    const l = this.learned.get(topic);
    if (!l) return Infinity;
    if (this.now() - l.at > LIMIT_TTL_MS) {
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
    metadata: ClusterMetadata,
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
      if (!(await this.produce(metadata, leader, block, [piece], now)).length) {
        i = j;
        continue;
      }
      if (piece.records.length > 1) continue; // the limit was lowered: smaller pieces
      const r = records[i]!;
      const stub = blockOf([{ topic, key: block.keys[r]!, value: refusedStub(block.value(r), topic) }]);
      if ((await this.produce(metadata, leader, stub, [{ topic, partition, records: [0] }], now)).length)
        throw new KafkaProduceError(
          'KAFKA_RECORD_REFUSED',
          `Kafka topic ${topic} refuses even a ${stub.used}-byte record: check its max.message.bytes`,
        );
      this.onRefused?.({ topic, partition, bytes: block.lengths[r]! });
      i++;
    }
  }

  /** Groups a block's records by leader broker, then by topic and partition, keeping their order. */
  private group(block: RecordBlock, metadata: ClusterMetadata): Map<number, PartitionBatch[]> {
    const byLeader = new Map<number, PartitionBatch[]>();
    const batches = new Map<string, PartitionBatch>();
    let lastTopic: string | undefined;
    let lastKey: string | undefined;
    let partitions: ClusterPartitionMetadata[] = [];
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
        partitions = metadata.topics.get(topic)?.partitions ?? [];
        if (!partitions.length)
          throw new KafkaProduceError(
            'KAFKA_NO_PARTITIONS',
            `Kafka has no partitions for topic ${topic} yet`,
            {
              retriable: true,
            },
          );
      }
      lastTopic = topic;
      lastKey = key;
      const partition = this.hash(key) % partitions.length;
      const id = `${partition}\u0000${topic}`;
      batch = batches.get(id);
      if (!batch) {
        const leader = partitions[partition]?.leader;
        if (leader === undefined || leader === null || leader < 0)
          throw new KafkaProduceError(
            'KAFKA_NO_LEADER',
            `Kafka topic ${topic} partition ${partition} has no leader`,
            { retriable: true },
          );
        batch = { topic, partition, records: [] };
        batches.set(id, batch);
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
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

  async disconnect(): Promise<void> {
    await Promise.allSettled([this.pool.close(), this.metadataClient.close()]);
  }
}

/** One Produce request on a connection, answered partition by partition. */
function request(connection: Connection, payload: Buffer): Promise<PartitionResult[]> {
  return new Promise((resolve, reject) => {
    connection.send<PartitionResult[]>(
      PRODUCE_API_KEY,
      PRODUCE_API_VERSION,
      () => Writer.create().append(payload),
      (_correlationId, _apiKey, _apiVersion, reader) => parseProduceResponse(reader),
      false,
      false,
      (err, results) => {
        if (err)
          reject(
            new KafkaProduceError('KAFKA_REQUEST_FAILED', `Kafka produce request failed: ${err.message}`, {
              retriable: true,
              cause: err,
            }),
          );
        else resolve(results!);
      },
    );
  });
}

/** The first root cause of a client error (@platformatic/kafka nests retries and brokers). */
function innermost(err: unknown): string {
  let e = err;
  for (let depth = 0; depth < 10; depth++) {
    const next =
      e instanceof AggregateError && e.errors.length ? e.errors[0] : e instanceof Error ? e.cause : undefined;
    if (!(next instanceof Error)) break;
    e = next;
  }
  return e instanceof Error ? e.message : String(e);
}

export function partitionError(code: number, b: PartitionBatch, user?: string): KafkaProduceError {
  const id = protocolErrorsCodesById[code] ?? 'UNKNOWN';
  const known = protocolErrors[id];
  const reason = known?.message ?? `error code ${code}`;
  const problem = kafkaProblem(new Error(`${id} ${reason}`), { user, topics: [b.topic], operation: 'Write' });
  return new KafkaProduceError(
    `KAFKA_${id}`,
    `Kafka refused topic ${b.topic} partition ${b.partition}: ${problem ?? reason}`,
    { retriable: known?.canRetry ?? true },
  );
}

/** TLS and SASL in @platformatic/kafka's terms, from the kafkajs-shaped config. */
export function securityOptions(config: KafkaConfig): Pick<BaseOptions, 'tls' | 'sasl'> {
  const sasl = config.sasl as { mechanism: string; username?: string; password?: string } | undefined;
  return {
    ...(config.ssl ? { tls: config.ssl === true ? {} : config.ssl } : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism.toUpperCase() as SASLMechanismValue,
            username: sasl.username ?? '',
            password: sasl.password ?? '',
          },
        }
      : {}),
  };
}

/** A record Kafka refused even alone, replaced by a stub (DirectProducer's onRefused hook). */
export interface RefusedRecord {
  topic: string;
  partition: number;
  bytes: number;
}
