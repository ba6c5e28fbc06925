// processes: Telegraf's inputs.processes on Linux — the state letter and thread count of
// every /proc/<pid>/stat. Field names are the plugin's own (`zombies`, `unknown`), which
// differ from its README's list.

import { int, type Point } from '../point.ts';

export const PROCESS_FIELDS = [
  'blocked',
  'zombies',
  'stopped',
  'running',
  'sleeping',
  'total',
  'unknown',
  'dead',
  'paging',
  'total_threads',
  'idle',
] as const;

const BY_STATE: Record<string, (typeof PROCESS_FIELDS)[number]> = {
  R: 'running',
  S: 'sleeping',
  D: 'blocked',
  Z: 'zombies',
  X: 'dead',
  T: 'stopped',
  t: 'stopped',
  W: 'paging',
  I: 'idle',
};

export interface ProcessTally {
  counts: Record<string, number>;
}

export const emptyTally = (): ProcessTally => ({
  counts: Object.fromEntries(PROCESS_FIELDS.map((f) => [f, 0])),
});

/** Adds one /proc/<pid>/stat; the command name may hold spaces and parentheses, so parse after the last ')'. */
export function tallyStat(t: ProcessTally, stat: string): void {
  const close = stat.lastIndexOf(')');
  if (close < 0) return;
  const f = stat.slice(close + 2).split(' ');
  if (f.length < 18) return;
  t.counts[BY_STATE[f[0]![0]!] ?? 'unknown']!++;
  t.counts.total!++;
  t.counts.total_threads! += Number(f[17]) || 0;
}

export function processesPoint(t: ProcessTally, tags: Record<string, string>, time: number): Point {
  return {
    measurement: 'processes',
    tags: { ...tags },
    fields: Object.fromEntries(PROCESS_FIELDS.map((f) => [f, int(t.counts[f]!)])),
    time,
  };
}
