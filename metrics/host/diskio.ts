// diskio: Telegraf's inputs.diskio with its defaults (every device, no serial tag), from
// /proc/diskstats as gopsutil reads it: sectors are 512 bytes whatever the device's sector
// size (the kernel counts in 512-byte units), and a device whose counters are all zero (an
// unused loop or zram device) is left out, as gopsutil's IOCounters does.

import { int, type Point } from '../point.ts';

export function diskioPoints(diskstats: string, tags: Record<string, string>, time: number): Point[] {
  const out: Point[] = [];
  for (const line of diskstats.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const n = (i: number) => int(Number(f[i]) || 0);
    if (f.slice(3, 14).every((v) => Number(v) === 0)) continue;
    out.push({
      measurement: 'diskio',
      tags: { ...tags, name: f[2]! },
      fields: {
        reads: n(3),
        merged_reads: n(4),
        read_bytes: int((Number(f[5]) || 0) * 512),
        read_time: n(6),
        writes: n(7),
        merged_writes: n(8),
        write_bytes: int((Number(f[9]) || 0) * 512),
        write_time: n(10),
        iops_in_progress: n(11),
        io_time: n(12),
        weighted_io_time: n(13),
      },
      time,
    });
  }
  return out;
}
