import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_INPUTS, HostSampler, type HostFs } from './sampler.ts';
import { DEFAULT_IGNORE_FS } from './disk.ts';
import { hostPathsFrom } from './paths.ts';

/** A canned host under /h/proc, /h/sys, /h/var and mounts under /h/root. */
function cannedHost(): { fs: HostFs; reads: string[]; files: Record<string, string> } {
  const files: Record<string, string> = {
    '/h/proc/stat':
      'cpu  10 0 10 80 0 0 0 0 0 0\ncpu0 10 0 10 80 0 0 0 0 0 0\nintr 5\nctxt 6\nbtime 7\nprocesses 8\n',
    '/h/proc/meminfo': 'MemTotal: 100 kB\nMemFree: 50 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
    '/h/proc/vmstat': 'pswpin 0\npswpout 0\n',
    '/h/proc/diskstats': '8 0 sda 1 0 2 3 4 0 5 6 0 7 8\n',
    '/h/proc/net/dev':
      'h1\nh2\n  eth0: 1 2 3 4 0 0 0 0 5 6 7 8 0 0 0 0\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n',
    '/h/sys/class/net/eth0/flags': '0x1003\n',
    '/h/sys/class/net/lo/flags': '0x9\n',
    '/h/proc/net/snmp': 'Tcp: CurrEstab\nTcp: 3\n',
    '/h/proc/net/tcp': 'header\n 0: a b 0A\n',
    '/h/proc/loadavg': '1 2 3 1/1 1\n',
    '/h/proc/uptime': '100.5 1\n',
    '/h/proc/1/mountinfo': '1 0 8:1 / / rw - ext4 /dev/root rw\n2 1 0:2 / /tmp rw - tmpfs tmpfs rw\n',
    '/h/sys/dev/block/8:1/uevent': 'MAJOR=8\nDEVNAME=sda1\n',
    '/h/proc/42/stat': '42 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 2 0 1 1 1',
    '/h/proc/sys/kernel/random/entropy_avail': '256\n',
  };
  const reads: string[] = [];
  const fs: HostFs = {
    readFile: async (p) => {
      reads.push(p);
      const v = files[p];
      if (v === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return v;
    },
    readBytes: async (p) => {
      reads.push(p);
      throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
    },
    readdir: async (p) => (p === '/h/proc' ? ['42', 'self', 'net'] : []),
    statfs: async (p) => {
      reads.push(`statfs:${p}`);
      return { bsize: 1024, blocks: 10, bfree: 4, bavail: 3, files: 5, ffree: 1 };
    },
  };
  return { fs, reads, files };
}

test('reads only below HOST_PROC / HOST_SYS / HOST_VAR and statfs below HOST_MOUNT_PREFIX', async () => {
  const { fs, reads, files } = cannedHost();
  const paths = hostPathsFrom({
    HOST_PROC: '/h/proc',
    HOST_SYS: '/h/sys',
    HOST_VAR: '/h/var',
    HOST_MOUNT_PREFIX: '/h/root',
  });
  const s = new HostSampler({
    paths,
    inputs: HOST_INPUTS,
    netInterfaces: [],
    ignoreFs: DEFAULT_IGNORE_FS,
    fs,
  });
  await s.sample({ host: 'n1' }, 1);
  files['/h/proc/stat'] = files['/h/proc/stat']!.replaceAll(' 80 ', ' 90 ');
  const second = await s.sample({ host: 'n1' }, 2);
  assert.deepEqual(second.errors, []);
  assert.ok(
    reads.every((r) => r.startsWith('/h/') || r.startsWith('statfs:/h/root')),
    reads.join('\n'),
  );
  const byM = new Map<string, number>();
  for (const p of second.points) byM.set(p.measurement, (byM.get(p.measurement) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(byM), {
    cpu: 2,
    mem: 1,
    swap: 1,
    disk: 1,
    diskio: 1,
    net: 2,
    netstat: 1,
    system: 1,
    processes: 1,
    kernel: 1,
  });
  const disk = second.points.find((p) => p.measurement === 'disk')!;
  assert.deepEqual(disk.tags, { host: 'n1', path: '/', device: 'sda1', fstype: 'ext4', mode: 'rw' });
  assert.deepEqual(
    second.points.filter((p) => p.measurement === 'net').map((p) => p.tags.interface),
    ['eth0', 'all'],
  );
  assert.ok(second.points.every((p) => p.tags.host === 'n1' && p.time === 2));
});

test('an unreadable input is reported; the other inputs still produce points', async () => {
  const { fs } = cannedHost();
  const broken: HostFs = {
    ...fs,
    readFile: (p) => (p.endsWith('diskstats') ? Promise.reject(new Error('EACCES')) : fs.readFile(p)),
  };
  const paths = hostPathsFrom({ HOST_PROC: '/h/proc', HOST_SYS: '/h/sys' });
  const s = new HostSampler({
    paths,
    inputs: ['diskio', 'mem'],
    netInterfaces: [],
    ignoreFs: [],
    fs: broken,
  });
  const r = await s.sample({}, 1);
  assert.deepEqual(
    r.errors.map((e) => e.input),
    ['diskio'],
  );
  assert.deepEqual(
    r.points.map((p) => p.measurement),
    ['mem'],
  );
});

test('this machine: every input produces points from the real /proc', async () => {
  const s = new HostSampler({
    paths: hostPathsFrom({}),
    inputs: HOST_INPUTS,
    netInterfaces: [],
    ignoreFs: DEFAULT_IGNORE_FS,
  });
  await s.sample({ host: 'x' }, 1);
  await new Promise((r) => setTimeout(r, 50)); // let /proc/stat move: a real interval, not synchronisation
  const r = await s.sample({ host: 'x' }, 2);
  assert.deepEqual(r.errors, []);
  const seen = new Set(r.points.map((p) => p.measurement));
  for (const m of ['mem', 'swap', 'disk', 'diskio', 'net', 'netstat', 'system', 'processes', 'kernel'])
    assert.ok(seen.has(m), `no ${m} point`);
});
