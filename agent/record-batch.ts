// Kafka record batches (magic 2) for one partition, encoded in one pass into one Buffer from a
// RecordBlock: values are copied as bytes, with no per-record object, buffer or BigInt.
// General-purpose clients build several of each per record, and that garbage was a quarter of
// the agent's CPU (docs/benchmarks-agent.md). Layout: KIP-98, the "RecordBatch" section of https://kafka.apache.org/documentation/#recordbatch.

import { createRequire } from 'node:module';
import type { RecordBlock } from './record-block.ts';

/** Bytes from baseOffset through recordsCount; the CRC covers attributes (byte 21) onwards. */
export const BATCH_HEADER_BYTES = 61;
const CRC_START = 21;

type Crc32c = (data: Buffer) => number;

/** CRC-32C: the native @node-rs/crc32 when it loads, else kafkajs's JavaScript one. */
export const crc32c: Crc32c = (() => {
  const require = createRequire(import.meta.url);
  try {
    const native = (require('@node-rs/crc32') as { crc32c: (b: Buffer, initial?: number) => number }).crc32c;
    return (b: Buffer) => native(b) >>> 0;
  } catch {
    const js = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
    return (b: Buffer) => js(b) >>> 0;
  }
})();

/** Length of the zigzag varint Kafka uses for signed ints (records' fields). */
function varintBytes(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let len = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 128);
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    buf[pos++] = (z & 0x7f) | 0x80;
    z = Math.floor(z / 128);
  }
  buf[pos++] = z;
  return pos;
}

/**
 * Encodes records `indices` of `block` (in that order) as one batch: base offset 0, no producer
 * id (not idempotent), no compression, CreateTime `timestampMs` for every record, no headers.
 * Values are copied as bytes; keys (one per file, mostly) are measured once per run.
 */
export function encodeRecordBatch(block: RecordBlock, indices: readonly number[], timestampMs: number): Buffer {
  const count = indices.length;
  if (count === 0) throw new RangeError('a record batch needs at least one record');
  const { keys, starts, lengths, data } = block;
  let lastKey: string | undefined;
  let lastKeyBytes = 0;
  let size = BATCH_HEADER_BYTES;
  for (let d = 0; d < count; d++) {
    const i = indices[d]!;
    const key = keys[i]!;
    if (key !== lastKey) {
      lastKey = key;
      lastKeyBytes = Buffer.byteLength(key);
    }
    const body = recordBodyBytes(d, lastKeyBytes, lengths[i]!);
    size += varintBytes(body) + body;
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeBigInt64BE(0n, 0); // baseOffset: the broker assigns offsets
  buf.writeInt32BE(size - 12, 8); // batchLength: everything after this field
  buf.writeInt32BE(-1, 12); // partitionLeaderEpoch: set by the broker
  buf.writeInt8(2, 16); // magic
  // crc at 17, written last
  buf.writeInt16BE(0, 21); // attributes: no compression, CreateTime, not transactional
  buf.writeInt32BE(count - 1, 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(timestampMs), 27); // baseTimestamp
  buf.writeBigInt64BE(BigInt(timestampMs), 35); // maxTimestamp
  buf.writeBigInt64BE(-1n, 43); // producerId
  buf.writeInt16BE(-1, 51); // producerEpoch
  buf.writeInt32BE(-1, 53); // baseSequence
  buf.writeInt32BE(count, 57); // records
  let pos = BATCH_HEADER_BYTES;
  lastKey = undefined;
  for (let d = 0; d < count; d++) {
    const i = indices[d]!;
    const key = keys[i]!;
    if (key !== lastKey) {
      lastKey = key;
      lastKeyBytes = Buffer.byteLength(key);
    }
    const valueBytes = lengths[i]!;
    pos = writeVarint(buf, pos, recordBodyBytes(d, lastKeyBytes, valueBytes));
    buf[pos++] = 0; // attributes
    buf[pos++] = 0; // timestampDelta (zigzag 0)
    pos = writeVarint(buf, pos, d);
    pos = writeVarint(buf, pos, lastKeyBytes);
    pos += buf.write(key, pos, lastKeyBytes, 'utf8');
    pos = writeVarint(buf, pos, valueBytes);
    const start = starts[i]!;
    pos += data.copy(buf, pos, start, start + valueBytes);
    buf[pos++] = 0; // headers: none
  }
  buf.writeUInt32BE(crc32c(buf.subarray(CRC_START)), 17);
  return buf;
}

function recordBodyBytes(offsetDelta: number, keyBytes: number, valueBytes: number): number {
  return (
    1 + // attributes
    1 + // timestampDelta 0
    varintBytes(offsetDelta) +
    varintBytes(keyBytes) +
    keyBytes +
    varintBytes(valueBytes) +
    valueBytes +
    1 // header count 0
  );
}
