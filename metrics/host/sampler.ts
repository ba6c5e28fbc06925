// One host sample: reads /proc and /sys (asynchronously, or in small synchronous slices of
// procfs, which never waits on a disk, so no read stalls the event loop; nothing is spawned)
// and turns them into Telegraf's points. The only state is the previous /proc/stat, for the
// CPU percentages. Each input fails alone: an unreadable file costs that
// input's points and is reported, the others are still written.

import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import path from 'node:path';
import type { Point } from '../point.ts';
import { cpuPoints, parseCpuTimes, type CpuTimes } from './cpu.ts';
import { diskPoint, mountPaths, parseMountinfo, parseMounts, selectMounts, type StatfsLike } from './disk.ts';
import { diskioPoints } from './diskio.ts';
import { kernelPoint } from './kernel.ts';
import { memPoint, parseMeminfo, parseVmstat, swapPoint } from './mem.ts';
import { netPoint, parseNetDev, parseSnmp, protocolPoint, wantInterface } from './net.ts';
import { netstatPoint } from './netstat.ts';
import { emptyTally, processesPoint, tallyStat } from './processes.ts';
import { countCpus, parseUtmp, systemPoint } from './system.ts';
import type { HostPaths } from './paths.ts';

export const HOST_INPUTS = [
  'cpu',
  'mem',
  'swap',
  'disk',
  'diskio',
  'net',
  'netstat',
  'system',
  'processes',
  'kernel',
] as const;
export type HostInput = (typeof HOST_INPUTS)[number];

/** The file system calls a sample makes; injected so unit tests run on a canned /proc. */
export interface HostFs {
  readFile(p: string): Promise<string>;
  readBytes(p: string): Promise<Buffer>;
  readdir(p: string): Promise<string[]>;
  statfs(p: string): Promise<StatfsLike>;
  /**
   * A small procfs file read synchronously, undefined if it cannot be read (a process that
   * exited). procfs answers from kernel memory in microseconds, without the thread-pool round
   * trips of an asynchronous read, which cost most of a sample on a host with many processes.
   */
  readProcSync?(p: string): string | undefined;
}

export const realHostFs: HostFs = {
  readFile: (p) => fs.readFile(p, 'utf8'),
  readBytes: (p) => fs.readFile(p),
  readdir: (p) => fs.readdir(p),
  statfs: (p) => fs.statfs(p),
  readProcSync: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** /proc/<pid>/stat files read per turn of the event loop: a turn stays well under a millisecond. */
const PROC_STATS_PER_TURN = 16;

export interface HostSamplerOptions {
  paths: HostPaths;
  inputs: readonly HostInput[];
  /** Telegraf's net `interfaces`: globs; empty means every up, non-loopback interface. */
  netInterfaces: string[];
  ignoreFs: string[];
  fs?: HostFs;
}

export interface HostSample {
  points: Point[];
  errors: { input: HostInput; error: unknown }[];
}

export class HostSampler {
  private readonly o: HostSamplerOptions;
  private readonly fs: HostFs;
  private prevCpu: Map<string, CpuTimes> | undefined;

  constructor(o: HostSamplerOptions) {
    this.o = o;
    this.fs = o.fs ?? realHostFs;
  }

  private proc(...p: string[]) {
    return path.join(this.o.paths.proc, ...p);
  }
  private optional = (p: string) => this.fs.readFile(p).catch(() => undefined);

  async sample(tags: Record<string, string>, time: number): Promise<HostSample> {
    const want = new Set(this.o.inputs);
    // /proc/stat and /proc/meminfo feed several inputs: read each once per sample.
    const needStat = want.has('cpu') || want.has('kernel') || want.has('system');
    const needMem = want.has('mem') || want.has('swap');
    const stat = needStat ? this.fs.readFile(this.proc('stat')) : undefined;
    const meminfo = needMem ? this.fs.readFile(this.proc('meminfo')).then(parseMeminfo) : undefined;
    // Awaited by the inputs that use them, later: a failed read is their error, not an unhandled rejection.
    stat?.catch(() => {});
    meminfo?.catch(() => {});
    const jobs: [HostInput, () => Promise<Point[]>][] = [
      ['cpu', async () => this.cpu(await stat!, tags, time)],
      ['mem', async () => [memPoint(await meminfo!, tags, time)]],
      [
        'swap',
        async () => {
          const vm = parseVmstat((await this.optional(this.proc('vmstat'))) ?? '');
          return [swapPoint(await meminfo!, vm, tags, time)];
        },
      ],
      ['disk', () => this.disk(tags, time)],
      ['diskio', async () => diskioPoints(await this.fs.readFile(this.proc('diskstats')), tags, time)],
      ['net', () => this.net(tags, time)],
      ['netstat', () => this.netstat(tags, time)],
      ['system', async () => [await this.system(await stat!, tags, time)]],
      ['processes', () => this.processes(tags, time)],
      [
        'kernel',
        async () => {
          const entropy = await this.optional(this.proc('sys/kernel/random/entropy_avail'));
          return [kernelPoint(await stat!, entropy, tags, time)];
        },
      ],
    ];
    // One input after the other, not all at once: run together, their reads complete in the
    // same poll phase and their parsers run back to back in one turn of the event loop
    // (measured up to 7 ms on two busy cores); one at a time, a turn holds one input's parse.
    const out: HostSample = { points: [], errors: [] };
    for (const [input, run] of jobs) {
      if (!want.has(input)) continue;
      try {
        out.points.push(...(await run()));
      } catch (error) {
        out.errors.push({ input, error });
      }
      await nextTurn();
    }
    return out;
  }

  private cpu(stat: string, tags: Record<string, string>, time: number): Point[] {
    const cur = parseCpuTimes(stat);
    const prev = this.prevCpu;
    this.prevCpu = cur;
    return prev ? cpuPoints(prev, cur, tags, time) : [];
  }

  private async disk(tags: Record<string, string>, time: number): Promise<Point[]> {
    let mounts;
    try {
      mounts = parseMountinfo(await this.fs.readFile(this.proc('1/mountinfo')));
    } catch {
      mounts = parseMounts(await this.fs.readFile(this.proc('self/mounts')));
    }
    const points = await Promise.all(
      selectMounts(mounts, this.o.ignoreFs).map(async (m) => {
        const { stat, tag } = mountPaths(m.mountpoint, this.o.paths.mountPrefix);
        if (m.device === '/dev/root' && m.devno) {
          const uevent = await this.optional(path.join(this.o.paths.sys, 'dev/block', m.devno, 'uevent'));
          const name = /^DEVNAME=(.+)$/m.exec(uevent ?? '')?.[1];
          if (name) m = { ...m, device: `/dev/${name}` };
        }
        // A mount that cannot be stat'ed (permission, a dead NFS server) is skipped, as Telegraf does.
        const st = await this.fs.statfs(stat).catch(() => undefined);
        return st && diskPoint(m, tag, st, tags, time);
      }),
    );
    return points.filter((p): p is Point => p !== undefined);
  }

  private async net(tags: Record<string, string>, time: number): Promise<Point[]> {
    const [dev, snmp] = await Promise.all([
      this.fs.readFile(this.proc('net/dev')),
      this.optional(this.proc('net/snmp')),
    ]);
    const counters = parseNetDev(dev);
    const flags = await Promise.all(
      counters.map((c) =>
        this.o.netInterfaces.length
          ? undefined
          : this.optional(path.join(this.o.paths.sys, 'class/net', c.name, 'flags')).then((f) =>
              f === undefined ? undefined : parseInt(f.trim(), 16),
            ),
      ),
    );
    const out = counters
      .filter((c, i) => wantInterface(c.name, flags[i], this.o.netInterfaces))
      .map((c) => netPoint(c, tags, time));
    // Telegraf ignores an unreadable /proc/net/snmp silently; so does LCS.
    if (snmp !== undefined) out.push(protocolPoint(parseSnmp(snmp), tags, time));
    return out;
  }

  private async netstat(tags: Record<string, string>, time: number): Promise<Point[]> {
    const [tcp, tcp6, udp, udp6, unix] = await Promise.all(
      ['tcp', 'tcp6', 'udp', 'udp6', 'unix'].map(
        async (t) => (await this.optional(this.proc('net', t))) ?? '',
      ),
    );
    return [netstatPoint({ tcp: [tcp!, tcp6!], udp: [udp!, udp6!], unix: unix! }, tags, time)];
  }

  private async system(stat: string, tags: Record<string, string>, time: number): Promise<Point> {
    const [loadavg, uptime, utmp] = await Promise.all([
      this.fs.readFile(this.proc('loadavg')),
      this.fs.readFile(this.proc('uptime')),
      this.fs.readBytes(path.join(this.o.paths.var, 'run/utmp')).catch(() => undefined),
    ]);
    return systemPoint(
      { loadavg, uptime, nCpus: countCpus(stat), ...(utmp ? { users: parseUtmp(utmp) } : {}) },
      tags,
      time,
    );
  }

  private async processes(tags: Record<string, string>, time: number): Promise<Point[]> {
    const pids = (await this.fs.readdir(this.o.paths.proc)).filter((n) => /^\d+$/.test(n));
    const tally = emptyTally();
    // A process may exit between readdir and read: that is not an error.
    const sync = this.fs.readProcSync;
    if (sync) {
      for (let i = 0; i < pids.length; i++) {
        if (i > 0 && i % PROC_STATS_PER_TURN === 0) await nextTurn();
        const s = sync(this.proc(pids[i]!, 'stat'));
        if (s !== undefined) tallyStat(tally, s);
      }
    } else {
      const stats = await Promise.all(pids.map((pid) => this.optional(this.proc(pid, 'stat'))));
      for (const s of stats) if (s !== undefined) tallyStat(tally, s);
    }
    return [processesPoint(tally, tags, time)];
  }
}
