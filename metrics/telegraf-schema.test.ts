// The golden test: what LCS writes, encoded to line protocol and parsed back, has exactly
// Telegraf's measurements, tags, fields and field types (Telegraf 1.3x defaults). The table
// is written from the plugins' READMEs (influxdata/telegraf plugins/inputs/<name>/README.md);
// where a README and the plugin's code disagree the code wins, and the line says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodePoints, parseLine } from './line-protocol.ts';
import { HOST_INPUTS, HostSampler } from './host/sampler.ts';
import { DEFAULT_IGNORE_FS } from './host/disk.ts';
import { hostPathsFrom } from './host/paths.ts';
import type { FieldValue } from './point.ts';

type Kind = 'int' | 'float' | 'string';
interface Expected {
  tags: string[];
  fields: Record<string, Kind>;
  /** Fields Telegraf writes only when the host has the data. */
  optional?: string[];
  /** Fields whose names depend on the kernel (net interface=all): a pattern and a type. */
  pattern?: [RegExp, Kind];
}

const ints = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'int' as const]));
const floats = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'float' as const]));

const TELEGRAF: Record<string, Expected[]> = {
  cpu: [
    {
      tags: ['host', 'cpu'],
      fields: floats(
        'usage_user',
        'usage_system',
        'usage_idle',
        'usage_nice',
        'usage_iowait',
        'usage_irq',
        'usage_softirq',
        'usage_steal',
        'usage_guest',
        'usage_guest_nice',
      ),
    },
  ],
  mem: [
    {
      tags: ['host'],
      fields: {
        ...ints(
          'active',
          'available',
          'buffered',
          'cached',
          'commit_limit',
          'committed_as',
          'dirty',
          'free',
          'high_free',
          'high_total',
          'huge_pages_free',
          'huge_page_size',
          'huge_pages_total',
          'inactive',
          'low_free',
          'low_total',
          'mapped',
          'page_tables',
          'shared',
          'slab',
          'sreclaimable',
          'sunreclaim',
          'swap_cached',
          'swap_free',
          'swap_total',
          'total',
          'used',
          'vmalloc_chunk',
          'vmalloc_total',
          'vmalloc_used',
          'write_back',
          'write_back_tmp',
        ),
        ...floats('available_percent', 'used_percent'),
      },
    },
  ],
  swap: [
    { tags: ['host'], fields: { ...ints('total', 'used', 'free', 'in', 'out'), ...floats('used_percent') } },
  ],
  disk: [
    {
      tags: ['host', 'path', 'device', 'fstype', 'mode'],
      // inodes_used_percent: in the plugin since 1.27 (README of later versions).
      fields: {
        ...ints('total', 'free', 'used', 'inodes_total', 'inodes_free', 'inodes_used'),
        ...floats('used_percent', 'inodes_used_percent'),
      },
    },
  ],
  diskio: [
    {
      tags: ['host', 'name'],
      fields: ints(
        'reads',
        'writes',
        'read_bytes',
        'write_bytes',
        'read_time',
        'write_time',
        'io_time',
        'weighted_io_time',
        'iops_in_progress',
        'merged_reads',
        'merged_writes',
      ),
    },
  ],
  net: [
    {
      tags: ['host', 'interface'],
      fields: ints(
        'bytes_sent',
        'bytes_recv',
        'packets_sent',
        'packets_recv',
        'err_in',
        'err_out',
        'drop_in',
        'drop_out',
      ),
    },
    // interface=all: every /proc/net/snmp counter as <proto>_<name>, lower case, integer.
    {
      tags: ['host', 'interface'],
      fields: {},
      pattern: [/^(ip|icmp|icmpmsg|tcp|udp|udplite)_[a-z0-9]+$/, 'int'],
    },
  ],
  netstat: [
    {
      tags: ['host'],
      fields: ints(
        'tcp_established',
        'tcp_syn_sent',
        'tcp_syn_recv',
        'tcp_fin_wait1',
        'tcp_fin_wait2',
        'tcp_time_wait',
        'tcp_close',
        'tcp_close_wait',
        'tcp_last_ack',
        'tcp_listen',
        'tcp_closing',
        'tcp_none',
        'udp_socket',
      ),
    },
  ],
  system: [
    {
      tags: ['host'],
      fields: {
        ...floats('load1', 'load5', 'load15'),
        ...ints('n_cpus', 'n_users', 'n_unique_users', 'uptime'),
        uptime_format: 'string',
      },
      optional: ['n_users', 'n_unique_users'], // skipped when /var/run/utmp is missing
    },
  ],
  processes: [
    {
      tags: ['host'],
      // The README says `zombie`; the plugin (processes.go getEmptyFields) writes `zombies` and `unknown`.
      fields: ints(
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
      ),
    },
  ],
  kernel: [
    {
      tags: ['host'],
      fields: ints(
        'boot_time',
        'context_switches',
        'disk_pages_in',
        'disk_pages_out',
        'interrupts',
        'processes_forked',
        'entropy_avail',
      ),
      optional: ['disk_pages_in', 'disk_pages_out'], // only if /proc/stat has a `page` line
    },
  ],
};

const kindOf = (v: FieldValue): Kind | 'bool' =>
  typeof v === 'bigint' ? 'int' : typeof v === 'number' ? 'float' : typeof v === 'string' ? 'string' : 'bool';

/** The problems of one parsed point against one expected shape ([] when it matches). */
function mismatches(fields: Record<string, FieldValue>, tags: Record<string, string>, e: Expected): string[] {
  const out: string[] = [];
  const tagKeys = Object.keys(tags).sort();
  if (tagKeys.join() !== [...e.tags].sort().join()) out.push(`tags ${tagKeys} ≠ ${[...e.tags].sort()}`);
  for (const [k, v] of Object.entries(fields)) {
    const want = e.fields[k] ?? (e.pattern && e.pattern[0].test(k) ? e.pattern[1] : undefined);
    if (!want) out.push(`field ${k} is not Telegraf's`);
    else if (kindOf(v) !== want) out.push(`field ${k} is ${kindOf(v)}, Telegraf writes ${want}`);
  }
  for (const k of Object.keys(e.fields))
    if (!(k in fields) && !e.optional?.includes(k)) out.push(`field ${k} missing`);
  if (e.pattern && !Object.keys(fields).length) out.push('no protocol counter');
  return out;
}

test('every measurement LCS writes has exactly Telegraf schema, through line protocol', async () => {
  const sampler = new HostSampler({
    paths: hostPathsFrom({}),
    inputs: HOST_INPUTS,
    netInterfaces: ['*'], // every interface, so lo is written even on a host with no other
    ignoreFs: DEFAULT_IGNORE_FS,
  });
  await sampler.sample({ host: 'golden' }, 1);
  await new Promise((r) => setTimeout(r, 30)); // a real interval for the CPU delta, not synchronisation
  const { points, errors } = await sampler.sample({ host: 'golden' }, 2);
  assert.deepEqual(errors, []);
  const seen = new Set<string>();
  for (const line of encodePoints(points)) {
    const p = parseLine(line);
    seen.add(p.measurement);
    const shapes = TELEGRAF[p.measurement];
    assert.ok(shapes, `measurement ${p.measurement} is not Telegraf's`);
    const problems = shapes.map((e) => mismatches(p.fields, p.tags, e));
    assert.ok(
      problems.some((x) => x.length === 0),
      `${line}\n${problems.map((x) => x.join('; ')).join('\n')}`,
    );
    if (p.measurement === 'net') assert.equal(p.tags.interface === 'all', !('bytes_sent' in p.fields));
  }
  assert.deepEqual([...seen].sort(), Object.keys(TELEGRAF).sort());
});

test('the schema check itself fails on a float where Telegraf writes an integer, and on an extra field', () => {
  const mem = TELEGRAF.mem![0]!;
  assert.match(mismatches({ total: 1 }, { host: 'h' }, mem).join(), /total is float, Telegraf writes int/);
  assert.match(mismatches({ totally: 1n }, { host: 'h' }, mem).join(), /totally is not Telegraf's/);
  assert.match(mismatches({}, { host: 'h', extra: 'x' }, mem).join(), /tags/);
});
