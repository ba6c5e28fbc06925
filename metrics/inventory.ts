// What the host is, read once at start-up for the status record (the console shows it beside
// the node's figures). This is where systeminformation is the right tool: `cpu()` gives the
// model, the logical and physical core counts and the speed from /proc/cpuinfo and lscpu in
// one call. It spawns lscpu, which is why it runs once and never in a sample (docs/metrics.md,
// "Where systeminformation is used"). The kernel and architecture come from Node itself: in a
// container they are the host's, where systeminformation's osInfo() would describe the image.

import os from 'node:os';
import { describeError } from '../common/errors.ts';
import type { Logger } from '../common/observe/logger.ts';
import type { MetricsStatus } from '../common/status/metrics.ts';

export type Inventory = NonNullable<MetricsStatus['inventory']>;

const TIMEOUT_MS = 5000;

/** The host's inventory; without the CPU details when systeminformation fails or takes too long. */
export async function readInventory(logger: Logger): Promise<Inventory> {
  const base: Inventory = { kernel: os.release(), arch: os.arch(), cores: os.availableParallelism() };
  try {
    const si = await import('systeminformation');
    const cpu = await Promise.race([
      si.cpu(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref(),
      ),
    ]);
    return {
      ...base,
      cpuModel: `${cpu.manufacturer} ${cpu.brand}`.trim(),
      cores: cpu.cores || base.cores,
      physicalCores: cpu.physicalCores,
      ...(cpu.speed ? { speedGHz: cpu.speed } : {}),
    };
  } catch (err) {
    logger.warn('CPU inventory unavailable; the status record shows the kernel and core count only', {
      error: describeError(err),
    });
    return base;
  }
}
