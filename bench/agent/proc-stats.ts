// CPU seconds and peak RSS of another process, from /proc (Linux only).

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clkTck: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), the unit of utime/stime in /proc/<pid>/stat. */
export function ticksPerSecond(): number {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of the process (all its threads) in seconds; undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** A field of /proc/<pid>/status in bytes (VmHWM = peak RSS, VmRSS = current RSS). */
export function statusBytes(pid: number, field: 'VmHWM' | 'VmRSS'): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** Samples a process so its last CPU and peak RSS survive its exit. */
export class ProcSampler {
  readonly pid: number;
  cpu = 0;
  peakRss = 0;
  constructor(pid: number) {
    this.pid = pid;
    this.sample();
  }
  sample(): void {
    const c = cpuSeconds(this.pid);
    if (c !== undefined) this.cpu = c;
    const h = statusBytes(this.pid, 'VmHWM');
    if (h !== undefined) this.peakRss = Math.max(this.peakRss, h);
  }
}
