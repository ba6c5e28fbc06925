// A log writer in its own process, so the test's event loop does not set its pace. Writes
// `<tag> <n> <padding>` lines numbered from 0 at a target rate, optionally rotating by rename
// (file → file.<k>, then a new file) or by copytruncate every `rotateMs`. Prints one JSON line
// {written, rotations} when done. Used as: node writer.ts '<json options>'.

import { appendFileSync, copyFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

export interface WriterOptions {
  file: string;
  lines: number;
  perSecond: number;
  tag?: string;
  lineBytes?: number;
  rotate?: 'rename' | 'copytruncate';
  rotateMs?: number;
}

export function startWriter(opts: WriterOptions): Promise<{ written: number; rotations: number }> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new Error(`writer exited ${code}`)),
    ),
  );
}

async function main(opts: WriterOptions): Promise<void> {
  const tag = opts.tag ?? 'line';
  const pad = 'x'.repeat(Math.max(0, (opts.lineBytes ?? 100) - tag.length - 10));
  const start = Date.now();
  let lastRotate = start;
  let rotations = 0;
  let n = 0;
  const tickMs = 10;
  while (n < opts.lines) {
    const due = Math.min(opts.lines, Math.floor(((Date.now() - start) / 1000) * opts.perSecond) + 1);
    if (due > n) {
      let chunk = '';
      for (; n < due; n++) chunk += `${tag} ${n} ${pad}\n`;
      appendFileSync(opts.file, chunk);
    }
    if (opts.rotate && opts.rotateMs && Date.now() - lastRotate >= opts.rotateMs) {
      rotations++;
      if (opts.rotate === 'rename') {
        renameSync(opts.file, `${opts.file}.${rotations}`);
        writeFileSync(opts.file, '');
      } else {
        copyFileSync(opts.file, `${opts.file}.${rotations}`);
        truncateSync(opts.file, 0);
      }
      lastRotate = Date.now();
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  process.stdout.write(JSON.stringify({ written: n, rotations }) + '\n');
}

if (process.argv[1] === import.meta.filename && process.argv[2])
  await main(JSON.parse(process.argv[2]) as WriterOptions);
