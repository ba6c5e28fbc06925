// The idle scenario: many quiet files. After the collector has read (and Kafka acknowledged)
// every line, nothing more is written for `quietMs`; what the collector spends in that window
// is what it costs on a quiet node, which is most nodes most of the time (issue 9, item 8).

import type { Admin } from 'kafkajs';
import { topicEnd, round } from './measure.ts';
import { ProcSampler, statusBytes } from './proc-stats.ts';

export interface IdleFigures {
  lines: number;
  /** From the entry (or the collector's start) until every line was acknowledged. */
  readSeconds: number;
  quietSeconds: number;
  /** CPU over the quiet window only. */
  cpuSeconds: number;
  /** Of one core, over the quiet window. */
  cpuPercent: number;
  /** Resident memory at the end of the quiet window. */
  rssMB: number;
  /** Peak resident memory over the whole run (VmHWM), the first read included. */
  peakRssMB: number;
}

export interface IdleOptions {
  admin: Admin;
  topic: string;
  pid: number;
  lines: number;
  quietMs: number;
  label: string;
  /** Gives up when the first read makes no progress for this long. */
  stallMs: number;
  progress: (line: string) => void;
  /** Called about once a second (e.g. to check the collector is alive); throws to abort. */
  check?: () => Promise<void>;
}

export async function measureIdle(o: IdleOptions): Promise<IdleFigures> {
  const sampler = new ProcSampler(o.pid);
  const t0 = performance.now();
  let last = 0;
  let lastChange = t0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 200));
    await o.check?.();
    const n = await topicEnd(o.admin, o.topic);
    const now = performance.now();
    if (n !== last) [last, lastChange] = [n, now];
    if (n >= o.lines) break;
    if (now - lastChange > o.stallMs)
      throw new Error(`${o.label}: stuck at ${n}/${o.lines} lines for ${o.stallMs / 1000} s`);
  }
  const readSeconds = (performance.now() - t0) / 1000;
  o.progress(
    `${o.label}: all ${o.lines} lines acked in ${readSeconds.toFixed(1)} s; quiet for ${o.quietMs / 1000} s`,
  );
  sampler.sample();
  const cpu0 = sampler.cpu;
  const q0 = performance.now();
  // Sampled seldom so the bench itself does not wake the machine much; the /proc reads are ours.
  let lastPrint = q0;
  while (performance.now() - q0 < o.quietMs) {
    await new Promise((r) => setTimeout(r, Math.min(1000, o.quietMs - (performance.now() - q0))));
    await o.check?.();
    sampler.sample();
    if (performance.now() - lastPrint >= 10_000) {
      lastPrint = performance.now();
      o.progress(
        `${o.label}: quiet ${((lastPrint - q0) / 1000).toFixed(0)} s, cpu ${(sampler.cpu - cpu0).toFixed(2)} s, ` +
          `rss ${((statusBytes(o.pid, 'VmRSS') ?? 0) / 2 ** 20).toFixed(0)} MB`,
      );
    }
  }
  sampler.sample();
  const quiet = (performance.now() - q0) / 1000;
  const cpu = sampler.cpu - cpu0;
  const n = await topicEnd(o.admin, o.topic);
  if (n !== o.lines)
    o.progress(`${o.label}: note: ${n - o.lines} records more than lines arrived while quiet`);
  return {
    lines: o.lines,
    readSeconds: round(readSeconds, 2),
    quietSeconds: round(quiet, 1),
    cpuSeconds: round(cpu, 2),
    cpuPercent: round((100 * cpu) / quiet, 2),
    rssMB: round((statusBytes(o.pid, 'VmRSS') ?? 0) / 2 ** 20, 1),
    peakRssMB: round(sampler.peakRss / 2 ** 20, 1),
  };
}
