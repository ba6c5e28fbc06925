// kernel: Telegraf's inputs.kernel with its default `collect` (no ksm, no psi), from
// /proc/stat and the entropy pool. disk_pages_in/out come from the `page` line, which
// kernels since 2.6 no longer print; like Telegraf, the fields appear only if it is there.

import { int, type Point } from '../point.ts';

export function kernelPoint(
  procStat: string,
  entropyAvail: string | undefined,
  tags: Record<string, string>,
  time: number,
): Point {
  const fields: Point['fields'] = {};
  for (const line of procStat.split('\n')) {
    const f = line.split(' ').filter(Boolean);
    switch (f[0]) {
      case 'ctxt':
        fields.context_switches = int(Number(f[1]));
        break;
      case 'btime':
        fields.boot_time = int(Number(f[1]));
        break;
      case 'intr':
        fields.interrupts = int(Number(f[1]));
        break;
      case 'processes':
        fields.processes_forked = int(Number(f[1]));
        break;
      case 'page':
        fields.disk_pages_in = int(Number(f[1]));
        fields.disk_pages_out = int(Number(f[2]));
        break;
    }
  }
  if (entropyAvail !== undefined) fields.entropy_avail = int(Number(entropyAvail.trim()));
  return { measurement: 'kernel', tags: { ...tags }, fields, time };
}
