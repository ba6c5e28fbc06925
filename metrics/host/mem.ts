// mem and swap: Telegraf's inputs.mem and inputs.swap, with gopsutil's Linux definitions —
// cached includes SReclaimable, used = total − free − buffers − cached, available is
// MemAvailable (or free + buffers + cached on kernels before 3.14). systeminformation's
// used = total − free would disagree with Telegraf on the same host.

import { int, type Point } from '../point.ts';

/** /proc/meminfo as bytes (kB lines × 1024; HugePages_* are counts and stay as they are). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([^:]+):\s+(\d+)(\s*kB)?/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

export function memPoint(mi: Map<string, number>, tags: Record<string, string>, time: number): Point {
  const g = (k: string) => mi.get(k) ?? 0;
  const total = g('MemTotal');
  const free = g('MemFree');
  const buffers = g('Buffers');
  const cached = g('Cached') + g('SReclaimable');
  const available = mi.has('MemAvailable') ? g('MemAvailable') : free + buffers + cached;
  const used = total - free - buffers - cached;
  return {
    measurement: 'mem',
    tags: { ...tags },
    fields: {
      total: int(total),
      available: int(available),
      used: int(used),
      free: int(free),
      used_percent: total ? (100 * used) / total : 0,
      available_percent: total ? (100 * available) / total : 0,
      active: int(g('Active')),
      buffered: int(buffers),
      cached: int(cached),
      commit_limit: int(g('CommitLimit')),
      committed_as: int(g('Committed_AS')),
      dirty: int(g('Dirty')),
      high_free: int(g('HighFree')),
      high_total: int(g('HighTotal')),
      huge_pages_free: int(g('HugePages_Free')),
      huge_page_size: int(g('Hugepagesize')),
      huge_pages_total: int(g('HugePages_Total')),
      inactive: int(g('Inactive')),
      low_free: int(g('LowFree')),
      low_total: int(g('LowTotal')),
      mapped: int(g('Mapped')),
      page_tables: int(g('PageTables')),
      shared: int(g('Shmem')),
      slab: int(g('Slab')),
      sreclaimable: int(g('SReclaimable')),
      sunreclaim: int(g('SUnreclaim')),
      swap_cached: int(g('SwapCached')),
      swap_free: int(g('SwapFree')),
      swap_total: int(g('SwapTotal')),
      vmalloc_chunk: int(g('VmallocChunk')),
      vmalloc_total: int(g('VmallocTotal')),
      vmalloc_used: int(g('VmallocUsed')),
      write_back_tmp: int(g('WritebackTmp')),
      write_back: int(g('Writeback')),
    },
    time,
  };
}

/** `key value` lines of /proc/vmstat. */
export function parseVmstat(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(0, sp), Number(line.slice(sp + 1)) || 0);
  }
  return out;
}

/** gopsutil multiplies pswpin/pswpout by 4 KiB, whatever the page size; Telegraf reports that. */
const SWAP_PAGE = 4 * 1024;

export function swapPoint(
  mi: Map<string, number>,
  vmstat: Map<string, number>,
  tags: Record<string, string>,
  time: number,
): Point {
  const total = mi.get('SwapTotal') ?? 0;
  const free = mi.get('SwapFree') ?? 0;
  const used = total - free;
  return {
    measurement: 'swap',
    tags: { ...tags },
    fields: {
      total: int(total),
      used: int(used),
      free: int(free),
      used_percent: total ? (100 * used) / total : 0,
      in: int((vmstat.get('pswpin') ?? 0) * SWAP_PAGE),
      out: int((vmstat.get('pswpout') ?? 0) * SWAP_PAGE),
    },
    time,
  };
}
