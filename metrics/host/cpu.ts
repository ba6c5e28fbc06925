// cpu: Telegraf's inputs.cpu with its defaults (percpu, totalcpu, no time_*, no usage_active).
// Percentages come from the last two /proc/stat samples, with Telegraf's formulas: the total
// leaves guest and guest_nice out (the kernel already counts them in user and nice), and
// usage_user / usage_nice subtract them so the ten usage_* fields sum to 100.

import type { Point } from '../point.ts';

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

/** The `cpu` and `cpuN` lines of /proc/stat, in kernel ticks. `cpu` is renamed `cpu-total`. */
export function parseCpuTimes(procStat: string): Map<string, CpuTimes> {
  const out = new Map<string, CpuTimes>();
  for (const line of procStat.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const f = line.trim().split(/\s+/);
    const n = (i: number) => Number(f[i] ?? 0) || 0;
    const name = f[0] === 'cpu' ? 'cpu-total' : f[0]!;
    out.set(name, {
      user: n(1),
      nice: n(2),
      system: n(3),
      idle: n(4),
      iowait: n(5),
      irq: n(6),
      softirq: n(7),
      steal: n(8),
      guest: n(9),
      guestNice: n(10),
    });
  }
  return out;
}

const total = (t: CpuTimes) => t.user + t.system + t.nice + t.iowait + t.irq + t.softirq + t.steal + t.idle;

/** usage_* points for every CPU seen in both samples whose total moved (Telegraf skips the rest). */
export function cpuPoints(
  prev: Map<string, CpuTimes>,
  cur: Map<string, CpuTimes>,
  tags: Record<string, string>,
  time: number,
): Point[] {
  const out: Point[] = [];
  // Telegraf emits per-CPU points first, then cpu-total.
  const names = [...cur.keys()].filter((n) => n !== 'cpu-total');
  if (cur.has('cpu-total')) names.push('cpu-total');
  for (const name of names) {
    const c = cur.get(name)!;
    const p = prev.get(name);
    if (!p) continue;
    const dt = total(c) - total(p);
    if (!(dt > 0)) continue; // no time passed, or a counter went back (CPU hot-unplugged)
    const pct = (d: number) => (100 * d) / dt;
    out.push({
      measurement: 'cpu',
      tags: { ...tags, cpu: name },
      fields: {
        usage_user: pct(c.user - p.user - (c.guest - p.guest)),
        usage_system: pct(c.system - p.system),
        usage_idle: pct(c.idle - p.idle),
        usage_nice: pct(c.nice - p.nice - (c.guestNice - p.guestNice)),
        usage_iowait: pct(c.iowait - p.iowait),
        usage_irq: pct(c.irq - p.irq),
        usage_softirq: pct(c.softirq - p.softirq),
        usage_steal: pct(c.steal - p.steal),
        usage_guest: pct(c.guest - p.guest),
        usage_guest_nice: pct(c.guestNice - p.guestNice),
      },
      time,
    });
  }
  return out;
}
