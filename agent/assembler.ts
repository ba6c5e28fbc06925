// Turns lines into events, per the entry's `parse`: container formats first (CRI/docker
// partial lines merged), then multiline by start pattern (max lines, max bytes, flush
// timeout). An event spans [offset, end) in the file; the tailer checkpoints `end` once Kafka
// acknowledged it, so a half-assembled event is simply read again after a restart.

import type { ParseConfig } from '../common/schema/collect-entry.ts';
import { parseCri, parseDocker, type ContainerLine } from './formats.ts';
import type { Line } from './lines.ts';
import { makeParser, type Parsed } from './parse.ts';
import type { EncodableEvent } from '../common/event/encode.ts';

/** An event as the assembler hands it to the encoder: what it encodes, plus where it ends. */
export interface AssembledEvent extends EncodableEvent {
  /** Byte offset just past the event: the checkpoint once Kafka acknowledged it. */
  end: number;
}

interface Piece {
  offset: number;
  end: number;
  text: string;
  timestamp?: string;
  stream?: string;
  truncated: boolean;
  invalidUtf8: boolean;
  /** The piece ended with a newline in the file (not a flushed unfinished line). */
  newline: boolean;
}

const decode = (bytes: Buffer): { text: string; invalidUtf8: boolean } => {
  const text = bytes.toString('utf8');
  // U+FFFD in the output but not in the input means bytes were not valid UTF-8.
  return { text, invalidUtf8: text.includes('\uFFFD') && !bytes.includes(Buffer.from('\uFFFD')) };
};

/** A raw line without multiline is its own event: one object per line, nothing in between. */
function rawEvent(line: Line): AssembledEvent {
  const { text, invalidUtf8 } = decode(line.bytes);
  return {
    offset: line.offset,
    end: line.end,
    message: text,
    truncated: line.truncated,
    invalidUtf8,
    length: line.length,
  };
}

export class Assembler {
  private readonly format: NonNullable<ParseConfig['format']>;
  private readonly maxEventBytes: number;
  private readonly start: RegExp | undefined;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  readonly flushTimeoutMs: number;
  private readonly contentParser: (text: string) => Parsed;
  private partial: Piece[] = [];
  private multi: Piece[] = [];
  private multiBytes = 0;
  /** When the oldest held piece arrived (for the flush timeout), or undefined. */
  heldSince: number | undefined;

  constructor(parse: ParseConfig | undefined, maxEventBytes: number) {
    this.format = parse?.format ?? 'raw';
    this.maxEventBytes = maxEventBytes;
    const ml = parse?.multiline;
    this.start = ml ? new RegExp(ml.start) : undefined;
    this.maxLines = ml?.maxLines ?? 500;
    this.maxBytes = Math.min(ml?.maxBytes ?? maxEventBytes, maxEventBytes);
    this.flushTimeoutMs = ml?.flushTimeoutMs ?? 1000;
    this.contentParser = makeParser(this.format === 'json' ? 'json' : this.format === 'raw' ? 'raw' : 'auto');
  }

  /** Feeds lines read from the file; returns the events they complete. */
  push(lines: Line[], now: number): AssembledEvent[] {
    if (this.format === 'raw' && !this.start) return lines.map(rawEvent);
    const out: AssembledEvent[] = [];
    for (const line of lines) {
      const { text, invalidUtf8 } = decode(line.bytes);
      const c = this.container(text);
      const piece: Piece = {
        offset: line.offset,
        end: line.end,
        newline: line.end - line.offset > line.length,
        text: c ? c.content : text,
        truncated: line.truncated,
        invalidUtf8,
        ...(c?.timestamp ? { timestamp: c.timestamp } : {}),
        ...(c ? { stream: c.stream } : {}),
      };
      if (c?.partial) {
        this.partial.push(piece);
        this.heldSince ??= now;
        continue;
      }
      const whole = this.partial.length ? this.mergePartials([...this.partial, piece]) : piece;
      this.partial = [];
      this.multiline(whole, out, now);
    }
    if (!this.partial.length && !this.multi.length) this.heldSince = undefined;
    return out;
  }

  private container(text: string): ContainerLine | undefined {
    if (this.format === 'cri') return parseCri(text);
    if (this.format === 'docker') return parseDocker(text);
    if (this.format === 'auto') return text.startsWith('{') ? parseDocker(text) : parseCri(text);
    return undefined;
  }

  private mergePartials(pieces: Piece[]): Piece {
    let text = pieces.map((p) => p.text).join('');
    let truncated = pieces.some((p) => p.truncated);
    if (Buffer.byteLength(text) > this.maxEventBytes) {
      text = Buffer.from(text).subarray(0, this.maxEventBytes).toString('utf8');
      truncated = true;
    }
    const first = pieces[0]!;
    return {
      ...first,
      end: pieces[pieces.length - 1]!.end,
      text,
      truncated,
      invalidUtf8: pieces.some((p) => p.invalidUtf8),
    };
  }

  private multiline(piece: Piece, out: AssembledEvent[], now: number): void {
    if (!this.start) return void out.push(this.toEvent([piece]));
    const isStart = this.start.test(piece.text);
    if (isStart || !this.multi.length) {
      if (this.multi.length) out.push(this.toEvent(this.takeMulti()));
      this.multi = [piece];
      this.multiBytes = Buffer.byteLength(piece.text);
      this.heldSince = now;
      return;
    }
    this.multi.push(piece);
    this.multiBytes += Buffer.byteLength(piece.text) + 1;
    if (this.multi.length >= this.maxLines || this.multiBytes >= this.maxBytes)
      out.push(this.toEvent(this.takeMulti()));
  }

  private takeMulti(): Piece[] {
    const m = this.multi;
    this.multi = [];
    this.multiBytes = 0;
    return m;
  }

  /** Emits what is held once it is older than the flush timeout (or at once with force). */
  flush(now: number, force = false): AssembledEvent[] {
    if (this.heldSince === undefined || (!force && now - this.heldSince < this.flushTimeoutMs)) return [];
    const out: AssembledEvent[] = [];
    if (this.partial.length) {
      this.multiline(this.mergePartials(this.partial), out, now);
      this.partial = [];
    }
    if (this.multi.length) out.push(this.toEvent(this.takeMulti()));
    this.heldSince = undefined;
    return out;
  }

  private toEvent(pieces: Piece[]): AssembledEvent {
    const first = pieces[0]!;
    let message = pieces.length === 1 ? first.text : pieces.map((p) => p.text).join('\n');
    let truncated = pieces.some((p) => p.truncated);
    if (Buffer.byteLength(message) > this.maxEventBytes) {
      message = Buffer.from(message).subarray(0, this.maxEventBytes).toString('utf8');
      truncated = true;
    }
    const end = pieces[pieces.length - 1]!.end;
    const parsed = this.contentParser(message);
    return {
      offset: first.offset,
      end,
      message: parsed.message,
      // The runtime's timestamp (CRI/docker) wins over one inside the content: it is always there and exact.
      ...(first.timestamp
        ? { timestamp: first.timestamp }
        : parsed.timestamp
          ? { timestamp: parsed.timestamp }
          : {}),
      ...(parsed.fields ? { fields: parsed.fields } : {}),
      ...(parsed.error && this.format === 'json' ? { error: parsed.error } : {}),
      ...(first.stream ? { stream: first.stream } : {}),
      truncated,
      invalidUtf8: pieces.some((p) => p.invalidUtf8),
      // Bytes of the event in the file, without its final newline.
      length: end - first.offset - (pieces[pieces.length - 1]!.newline ? 1 : 0),
    };
  }
}
