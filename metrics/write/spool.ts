// The on-disk part of the outage buffer: one file per batch, named by a sequence number, so
// the directory listing is the order and a restart picks up where the last process stopped.
// Bounded in bytes: past the bound the oldest batches are dropped, and every dropped line is
// reported (never silent). A file is written to a temporary name and renamed, so a crash
// mid-write leaves no half batch.

import fsp from 'node:fs/promises';
import path from 'node:path';

export interface Segment {
  seq: number;
  lines: number;
  bytes: number;
}

// `<seq>-<lines>.lp`: the line count in the name lets a drop be counted without reading it.
const NAME = /^(\d{16})-(\d+)\.lp$/;
const fileName = (s: Segment) => `${String(s.seq).padStart(16, '0')}-${s.lines}.lp`;

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Called with the number of lines of each batch dropped at the bound. */
  onDrop: (lines: number) => void;
}

export class Spool {
  private readonly o: SpoolOptions;
  private segments: Segment[] = [];
  private nextSeq = 1;
  private bytesHeld = 0;

  constructor(o: SpoolOptions) {
    this.o = o;
  }

  /** Reads what an earlier process left, and removes half-written temporary files. */
  async open(): Promise<void> {
    await fsp.mkdir(this.o.dir, { recursive: true });
    const found: Segment[] = [];
    for (const name of await fsp.readdir(this.o.dir)) {
      const m = NAME.exec(name);
      if (!m) {
        if (name.endsWith('.tmp')) await fsp.rm(path.join(this.o.dir, name), { force: true });
        continue;
      }
      const st = await fsp.stat(path.join(this.o.dir, name));
      found.push({ seq: Number(m[1]), lines: Number(m[2]), bytes: st.size });
    }
    this.segments = found.sort((a, b) => a.seq - b.seq);
    this.bytesHeld = found.reduce((s, x) => s + x.bytes, 0);
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
  }

  get size(): { batches: number; lines: number; bytes: number } {
    return {
      batches: this.segments.length,
      lines: this.segments.reduce((s, x) => s + x.lines, 0),
      bytes: this.bytesHeld,
    };
  }

  get empty(): boolean {
    return this.segments.length === 0;
  }

  async append(lines: string[]): Promise<void> {
    if (!lines.length) return;
    const body = lines.join('\n') + '\n';
    const seg: Segment = { seq: this.nextSeq++, lines: lines.length, bytes: Buffer.byteLength(body) };
    const file = path.join(this.o.dir, fileName(seg));
    await fsp.writeFile(file + '.tmp', body);
    await fsp.rename(file + '.tmp', file);
    this.segments.push(seg);
    this.bytesHeld += seg.bytes;
    while (this.bytesHeld > this.o.maxBytes && this.segments.length > 1) {
      const old = this.segments[0]!;
      await this.remove([old]);
      this.o.onDrop(old.lines);
    }
  }

  /** The oldest batches, up to `maxLines` lines (at least one batch), with their lines. */
  async oldest(maxLines: number): Promise<{ segments: Segment[]; lines: string[] } | undefined> {
    const segments: Segment[] = [];
    const lines: string[] = [];
    for (const s of this.segments) {
      if (segments.length && lines.length + s.lines > maxLines) break;
      const text = await fsp.readFile(path.join(this.o.dir, fileName(s)), 'utf8');
      for (const l of text.split('\n')) if (l) lines.push(l);
      segments.push(s);
    }
    return segments.length ? { segments, lines } : undefined;
  }

  /** Forgets batches that were written (or dropped). */
  async remove(segments: Segment[]): Promise<void> {
    for (const s of segments) {
      const i = this.segments.findIndex((x) => x.seq === s.seq);
      if (i < 0) continue;
      this.segments.splice(i, 1);
      this.bytesHeld -= s.bytes;
      await fsp.rm(path.join(this.o.dir, fileName(s)), { force: true });
    }
  }
}
