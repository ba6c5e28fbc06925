// The input: files of numbered ~200-byte lines, written before either collector starts, so
// both read the same bytes from the page cache.

import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';

export interface Corpus {
  dir: string;
  files: string[];
  lines: number;
  bytes: number;
}

const FILLER = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.repeat(8);

/** A line of exactly `size` bytes including its newline, looking like an access log line. */
export function line(file: number, n: number, size: number): string {
  const head = `2025-01-01T00:00:00.000Z INFO file=${file} seq=${n} GET /api/v1/items/${n % 9973} status=200 msg=`;
  const room = Math.max(0, size - 1 - head.length);
  return head + FILLER.slice(0, room) + '\n';
}

export async function writeCorpus(
  dir: string,
  files: number,
  linesPerFile: number,
  lineBytes: number,
  progress: (done: number, total: number) => void,
): Promise<Corpus> {
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  let bytes = 0;
  const total = files * linesPerFile;
  let done = 0;
  for (let f = 0; f < files; f++) {
    const path = join(dir, `app-${String(f).padStart(3, '0')}.log`);
    paths.push(path);
    const out = createWriteStream(path);
    const chunk: string[] = [];
    for (let i = 0; i < linesPerFile; i++) {
      const l = line(f, i, lineBytes);
      bytes += Buffer.byteLength(l);
      chunk.push(l);
      if (chunk.length === 5000 || i === linesPerFile - 1) {
        if (!out.write(chunk.join(''))) await once(out, 'drain');
        done += chunk.length;
        chunk.length = 0;
        if (done % 100000 < 5000) progress(done, total);
      }
    }
    out.end();
    await once(out, 'finish');
  }
  return { dir, files: paths, lines: total, bytes };
}
