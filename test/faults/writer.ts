// The fault schedule's steady writer, in its own process so the test's event loop (busy with
// faults and probes) does not set its pace: appends numbered lines to several files at a fixed
// total rate until SIGTERM, then prints one JSON line {written: [per file], lagMaxLines}.
// Every line is LINE_BYTES long (the number zero-padded), so line n of a file starts at byte
// n·LINE_BYTES: the checker reads a document's `log.offset` and knows its line number.
// Used as: node writer.ts '<json options>'.

import { appendFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';

export const LINE_BYTES = 100;

export interface FaultWriterOptions {
  files: string[];
  /** Lines per second over all files together. */
  perSecond: number;
}

export interface FaultWriterResult {
  written: number[];
  /** The most lines the writer ever was behind its schedule (it could not keep the rate). */
  lagMaxLines: number;
  seconds: number;
}

export const lineText = (tag: string, n: number): string => {
  const head = `${tag} ${String(n).padStart(10, '0')} `;
  return head + 'x'.repeat(LINE_BYTES - head.length - 1) + '\n';
};

export function startFaultWriter(opts: FaultWriterOptions): {
  child: ChildProcess;
  stop: () => Promise<FaultWriterResult>;
} {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<FaultWriterResult>((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as FaultWriterResult)
        : reject(new Error(`fault writer exited ${code}`)),
    ),
  );
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function main(opts: FaultWriterOptions): Promise<void> {
  const start = Date.now();
  const written = opts.files.map(() => 0);
  const perFile = opts.perSecond / opts.files.length;
  let lagMaxLines = 0;
  let stopping = false;
  process.on('SIGTERM', () => (stopping = true));
  while (!stopping) {
    const due = Math.floor(((Date.now() - start) / 1000) * perFile) + 1;
    for (let k = 0; k < opts.files.length; k++) {
      // Lines owed beyond one tick's worth measure how far the writer fell behind its rate.
      lagMaxLines = Math.max(lagMaxLines, due - written[k]! - Math.ceil(perFile / 10));
      let chunk = '';
      for (; written[k]! < due; written[k]!++) chunk += lineText(`f${k}`, written[k]!);
      if (chunk) appendFileSync(opts.files[k]!, chunk);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (Date.now() - start) / 1000;
  process.stdout.write(JSON.stringify({ written, lagMaxLines: Math.max(0, lagMaxLines), seconds }) + '\n');
}

if (process.argv[1] === import.meta.filename && process.argv[2])
  await main(JSON.parse(process.argv[2]) as FaultWriterOptions);
