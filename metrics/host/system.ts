// system: Telegraf's inputs.system — load averages, CPU count, uptime, logged-in users.
// Telegraf writes uptime_format (deprecated, still written) as a separate point at the same
// timestamp; InfluxDB merges points of one series and time, so one line holds them all here.

import { int, type Point } from '../point.ts';

export interface SystemInput {
  loadavg: string;
  uptime: string;
  nCpus: number;
  /** undefined when utmp cannot be read (Telegraf then leaves n_users out). */
  users?: string[];
}

/** Go's formatUptime: `14 days, 11:07`, `1 day,  3:04`, ` 0:05`. */
export function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60) % 24;
  const head = days ? `${days} day${days > 1 ? 's' : ''}, ` : '';
  return `${head}${String(hours).padStart(2, ' ')}:${String(minutes % 60).padStart(2, '0')}`;
}

export function systemPoint(s: SystemInput, tags: Record<string, string>, time: number): Point {
  const [l1, l5, l15] = s.loadavg.trim().split(/\s+/).map(Number);
  const up = Math.floor(Number(s.uptime.trim().split(/\s+/)[0]) || 0);
  const fields: Point['fields'] = {
    load1: l1 ?? 0,
    load5: l5 ?? 0,
    load15: l15 ?? 0,
    n_cpus: int(s.nCpus),
    uptime: int(up),
    uptime_format: formatUptime(up),
  };
  if (s.users) {
    fields.n_users = int(s.users.length);
    fields.n_unique_users = int(new Set(s.users).size);
  }
  return { measurement: 'system', tags: { ...tags }, fields, time };
}

/** CPUs online: the cpuN lines of /proc/stat (what gopsutil counts on Linux). */
export const countCpus = (procStat: string): number =>
  procStat.split('\n').filter((l) => /^cpu\d/.test(l)).length;

// glibc's struct utmp on Linux (x86-64 and arm64): 384 bytes; ut_type at 0 (int16),
// ut_user at 44 (32 bytes). USER_PROCESS = 7 is a logged-in session.
const UTMP_SIZE = 384;
const USER_PROCESS = 7;

export function parseUtmp(buf: Buffer): string[] {
  const users: string[] = [];
  for (let off = 0; off + UTMP_SIZE <= buf.length; off += UTMP_SIZE) {
    if (buf.readInt16LE(off) !== USER_PROCESS) continue;
    const raw = buf.subarray(off + 44, off + 76);
    const end = raw.indexOf(0);
    users.push(raw.subarray(0, end < 0 ? raw.length : end).toString('utf8'));
  }
  return users;
}
