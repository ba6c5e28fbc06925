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

/**
 * Calls `visit` with the `index`-th space-separated token of every row after the header. A
 * host with many sockets has tables of thousands of rows: scanning characters, instead of
 * splitting each row with a regular expression, keeps a sample's cost in microseconds.
 */
function eachToken(text: string, index: number, visit: (token: string) => void): void {
  const n = text.length;
  let i = text.indexOf('\n') + 1; // the header row
  if (i === 0) return;
  while (i < n) {
    let token = 0;
    for (;;) {
      while (i < n && text.charCodeAt(i) === 32) i++;
      if (i >= n || text.charCodeAt(i) === 10) break;
      const start = i;
      while (i < n && text.charCodeAt(i) !== 32 && text.charCodeAt(i) !== 10) i++;
      if (token++ === index) {
        visit(text.slice(start, i));
        break;
      }
    }
    const eol = text.indexOf('\n', i);
    i = eol < 0 ? n : eol + 1;
  }
}

export function netstatPoint(t: NetTables, tags: Record<string, string>, time: number): Point {
  const counts: Record<string, number> = Object.fromEntries(NETSTAT_FIELDS.map((f) => [f, 0]));
  // sl local_address rem_address st …: the state is the fourth token, in hex.
  for (const table of t.tcp)
    eachToken(table, 3, (state) => {
      const field = TCP_STATES[state.toUpperCase()];
      if (field) counts[field]!++;
    });
  for (const table of t.udp) eachToken(table, 0, () => counts.udp_socket!++);
  // Num RefCount Protocol Flags Type St Inode Path; Type 0002 is SOCK_DGRAM.
  eachToken(t.unix, 4, (type) => {
    if (type === '0002') counts.udp_socket!++;
    else counts.tcp_none!++;
  });
  return {
    measurement: 'netstat',
    tags: { ...tags },
    fields: Object.fromEntries(NETSTAT_FIELDS.map((f) => [f, int(counts[f]!)])),
    time,
  };
}
