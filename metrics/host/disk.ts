// disk: Telegraf's inputs.disk with its default ignore_fs. Mounts come from the host's
// mountinfo (gopsutil reads HOST_PROC/1/mountinfo so a container sees the host's mounts);
// usage from statfs, with gopsutil's definitions: free = bavail (what a user may still
// write), used = blocks − bfree, and used_percent = used / (used + free), not used / total.

import path from 'node:path';
import { int, type Point } from '../point.ts';

export const DEFAULT_IGNORE_FS = ['tmpfs', 'devtmpfs', 'devfs', 'iso9660', 'overlay', 'aufs', 'squashfs'];

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
  options: string[];
  /** major:minor, to resolve /dev/root. */
  devno?: string;
}

// mountinfo and mounts write space, tab, newline and backslash as \ooo octal escapes.
const unOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** /proc/<pid>/mountinfo: `id parent maj:min root mountpoint opts [optional…] - fstype source superopts`. */
export function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0) continue;
    out.push({
      devno: f[2]!,
      mountpoint: unOctal(f[4]!),
      options: f[5]!.split(','),
      fstype: f[dash + 1]!,
      device: unOctal(f[dash + 2]!),
    });
  }
  return out;
}

/** /proc/<pid>/mounts (the fallback when mountinfo cannot be read). */
export function parseMounts(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 4) continue;
    out.push({
      device: unOctal(f[0]!),
      mountpoint: unOctal(f[1]!),
      fstype: f[2]!,
      options: f[3]!.split(','),
    });
  }
  return out;
}

/** The mounts Telegraf reports: not of an ignored type, one per mount point (the last, visible one). */
export function selectMounts(mounts: Mount[], ignoreFs: string[] = DEFAULT_IGNORE_FS): Mount[] {
  const byPath = new Map<string, Mount>();
  for (const m of mounts) if (!ignoreFs.includes(m.fstype)) byPath.set(m.mountpoint, m);
  return [...byPath.values()];
}

/** Where to statfs a mount, and the path tag: HOST_MOUNT_PREFIX is added for the call, stripped from the tag. */
export function mountPaths(mountpoint: string, prefix: string): { stat: string; tag: string } {
  if (!prefix) return { stat: mountpoint, tag: mountpoint };
  const inside = mountpoint.startsWith(prefix) ? mountpoint.slice(prefix.length) : mountpoint;
  return { stat: path.join(prefix, inside), tag: path.join('/', inside) };
}

export interface StatfsLike {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
}

/** undefined for a pseudo filesystem (total 0: proc, sysfs, cgroup…), which Telegraf skips. */
export function diskPoint(
  m: Mount,
  pathTag: string,
  st: StatfsLike,
  tags: Record<string, string>,
  time: number,
): Point | undefined {
  const total = st.blocks * st.bsize;
  if (total === 0) return undefined;
  const free = st.bavail * st.bsize;
  const used = (st.blocks - st.bfree) * st.bsize;
  const inodesUsed = st.files - st.ffree;
  const mode = m.options.includes('rw') ? 'rw' : m.options.includes('ro') ? 'ro' : 'unknown';
  return {
    measurement: 'disk',
    tags: { ...tags, path: pathTag, device: m.device.replaceAll('/dev/', ''), fstype: m.fstype, mode },
    fields: {
      total: int(total),
      free: int(free),
      used: int(used),
      used_percent: used + free > 0 ? (100 * used) / (used + free) : 0,
      inodes_total: int(st.files),
      inodes_free: int(st.ffree),
      inodes_used: int(inodesUsed),
      inodes_used_percent: st.files > 0 ? (100 * inodesUsed) / st.files : 0,
    },
    time,
  };
}
