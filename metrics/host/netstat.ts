// netstat: Telegraf's inputs.netstat. Telegraf asks gopsutil for every socket ("all": tcp,
// udp and unix over IPv4 and IPv6) and counts TCP states; a datagram socket (UDP or unix
// dgram) counts as udp_socket, and a unix stream socket has state NONE, so it counts as
// tcp_none. LCS reads the same /proc/net tables; it counts each socket once, where gopsutil
// counts a socket once per process holding it (it walks every /proc/<pid>/fd to find owners,
// which is most of Telegraf's cost for this input).

import { int, type Point } from '../point.ts';

const TCP_STATES: Record<string, string> = {
  '01': 'tcp_established',
  '02': 'tcp_syn_sent',
  '03': 'tcp_syn_recv',
  '04': 'tcp_fin_wait1',
  '05': 'tcp_fin_wait2',
  '06': 'tcp_time_wait',
  '07': 'tcp_close',
  '08': 'tcp_close_wait',
  '09': 'tcp_last_ack',
  '0A': 'tcp_listen',
  '0B': 'tcp_closing',
};

export const NETSTAT_FIELDS = [...Object.values(TCP_STATES), 'tcp_none', 'udp_socket'];

export interface NetTables {
  tcp: string[];
  udp: string[];
  unix: string;
}

const rows = (text: string) =>
  text
    .split('\n')
    .slice(1)
    .filter((l) => l.trim());

export function netstatPoint(t: NetTables, tags: Record<string, string>, time: number): Point {
  const counts: Record<string, number> = Object.fromEntries(NETSTAT_FIELDS.map((f) => [f, 0]));
  for (const table of t.tcp)
    for (const row of rows(table)) {
      const state = row.trim().split(/\s+/)[3]?.toUpperCase();
      const field = state ? TCP_STATES[state] : undefined;
      if (field) counts[field]!++;
    }
  for (const table of t.udp) counts.udp_socket! += rows(table).length;
  for (const row of rows(t.unix)) {
    // Num RefCount Protocol Flags Type St Inode Path; Type 0002 is SOCK_DGRAM.
    const type = row.trim().split(/\s+/)[4];
    if (type === '0002') counts.udp_socket!++;
    else if (type) counts.tcp_none!++;
  }
  return {
    measurement: 'netstat',
    tags: { ...tags },
    fields: Object.fromEntries(NETSTAT_FIELDS.map((f) => [f, int(counts[f]!)])),
    time,
  };
}
