// A block of records waiting for Kafka, stored by column: values as UTF-8 in one Buffer, their
// spans and file offsets in typed arrays, keys, topics and owners as references to strings and
// tailers that exist anyway. A queued record therefore costs no object of its own on the V8
// heap. Records wait ~100 ms for their acknowledgement, long enough to be promoted to V8's old
// generation if they were objects; that promotion was most of the agent's GC time and peak
// memory (docs/benchmarks-agent.md). The sink recycles blocks, so memory stays flat.

/** Who is told when a record is acknowledged: its tailer, with the record's end offset. */
export interface AckOwner {
  acked(end: number): void;
  /** Called once per batch after its acks: the place to write one checkpoint, not one per record. */
  batchAcked(): void;
}

export class RecordBlock {
  /** Values, back to back. */
  readonly data: Buffer;
  /** Bytes of `data` in use. */
  used = 0;
  count = 0;
  /** Bytes this block stands for in the sink's budget. */
  accounted = 0;
  starts: Int32Array;
  lengths: Int32Array;
  /** Each record's end offset in its file (what its owner checkpoints once acknowledged). */
  ends: Float64Array;
  readonly keys: string[] = [];
  readonly topics: string[] = [];
  readonly owners: (AckOwner | undefined)[] = [];

  constructor(bytes: number, slots = 1024) {
    this.data = Buffer.allocUnsafe(bytes);
    this.starts = new Int32Array(slots);
    this.lengths = new Int32Array(slots);
    this.ends = new Float64Array(slots);
  }

  get capacity(): number {
    return this.data.length;
  }

  /**
   * Appends a record whose value is `valueBytes` of UTF-8; false (and nothing written) when the
   * value does not fit in what is left of `data`.
   */
  append(
    topic: string,
    key: string,
    value: string,
    valueBytes: number,
    owner: AckOwner | undefined,
    end: number,
  ): boolean {
    if (this.used + valueBytes > this.data.length) return false;
    const i = this.count;
    if (i === this.starts.length) this.grow();
    const wrote = this.data.write(value, this.used, valueBytes, 'utf8');
    if (wrote !== valueBytes)
      throw new Error(`record value is ${wrote} bytes of UTF-8, not the ${valueBytes} declared`);
    this.starts[i] = this.used;
    this.lengths[i] = valueBytes;
    this.ends[i] = end;
    this.keys[i] = key;
    this.topics[i] = topic;
    this.owners[i] = owner;
    this.used += valueBytes;
    this.count = i + 1;
    return true;
  }

  /** Record `i`'s value, as a view on `data` (no copy). */
  value(i: number): Buffer {
    const start = this.starts[i]!;
    return this.data.subarray(start, start + this.lengths[i]!);
  }

  /** Empties the block for reuse, dropping its references to tailers and strings. */
  reset(): void {
    for (let i = 0; i < this.count; i++) {
      this.keys[i] = '';
      this.topics[i] = '';
      this.owners[i] = undefined;
    }
    this.used = 0;
    this.count = 0;
    this.accounted = 0;
  }

  private grow(): void {
    const n = this.starts.length * 2;
    const starts = new Int32Array(n);
    starts.set(this.starts);
    const lengths = new Int32Array(n);
    lengths.set(this.lengths);
    const ends = new Float64Array(n);
    ends.set(this.ends);
    this.starts = starts;
    this.lengths = lengths;
    this.ends = ends;
  }
}

/** A block of the given records (tests and the producer benchmark; the sink fills its own). */
export function blockOf(records: readonly { topic: string; key: string; value: string }[]): RecordBlock {
  const sizes = records.map((r) => Buffer.byteLength(r.value));
  const block = new RecordBlock(
    Math.max(
      1,
      sizes.reduce((a, b) => a + b, 0),
    ),
    Math.max(1, records.length),
  );
  records.forEach((r, i) => block.append(r.topic, r.key, r.value, sizes[i]!, undefined, 0));
  return block;
}
