// net: Telegraf's inputs.net. Per interface from /proc/net/dev (by default only interfaces
// that are up and not loopback, as Telegraf does; `interfaces` globs select explicitly,
// whatever their state), and the protocol counters of /proc/net/snmp as `interface=all`.

import { int, type Point } from '../point.ts';

export interface IfCounters {
  name: string;
  values: number[];
}

/** /proc/net/dev: two header lines, then `name: 8 receive counters, 8 transmit counters`. */
export function parseNetDev(text: string): IfCounters[] {
  const out: IfCounters[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const values = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map((v) => Number(v) || 0);
    if (values.length >= 16) out.push({ name: line.slice(0, colon).trim(), values });
  }
  return out;
}

export function netPoint(c: IfCounters, tags: Record<string, string>, time: number): Point {
  const v = c.values;
  return {
    measurement: 'net',
    tags: { ...tags, interface: c.name },
    fields: {
      bytes_sent: int(v[8]!),
      bytes_recv: int(v[0]!),
      packets_sent: int(v[9]!),
      packets_recv: int(v[1]!),
      err_in: int(v[2]!),
      err_out: int(v[10]!),
      drop_in: int(v[3]!),
      drop_out: int(v[11]!),
    },
    time,
  };
}

const IFF_UP = 0x1;
const IFF_LOOPBACK = 0x8;

const globRe = (g: string) =>
  new RegExp(
    '^' +
      g
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
  );

/**
 * Whether to report an interface. `flags` is /sys/class/net/<if>/flags (hex), undefined when
 * unreadable. With globs, Telegraf reports matching interfaces regardless of state.
 */
export function wantInterface(name: string, flags: number | undefined, globs: string[]): boolean {
  if (globs.length) return globs.some((g) => globRe(g).test(name));
  if (flags === undefined) return false;
  return (flags & IFF_UP) !== 0 && (flags & IFF_LOOPBACK) === 0;
}

/** /proc/net/snmp pairs of lines `Proto: names…` / `Proto: values…` → `proto_name` integers. */
export function parseSnmp(text: string): Record<string, bigint> {
  const out: Record<string, bigint> = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const proto = names[0]?.replace(/:$/, '').toLowerCase();
    if (!proto || values[0] !== names[0]) continue;
    for (let j = 1; j < names.length && j < values.length; j++) {
      if (/^-?\d+$/.test(values[j]!)) out[`${proto}_${names[j]!.toLowerCase()}`] = BigInt(values[j]!);
    }
  }
  return out;
}

export function protocolPoint(
  snmp: Record<string, bigint>,
  tags: Record<string, string>,
  time: number,
): Point {
  return { measurement: 'net', tags: { ...tags, interface: 'all' }, fields: { ...snmp }, time };
}
