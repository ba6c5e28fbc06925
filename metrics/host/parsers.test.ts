// The /proc parsers on canned text: Telegraf's (gopsutil's) definitions, one rule per test.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuPoints, parseCpuTimes } from './cpu.ts';
import { memPoint, parseMeminfo, parseVmstat, swapPoint } from './mem.ts';
import { diskPoint, mountPaths, parseMountinfo, parseMounts, selectMounts } from './disk.ts';
import { diskioPoints } from './diskio.ts';
import { netPoint, parseNetDev, parseSnmp, wantInterface } from './net.ts';
import { netstatPoint } from './netstat.ts';
import { emptyTally, processesPoint, tallyStat } from './processes.ts';
import { formatUptime, parseUtmp, systemPoint } from './system.ts';
import { kernelPoint } from './kernel.ts';

const T = { host: 'h' };

test('cpu: percentages of the delta, guest taken out of user and nice, summing to 100', () => {
  const a = parseCpuTimes('cpu  100 10 50 800 5 0 5 0 20 2\ncpu0 100 10 50 800 5 0 5 0 20 2\nintr 1\n');
  const b = parseCpuTimes('cpu  160 20 70 880 10 0 10 0 50 4\ncpu0 160 20 70 880 10 0 10 0 50 4\n');
  const [cpu0, total] = cpuPoints(a, b, T, 9);
  assert.equal(cpu0!.tags.cpu, 'cpu0');
  assert.equal(total!.tags.cpu, 'cpu-total');
  // total delta = user 60 + system 20 + nice 10 + iowait 5 + softirq 5 + idle 80 = 180
  const f = total!.fields as Record<string, number>;
  assert.equal(f.usage_user, (100 * (60 - 30)) / 180);
  assert.equal(f.usage_nice, (100 * (10 - 2)) / 180);
  assert.equal(f.usage_guest, (100 * 30) / 180);
  assert.equal(f.usage_idle, (100 * 80) / 180);
  const sum = Object.values(f).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - 100) < 1e-9, `sum ${sum}`);
  assert.ok(Object.values(f).every((v) => typeof v === 'number'));
});

test('cpu: no point for the first sample of a CPU or when no time passed', () => {
  const a = parseCpuTimes('cpu 1 1 1 1 0 0 0 0 0 0\n');
  assert.deepEqual(cpuPoints(new Map(), a, T, 1), []);
  assert.deepEqual(cpuPoints(a, a, T, 1), []);
});

const MEMINFO = `MemTotal:       16000 kB
MemFree:         2000 kB
MemAvailable:    9000 kB
Buffers:         1000 kB
Cached:          5000 kB
SwapCached:         0 kB
Active:          6000 kB
Inactive:        4000 kB
Shmem:            300 kB
Slab:             800 kB
SReclaimable:     600 kB
SUnreclaim:       200 kB
SwapTotal:       4000 kB
SwapFree:        3000 kB
HugePages_Total:       2
Hugepagesize:    2048 kB
`;

test('mem: gopsutil used = total - free - buffers - (cached + sreclaimable), integers in bytes', () => {
  const p = memPoint(parseMeminfo(MEMINFO), T, 5);
  assert.equal(p.fields.cached, 5600n * 1024n);
  assert.equal(p.fields.used, (16000n - 2000n - 1000n - 5600n) * 1024n);
  assert.equal(p.fields.available, 9000n * 1024n);
  assert.equal(p.fields.used_percent, (100 * (16000 - 2000 - 1000 - 5600)) / 16000);
  assert.equal(p.fields.available_percent, (100 * 9000) / 16000);
  assert.equal(p.fields.huge_pages_total, 2n, 'HugePages_Total is a count, not kB');
  assert.equal(p.fields.huge_page_size, 2048n * 1024n);
});

test('mem: without MemAvailable (kernel < 3.14) available = free + buffers + cached', () => {
  const p = memPoint(parseMeminfo(MEMINFO.replace(/^MemAvailable.*\n/m, '')), T, 5);
  assert.equal(p.fields.available, (2000n + 1000n + 5600n) * 1024n);
});

test('swap: used from meminfo, in/out are pswpin/pswpout pages of 4 KiB', () => {
  const p = swapPoint(parseMeminfo(MEMINFO), parseVmstat('pswpin 3\npswpout 5\n'), T, 5);
  assert.deepEqual(p.fields, {
    total: 4000n * 1024n,
    used: 1000n * 1024n,
    free: 3000n * 1024n,
    used_percent: 25,
    in: 3n * 4096n,
    out: 5n * 4096n,
  });
});

const MOUNTINFO = `22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
28 27 0:25 / /run rw,nosuid - tmpfs tmpfs rw
29 27 253:2 / /mnt/my\\040disk ro,relatime - xfs /dev/vdb ro
30 27 0:30 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw
`;

test('disk: mountinfo parsed, octal escapes undone, the default ignore_fs applied', () => {
  const mounts = selectMounts(parseMountinfo(MOUNTINFO));
  assert.deepEqual(
    mounts.map((m) => [m.mountpoint, m.fstype, m.device]),
    [
      ['/proc', 'proc', 'proc'],
      ['/', 'ext4', '/dev/vda1'],
      ['/mnt/my disk', 'xfs', '/dev/vdb'],
    ],
  );
  assert.deepEqual(parseMounts('/dev/sda1 / ext4 rw,relatime 0 0\n')[0]!.options, ['rw', 'relatime']);
});

test('disk: used_percent = used / (used + free), device without /dev/, mode from options', () => {
  const m = parseMountinfo(MOUNTINFO)[3]!;
  // 1000 blocks, 300 free of which 200 available to users
  const p = diskPoint(
    m,
    '/mnt/my disk',
    { bsize: 4096, blocks: 1000, bfree: 300, bavail: 200, files: 100, ffree: 40 },
    T,
    1,
  )!;
  assert.deepEqual(p.tags, { host: 'h', path: '/mnt/my disk', device: 'vdb', fstype: 'xfs', mode: 'ro' });
  assert.equal(p.fields.used, 700n * 4096n);
  assert.equal(p.fields.free, 200n * 4096n);
  assert.equal(p.fields.used_percent, (100 * 700) / 900);
  assert.equal(p.fields.inodes_used, 60n);
  const pseudo = { bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 };
  assert.equal(diskPoint(m, '/proc', pseudo, T, 1), undefined, 'a total of 0 is a pseudo filesystem');
});

test('disk: HOST_MOUNT_PREFIX is added for statfs and stripped from the path tag', () => {
  assert.deepEqual(mountPaths('/var', '/hostfs'), { stat: '/hostfs/var', tag: '/var' });
  assert.deepEqual(mountPaths('/hostfs/var', '/hostfs'), { stat: '/hostfs/var', tag: '/var' });
  assert.deepEqual(mountPaths('/hostfs', '/hostfs'), { stat: '/hostfs', tag: '/' });
  assert.deepEqual(mountPaths('/var', ''), { stat: '/var', tag: '/var' });
});

test('diskio: a device with every counter at zero is left out, as gopsutil (Telegraf) does', () => {
  const stats =
    '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n 254 0 vda 0 0 0 0 1 0 8 0 0 0 0 0 0 0 0 0 0\n';
  assert.deepEqual(
    diskioPoints(stats, T, 1).map((p) => p.tags.name),
    ['vda'],
  );
});

test('diskio: /proc/diskstats columns, sectors of 512 bytes', () => {
  const [p] = diskioPoints('   8       0 sda 10 1 64 7 20 2 128 9 3 30 40 0 0 0 0\n   7 0 short 1 2\n', T, 1);
  assert.deepEqual(p!.tags, { host: 'h', name: 'sda' });
  assert.deepEqual(p!.fields, {
    reads: 10n,
    merged_reads: 1n,
    read_bytes: 64n * 512n,
    read_time: 7n,
    writes: 20n,
    merged_writes: 2n,
    write_bytes: 128n * 512n,
    write_time: 9n,
    iops_in_progress: 3n,
    io_time: 30n,
    weighted_io_time: 40n,
  });
});

const NETDEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  500 5 0 0 0 0 0 0  500 5 0 0 0 0 0 0
  eth0: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0
`;

test('net: /proc/net/dev columns; loopback and down interfaces skipped unless named', () => {
  const [lo, eth0] = parseNetDev(NETDEV);
  assert.deepEqual(netPoint(eth0!, T, 1).fields, {
    bytes_sent: 2000n,
    bytes_recv: 1000n,
    packets_sent: 20n,
    packets_recv: 10n,
    err_in: 1n,
    err_out: 3n,
    drop_in: 2n,
    drop_out: 4n,
  });
  assert.equal(wantInterface(lo!.name, 0x9, []), false, 'loopback');
  assert.equal(wantInterface('eth0', 0x1003, []), true);
  assert.equal(wantInterface('eth1', 0x1002, []), false, 'down');
  assert.equal(wantInterface('lo', 0x9, ['lo', 'eth*']), true);
  assert.equal(wantInterface('eth7', undefined, ['lo', 'eth*']), true);
  assert.equal(wantInterface('wlan0', undefined, ['lo', 'eth*']), false);
});

test('net: /proc/net/snmp becomes proto_name integers, negative values kept', () => {
  const snmp = parseSnmp(
    'Ip: Forwarding DefaultTTL \nIp: 2 64\nTcp: RtoMin MaxConn CurrEstab\nTcp: 200 -1 7\nIcmpMsg: InType3\nIcmpMsg: 1\n',
  );
  assert.deepEqual(snmp, {
    ip_forwarding: 2n,
    ip_defaultttl: 64n,
    tcp_rtomin: 200n,
    tcp_maxconn: -1n,
    tcp_currestab: 7n,
    icmpmsg_intype3: 1n,
  });
});

test('netstat: TCP states, UDP and unix datagram sockets as udp_socket, unix streams as tcp_none', () => {
  const tcp = `  sl  local_address rem_address   st tx_queue rx_queue
   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000
   1: 0100007F:0CEA 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000
   2: 0100007F:0CEA 0100007F:A1B3 06 00000000:00000000 00:00000000 00000000
`;
  const udp = '  sl  local_address rem_address   st\n   0: 00000000:0044 00000000:0000 07 0\n';
  const unix = `Num       RefCount Protocol Flags    Type St Inode Path
0000000025fb7cc6: 00000002 00000000 00000000 0001 03  7599
00000000fe96b72a: 00000002 00000000 00010000 0002 01  7569 /run/x
`;
  const p = netstatPoint({ tcp: [tcp, ''], udp: [udp, ''], unix }, T, 1);
  assert.equal(p.fields.tcp_listen, 1n);
  assert.equal(p.fields.tcp_established, 1n);
  assert.equal(p.fields.tcp_time_wait, 1n);
  assert.equal(p.fields.udp_socket, 2n);
  assert.equal(p.fields.tcp_none, 1n);
  assert.equal(p.fields.tcp_closing, 0n, 'every state is written, zero when absent');
});

test('processes: state after the last parenthesis, threads summed, Telegraf field names', () => {
  const t = emptyTally();
  const stat = (cmd: string, state: string, threads: number) =>
    `1 (${cmd}) ${state} 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 ${threads} 0 5 1000 100 18446744073709551615`;
  tallyStat(t, stat('a b) (c', 'R', 3));
  tallyStat(t, stat('sh', 'Z', 1));
  tallyStat(t, stat('k', 'I', 1));
  tallyStat(t, stat('odd', 'Q', 1));
  const p = processesPoint(t, T, 1);
  assert.equal(p.fields.running, 1n);
  assert.equal(p.fields.zombies, 1n);
  assert.equal(p.fields.idle, 1n);
  assert.equal(p.fields.unknown, 1n);
  assert.equal(p.fields.total, 4n);
  assert.equal(p.fields.total_threads, 6n);
});

test('system: Go formatUptime, users from utmp USER_PROCESS records', () => {
  assert.equal(formatUptime(14 * 86400 + 11 * 3600 + 7 * 60 + 5), '14 days, 11:07');
  assert.equal(formatUptime(86400 + 3 * 3600 + 4 * 60), '1 day,  3:04');
  assert.equal(formatUptime(300), ' 0:05');
  const rec = (type: number, user: string) => {
    const b = Buffer.alloc(384);
    b.writeInt16LE(type, 0);
    b.write(user, 44);
    return b;
  };
  const users = parseUtmp(Buffer.concat([rec(7, 'ann'), rec(8, 'dead'), rec(7, 'ann'), rec(7, 'bob')]));
  assert.deepEqual(users, ['ann', 'ann', 'bob']);
  const p = systemPoint({ loadavg: '0.5 0.25 0.1 1/100 9', uptime: '3600.7 100', nCpus: 2, users }, T, 1);
  assert.deepEqual(p.fields, {
    load1: 0.5,
    load5: 0.25,
    load15: 0.1,
    n_cpus: 2n,
    uptime: 3600n,
    uptime_format: ' 1:00',
    n_users: 3n,
    n_unique_users: 2n,
  });
  assert.equal(systemPoint({ loadavg: '0 0 0', uptime: '1', nCpus: 1 }, T, 1).fields.n_users, undefined);
});

test('kernel: /proc/stat counters and entropy; disk_pages only when the page line exists', () => {
  const p = kernelPoint('cpu 1 2\nintr 99 1 2\nctxt 500\nbtime 1700000000\nprocesses 42\n', '256\n', T, 1);
  assert.deepEqual(p.fields, {
    interrupts: 99n,
    context_switches: 500n,
    boot_time: 1700000000n,
    processes_forked: 42n,
    entropy_avail: 256n,
  });
  assert.equal(kernelPoint('page 5 6\n', undefined, T, 1).fields.disk_pages_out, 6n);
});
