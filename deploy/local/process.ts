// Detached service processes: spawn into their own process group with output to a log
// file, remember them in a pidfile, and stop the whole group (SIGTERM, then SIGKILL).
// A pidfile holds "<pid> <start time>" so a recycled pid is not mistaken for our process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface Launch {
  command: string;
  args: readonly string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: string;
}

function procStat(pid: number | string): ProcStat | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]), startTime: fields[19] ?? '' }; // fields 3, 5, 22
}

function dead(stat: ProcStat | undefined): boolean {
  return !stat || stat.state === 'Z' || stat.state === 'X';
}

/** Start time of a live (non-zombie) process in clock ticks since boot, from /proc. */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  return dead(stat) ? undefined : stat?.startTime;
}

export interface PidRecord {
  pid: number;
  startTime: string;
}

export function parsePidfile(text: string): PidRecord | undefined {
  const [pidText, startTime] = text.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 1 || !startTime) return undefined;
  return { pid, startTime };
}

/** The pid recorded in `pidFile` if that very process still runs; removes a stale pidfile. */
export function livePid(pidFile: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(pidFile, 'utf8');
  } catch {
    return undefined;
  }
  const record = parsePidfile(text);
  if (record && processStartTime(record.pid) === record.startTime) return record.pid;
  fs.rmSync(pidFile, { force: true });
  return undefined;
}

/** Spawns `launch` detached (it outlives this process) and writes the pidfile. */
export function spawnDetached(launch: Launch, logFile: string, pidFile: string): number {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(
      out,
      `\n----- ${new Date().toISOString()} starting: ${launch.command} ${launch.args.join(' ')}\n`,
    );
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env ?? process.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not spawn ${launch.command}`);
    child.unref();
    // Read the start time right away: the child exists until our event loop reaps it.
    fs.writeFileSync(pidFile, `${pid} ${processStartTime(pid) ?? '0'}\n`);
    return pid;
  } finally {
    fs.closeSync(out);
  }
}

/**
 * Whether any process of the group still runs. Zombies do not count: once the service has
 * exited it has released its ports, and reaping it is its parent's (often init's) business.
 */
function groupAlive(pgid: number): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat?.pgrp === pgid && !dead(stat)) return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

async function waitGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!groupAlive(pgid)) return true;
    await delay(100);
  }
  return !groupAlive(pgid);
}

export type StopOutcome = 'not-running' | 'stopped' | 'killed';

/** SIGTERM the process group, SIGKILL it after `graceMs`; removes the pidfile. */
export async function stopProcess(pidFile: string, graceMs: number): Promise<StopOutcome> {
  const pid = livePid(pidFile);
  if (pid === undefined) return 'not-running';
  signalGroup(pid, 'SIGTERM');
  let outcome: StopOutcome = 'stopped';
  if (!(await waitGone(pid, graceMs))) {
    signalGroup(pid, 'SIGKILL');
    await waitGone(pid, 5_000);
    outcome = 'killed';
  }
  fs.rmSync(pidFile, { force: true });
  return outcome;
}

/** SIGKILL the process group at once (a crash, not a shutdown: no hook runs); removes the pidfile. */
export async function killProcess(pidFile: string): Promise<StopOutcome> {
  const pid = livePid(pidFile);
  if (pid === undefined) return 'not-running';
  signalGroup(pid, 'SIGKILL');
  await waitGone(pid, 5_000);
  fs.rmSync(pidFile, { force: true });
  return 'killed';
}

/** The last `n` lines of a log file ('' if there is none). */
export function tailFile(file: string, n: number): string {
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(length);
      fs.readSync(fd, buf, 0, length, size - length);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
