// Kafka record batches (magic 2) for one partition, encoded in one pass into one Buffer from a
// RecordBlock: values are copied as bytes, with no per-record object, buffer or BigInt.
// General-purpose clients build several of each per record, and that garbage was a quarter of
// the agent's CPU (docs/benchmarks-agent.md). Layout: KIP-98, the "RecordBatch" section of https://kafka.apache.org/documentation/#recordbatch.

import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import type { RecordBlock } from './record-block.ts';

/** Bytes from baseOffset through recordsCount; the CRC covers attributes (byte 21) onwards. */
export const BATCH_HEADER_BYTES = 61;
const CRC_START = 21;

/** CRC-32C (Castagnoli), native: a declared dependency, so a missing build fails at start-up. */
export function crc32c(data: Buffer): number {
  return nativeCrc32c(data) >>> 0;
}

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

/** The encoded size of record `i` of `block` at offset delta `delta` within its batch. */
export function recordBytes(block: RecordBlock, i: number, delta: number): number {
  const body = recordBodyBytes(delta, Buffer.byteLength(block.keys[i]!), block.lengths[i]!);
  return varintBytes(body) + body;
}

/** The encoded size of the batch `writeRecordBatch` writes for these records. */
export function recordBatchBytes(block: RecordBlock, indices: readonly number[]): number {
  const { keys, lengths } = block;
  let lastKey: string | undefined;
  let lastKeyBytes = 0;
  let size = BATCH_HEADER_BYTES;
  for (let d = 0; d < indices.length; d++) {
    const i = indices[d]!;
    const key = keys[i]!;
    if (key !== lastKey) {
      lastKey = key;
      lastKeyBytes = Buffer.byteLength(key);
    }
    const body = recordBodyBytes(d, lastKeyBytes, lengths[i]!);
    size += varintBytes(body) + body;
  }
  return size;
}

/**
 * Writes records `indices` of `block` (in that order) as one batch at `target[pos]`, which must
 * have `recordBatchBytes` free: base offset 0, no producer id (not idempotent), no compression,
 * CreateTime `timestampMs` for every record, no headers. Values are copied as bytes; keys (one
 * per file, mostly) are measured once per run. Returns the position after the batch.
 */
export function writeRecordBatch(
  block: RecordBlock,
  indices: readonly number[],
  timestampMs: number,
  target: Buffer,
  pos: number,
): number {
  const count = indices.length;
  if (count === 0) throw new RangeError('a record batch needs at least one record');
  const { keys, starts, lengths, data } = block;
  const buf = target;
  const at = pos;
  pos += BATCH_HEADER_BYTES;
  let lastKey: string | undefined;
  let lastKeyBytes = 0;
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
  buf.writeBigInt64BE(0n, at); // baseOffset: the broker assigns offsets
  buf.writeInt32BE(pos - at - 12, at + 8); // batchLength: everything after this field
  buf.writeInt32BE(-1, at + 12); // partitionLeaderEpoch: set by the broker
  buf.writeInt8(2, at + 16); // magic
  buf.writeInt16BE(0, at + 21); // attributes: no compression, CreateTime, not transactional
  buf.writeInt32BE(count - 1, at + 23); // lastOffsetDelta
  buf.writeBigInt64BE(BigInt(timestampMs), at + 27); // baseTimestamp
  buf.writeBigInt64BE(BigInt(timestampMs), at + 35); // maxTimestamp
  buf.writeBigInt64BE(-1n, at + 43); // producerId
  buf.writeInt16BE(-1, at + 51); // producerEpoch
  buf.writeInt32BE(-1, at + 53); // baseSequence
  buf.writeInt32BE(count, at + 57); // records
  buf.writeUInt32BE(crc32c(buf.subarray(at + CRC_START, pos)), at + 17);
  return pos;
}

/** One batch in a Buffer of its own (tests; the producer writes into its request). */
export function encodeRecordBatch(
  block: RecordBlock,
  indices: readonly number[],
  timestampMs: number,
): Buffer {
  const buf = Buffer.allocUnsafe(recordBatchBytes(block, indices));
  writeRecordBatch(block, indices, timestampMs, buf, 0);
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
