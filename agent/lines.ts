// Splits bytes read from a file into lines with the byte offset each starts at. A line longer
// than maxBytes is cut: its first maxBytes are emitted (marked truncated) and the rest is
// skipped up to the next newline, so a huge line costs bounded memory.

export interface Line {
  /** Byte offset in the file where the line starts. */
  offset: number;
  /** Byte offset just after the line's newline: where reading resumes once this is delivered. */
  end: number;
  bytes: Buffer;
  truncated: boolean;
  /** Length of the whole line in bytes, including the part cut off. */
  length: number;
}

export class LineSplitter {
  private readonly maxBytes: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private lineStart: number;
  private skipping = false;
  private skippedLen = 0;

  constructor(startOffset: number, maxBytes: number) {
    this.lineStart = startOffset;
    this.maxBytes = maxBytes;
  }

  /** Bytes held for an unfinished line. */
  get buffered(): number {
    return this.pendingLen;
  }

  /** Where the current unfinished line starts (the resume point if stopped now). */
  get position(): number {
    return this.lineStart;
  }

  /**
   * Feeds a chunk read at the current position; returns the lines it completes. A line that
   * lies whole inside the chunk is a view of it, not a copy: use the lines before the chunk's
   * memory is reused (the tailer decodes them at once). Partial lines are copied.
   */
  push(chunk: Buffer): Line[] {
    const out: Line[] = [];
    let from = 0;
    while (from < chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const piece = chunk.subarray(from, nl === -1 ? chunk.length : nl);
      if (nl !== -1 && !this.skipping && this.pendingLen === 0 && piece.length <= this.maxBytes) {
        // The common case, a whole line inside this chunk: no copy (see `push`).
        let bytes = piece;
        if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
        out.push({
          offset: this.lineStart,
          end: this.lineStart + piece.length + 1,
          bytes,
          truncated: false,
          length: piece.length,
        });
        this.lineStart += piece.length + 1;
        from = nl + 1;
        continue;
      }
      if (!this.skipping) {
        const room = this.maxBytes - this.pendingLen;
        if (piece.length > room) {
          if (room > 0) this.pending.push(Buffer.from(piece.subarray(0, room)));
          this.pendingLen += Math.max(room, 0);
          this.skipping = true;
          this.skippedLen = piece.length - Math.max(room, 0);
        } else if (piece.length) {
          this.pending.push(Buffer.from(piece));
          this.pendingLen += piece.length;
        }
      } else {
        this.skippedLen += piece.length;
      }
      if (nl === -1) break;
      const length = this.pendingLen + this.skippedLen;
      let bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
      if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
      out.push({
        offset: this.lineStart,
        end: this.lineStart + length + 1,
        bytes,
        truncated: this.skipping,
        length,
      });
      this.lineStart += length + 1;
      this.pending = [];
      this.pendingLen = 0;
      this.skipping = false;
      this.skippedLen = 0;
      from = nl + 1;
    }
    return out;
  }

  /** Emits the unfinished line as is (a file that ended without a newline, finished for good). */
  flushPartial(): Line | undefined {
    const length = this.pendingLen + this.skippedLen;
    if (length === 0) return undefined;
    const bytes = Buffer.concat(this.pending, this.pendingLen);
    const line = {
      offset: this.lineStart,
      end: this.lineStart + length,
      bytes,
      truncated: this.skipping,
      length,
    };
    this.lineStart += length;
    this.pending = [];
    this.pendingLen = 0;
    this.skipping = false;
    this.skippedLen = 0;
    return line;
  }
}
