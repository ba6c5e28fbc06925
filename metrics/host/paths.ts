// Where the host's view is read from. In a DaemonSet the host's /proc, /sys and / are
// mounted read-only (hostPath) and named by the same variables Telegraf and gopsutil use, so
// a pod spec written for Telegraf works for LCS unchanged.

import path from 'node:path';

export interface HostPaths {
  /** HOST_PROC, default /proc. */
  proc: string;
  /** HOST_SYS, default /sys. */
  sys: string;
  /** HOST_VAR, default /var (utmp for system.n_users). */
  var: string;
  /** HOST_MOUNT_PREFIX: prepended to a mount point for statfs, stripped from the path tag. */
  mountPrefix: string;
}

export function hostPathsFrom(env: Record<string, string | undefined>): HostPaths {
  return {
    proc: env.HOST_PROC || '/proc',
    sys: env.HOST_SYS || '/sys',
    var: env.HOST_VAR || '/var',
    mountPrefix: env.HOST_MOUNT_PREFIX ?? '',
  };
}

export const procPath = (p: HostPaths, ...parts: string[]): string => path.join(p.proc, ...parts);
export const sysPath = (p: HostPaths, ...parts: string[]): string => path.join(p.sys, ...parts);
