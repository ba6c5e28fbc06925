// Measures one collector run: from `begin` until the topic's end offsets sum to the expected
// line count (every line acknowledged by Kafka), sampling the collector's CPU and peak RSS.
// A collector that stops short (a peer dropping lines on "queue full", say) is a result, not
// an abort: after `stallMs` without progress the run ends and the shortfall is reported,
// with the rates taken up to the last record that arrived.

import type { Admin } from 'kafkajs';
import { ProcSampler, statusBytes } from './proc-stats.ts';

export interface RunFigures {
  lines: number;
  bytes: number;
  wallSeconds: number;
  linesPerSecond: number;
  mbPerSecond: number;
  cpuSeconds: number;
  cpuSecondsPerGB: number;
  linesPerCpuSecond: number;
  peakRssMB: number;
  /** Throughput over the middle of the run (first and last 10% of lines excluded). */
  sustainedLinesPerSecond: number;
  /** Records Kafka acknowledged (duplicates included; verify.ts counts distinct lines). */
  acked: number;
  /** Lines short of the corpus when the run ended (0 when every line was acknowledged). */
  missingLines: number;
  /** Set when the run ended because nothing arrived for stallMs. */
  stalledAfterSeconds?: number;
}

export async function topicEnd(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((s, o) => s + Number(o.high), 0);
}

export interface MeasureOptions {
  admin: Admin;
  topic: string;
  pid: number;
  lines: number;
  bytes: number;
  label: string;
  /** Gives up when no progress for this long. */
  stallMs: number;
  progress: (line: string) => void;
  /** Called on every poll (e.g. to check the collector is still alive); throws to abort. */
  check?: () => Promise<void>;
}

export async function measure(o: MeasureOptions): Promise<RunFigures> {
  const sampler = new ProcSampler(o.pid);
  const cpu0 = sampler.cpu;
  const t0 = performance.now();
  let last = 0;
  let lastChange = t0;
  let lastPrint = t0;
  let t10: number | undefined;
  let t90: number | undefined;
  let cpuAtLastChange = cpu0;
  let stalled = false;
  while (true) {
    await new Promise((r) => setTimeout(r, 100));
    sampler.sample();
    await o.check?.();
    const n = await topicEnd(o.admin, o.topic);
    const now = performance.now();
    if (n !== last) {
      last = n;
      lastChange = now;
      cpuAtLastChange = sampler.cpu;
    }
    if (t10 === undefined && n >= o.lines * 0.1) t10 = now;
    if (t90 === undefined && n >= o.lines * 0.9) t90 = now;
    if (now - lastPrint >= 2000 || n >= o.lines) {
      lastPrint = now;
      const rss = statusBytes(o.pid, 'VmRSS') ?? 0;
      o.progress(
        `${o.label}: ${n}/${o.lines} lines acked (${((100 * n) / o.lines).toFixed(0)}%), ` +
          `${((now - t0) / 1000).toFixed(1)} s, cpu ${(sampler.cpu - cpu0).toFixed(1)} s, rss ${(rss / 2 ** 20).toFixed(0)} MB`,
      );
    }
    if (n >= o.lines) break;
    if (now - lastChange > o.stallMs) {
      o.progress(
        `${o.label}: no progress for ${o.stallMs / 1000} s at ${n}/${o.lines}: ending the run and reporting ${o.lines - n} lines missing`,
      );
      stalled = true;
      break;
    }
  }
  // A stalled run is measured up to its last acknowledged record, over the lines that arrived.
  const end = stalled ? lastChange : performance.now();
  const done = Math.min(last, o.lines);
  const bytes = Math.round((o.bytes * done) / o.lines);
  const wall = (end - t0) / 1000;
  const cpu = (stalled ? cpuAtLastChange : sampler.cpu) - cpu0;
  const mid =
    t10 !== undefined && t90 !== undefined && t90 > t10 ? (o.lines * 0.8) / ((t90 - t10) / 1000) : 0;
  return {
    lines: o.lines,
    bytes: o.bytes,
    wallSeconds: round(wall, 2),
    linesPerSecond: Math.round(done / wall),
    mbPerSecond: round(bytes / 2 ** 20 / wall, 1),
    cpuSeconds: round(cpu, 2),
    cpuSecondsPerGB: round(cpu / (bytes / 2 ** 30), 1),
    linesPerCpuSecond: Math.round(done / cpu),
    peakRssMB: round(sampler.peakRss / 2 ** 20, 1),
    sustainedLinesPerSecond: Math.round(mid),
    acked: last,
    missingLines: Math.max(0, o.lines - last),
    ...(stalled ? { stalledAfterSeconds: round(wall, 1) } : {}),
  };
}

export const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;
