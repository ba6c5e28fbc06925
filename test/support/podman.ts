// Running the LCS image with podman as this machine allows: Debian's runc, vfs storage (the
// same flags deploy/image/build.ts builds with), the host's network, and ulimits no higher
// than this process has (a container may not raise a limit here).

import fs from 'node:fs';
import { runCommand, type CommandResult } from '../../deploy/local/command.ts';
import { storageFlags } from '../../deploy/image/build.ts';

/** The soft limit of `name` in /proc/self/limits (e.g. "Max open files"), or undefined. */
function softLimit(name: string): number | undefined {
  const line = fs
    .readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const v = line?.slice(name.length).trim().split(/\s+/)[0];
  return v && /^\d+$/.test(v) ? Number(v) : undefined;
}

/**
 * --ulimit flags for podman run: 8192 open files and 4096 processes (plenty for the agent),
 * lowered further if this process has less. Without them podman asks for its defaults
 * (1048576 files), and runc's setrlimit fails with "operation not permitted".
 */
export function ulimitFlags(): string[] {
  const nofile = Math.min(8192, softLimit('Max open files') ?? 8192);
  const nproc = Math.min(4096, softLimit('Max processes') ?? 4096);
  return ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', `nproc=${nproc}:${nproc}`];
}

export function podman(args: readonly string[], timeoutMs = 120000): Promise<CommandResult> {
  return runCommand('podman', [...storageFlags(), ...args], { timeoutMs });
}

/** podman with the flags `podman run` needs here, failing with podman's own words. */
export async function podmanOk(args: readonly string[], timeoutMs = 120000): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0)
    throw new Error(
      `podman ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`,
    );
  return r.stdout;
}

export const runFlags = (): string[] => ['--runtime', 'runc', ...ulimitFlags()];

/** The uid and gid lines (real, effective, saved, filesystem) of a host pid. */
export function processIds(pid: number): { uids: number[]; gids: number[]; groups: number[] } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const nums = (key: string) =>
    (new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  return { uids: nums('Uid'), gids: nums('Gid'), groups: nums('Groups') };
}
