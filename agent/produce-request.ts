// Produce v3 request bodies and responses, written and read by LCS: the request is one Buffer
// holding every partition's record batch (agent/record-batch.ts), which @platformatic/kafka's
// public Connection frames and sends (agent/direct-producer.ts). Layout: the Kafka protocol
// guide, "Produce Request (Version: 3)" and "Produce Response (Version: 3)".

import type { Reader } from '@platformatic/kafka';
import { recordBatchBytes, writeRecordBatch } from './record-batch.ts';
import type { RecordBlock } from './record-block.ts';

export const PRODUCE_API_KEY = 0;
export const PRODUCE_API_VERSION = 3;
export const ACKS_ALL = -1;

/** The records (indices into the block) of one send bound for one partition, in order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  records: number[];
}

export interface PartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  baseOffset: bigint;
}

/**
 * transactional_id (null), acks, timeout, [topic [partition record_set]], written at the start
 * of the Buffer `room(size)` returns (by default one of its own); returns the bytes written.
 */
export function produceRequest(
  block: RecordBlock,
  batches: readonly PartitionBatch[],
  timeoutMs: number,
  nowMs: number,
  room: (size: number) => Buffer = (size) => Buffer.allocUnsafe(size),
): Buffer {
  const byTopic = new Map<string, PartitionBatch[]>();
  for (const b of batches) {
    let list = byTopic.get(b.topic);
    if (!list) byTopic.set(b.topic, (list = []));
    list.push(b);
  }
  let size = 2 + 2 + 4 + 4; // null transactional_id, acks, timeout, topic count
  for (const [topic, list] of byTopic) {
    size += 2 + Buffer.byteLength(topic) + 4;
    for (const b of list) size += 4 + 4 + recordBatchBytes(block, b.records);
  }
  const buf = room(size);
  let pos = buf.writeInt16BE(-1, 0);
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
      pos = writeRecordBatch(block, b.records, nowMs, buf, pos + 4);
      buf.writeInt32BE(pos - sizeAt - 4, sizeAt);
    }
  }
  if (pos !== size) throw new Error(`produce request is ${pos} bytes, not the ${size} computed`);
  return buf.subarray(0, size);
}

/** [topic [partition error_code base_offset log_append_time]] throttle_time: every partition's answer. */
export function parseProduceResponse(reader: Reader): PartitionResult[] {
  const results: PartitionResult[] = [];
  reader.readArray(
    (r) => {
      const topic = r.readString(false);
      r.readArray(
        (p) => {
          const partition = p.readInt32();
          const errorCode = p.readInt16();
          const baseOffset = p.readInt64();
          p.readInt64(); // log_append_time
          results.push({ topic, partition, errorCode, baseOffset });
        },
        false,
        false,
      );
    },
    false,
    false,
  );
  reader.readInt32(); // throttle_time_ms
  return results;
}
