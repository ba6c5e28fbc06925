// An etcd cluster of three members on one machine (Debian's etcd, as the `etcd` service),
// each on its own loopback ports and data directory, for the fault tests: a member killed,
// the leader killed, a member stopped while configuration changes. The single-member `etcd`
// service stays what the other tests and the demo use.
import fs from 'node:fs';
import path from 'node:path';
import { ETCD_BINARY } from './etcd.ts';
import { HOST } from './layout.ts';
import { ServiceError } from './errors.ts';
import { httpProbe, waitHealthy } from './health.ts';
import { killProcess, livePid, spawnDetached, stopProcess, tailFile } from './process.ts';
import type { Log } from './install.ts';

export interface EtcdClusterOptions {
  /** State of the cluster: `<dir>/member-<i>/{data,etcd.log,etcd.pid}`. */
  dir: string;
  /** Member i (from 1) serves clients on basePort + 10·(i−1) and its peers on the port after. */
  basePort: number;
  members?: number;
  log?: Log;
}

/** The flags of member `i` of a cluster whose members are listed in `initialCluster`. */
export function etcdMemberArgs(
  dataDir: string,
  name: string,
  clientPort: number,
  initialCluster: string,
): string[] {
  const client = `http://${HOST}:${clientPort}`;
  const peer = `http://${HOST}:${clientPort + 1}`;
  return [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${initialCluster}`,
    '--initial-cluster-state=new',
    '--initial-cluster-token=lcs-cluster',
  ];
}

export class EtcdCluster {
  readonly members: number;
  private readonly opts: EtcdClusterOptions;
  private readonly log: Log;

  constructor(opts: EtcdClusterOptions) {
    this.opts = opts;
    this.members = opts.members ?? 3;
    this.log = opts.log ?? (() => {});
  }

  ids(): number[] {
    return Array.from({ length: this.members }, (_, k) => k + 1);
  }

  port(i: number): number {
    return this.opts.basePort + 10 * (i - 1);
  }

  /** Every member's client URL: what a component is given as `etcd.endpoints`. */
  endpoints(): string[] {
    return this.ids().map((i) => `http://${HOST}:${this.port(i)}`);
  }

  private memberDir(i: number): string {
    return path.join(this.opts.dir, `member-${i}`);
  }

  private pidFile(i: number): string {
    return path.join(this.memberDir(i), 'etcd.pid');
  }

  logFile(i: number): string {
    return path.join(this.memberDir(i), 'etcd.log');
  }

  isRunning(i: number): boolean {
    return livePid(this.pidFile(i)) !== undefined;
  }

  spawn(i: number): void {
    if (this.isRunning(i)) return;
    const initial = this.ids()
      .map((k) => `m${k}=http://${HOST}:${this.port(k) + 1}`)
      .join(',');
    fs.mkdirSync(path.join(this.memberDir(i), 'data'), { recursive: true });
    this.log(`etcd cluster: starting member ${i} on ${HOST}:${this.port(i)}…`);
    spawnDetached(
      {
        command: ETCD_BINARY,
        args: etcdMemberArgs(path.join(this.memberDir(i), 'data'), `m${i}`, this.port(i), initial),
      },
      this.logFile(i),
      this.pidFile(i),
    );
  }

  /** Waits until member i reports itself healthy (which needs a quorum and a leader). */
  async waitHealthy(i: number, timeoutMs = 60_000): Promise<void> {
    const outcome = await waitHealthy(
      () =>
        httpProbe(
          `http://${HOST}:${this.port(i)}/health`,
          (status, body) => status === 200 && /"health"\s*:\s*"?true/.test(body),
        ),
      () => this.isRunning(i),
      timeoutMs,
    );
    if (outcome.ok) return;
    throw new ServiceError(
      outcome.reason === 'exited' ? 'start-failed' : 'unhealthy',
      `etcd cluster member ${i} ${outcome.reason === 'exited' ? 'exited during start-up' : `not healthy within ${timeoutMs / 1000} s`}; ` +
        `last lines of ${this.logFile(i)}:\n${tailFile(this.logFile(i), 30)}`,
    );
  }

  async up(): Promise<void> {
    for (const i of this.ids()) this.spawn(i);
    for (const i of this.ids()) await this.waitHealthy(i);
    this.log(`etcd cluster: ${this.members} members healthy (${this.endpoints().join(', ')})`);
  }

  /** The member that leads now, asked of any member that answers (undefined: none answers). */
  async leader(): Promise<number | undefined> {
    const ids = new Map<string, number>();
    let leaderId: string | undefined;
    for (const i of this.ids()) {
      if (!this.isRunning(i)) continue;
      try {
        const res = await fetch(`http://${HOST}:${this.port(i)}/v3/maintenance/status`, {
          method: 'POST',
          body: '{}',
          signal: AbortSignal.timeout(2_000),
        });
        const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
        if (body.header?.member_id) ids.set(body.header.member_id, i);
        if (body.leader && body.leader !== '0') leaderId = body.leader;
      } catch {
        // Not answering: down or starting.
      }
    }
    return leaderId === undefined ? undefined : ids.get(leaderId);
  }

  /** SIGTERM (a clean stop), or SIGKILL with `kill`. */
  async stop(i: number, opts: { kill?: boolean } = {}): Promise<void> {
    this.log(`etcd cluster: ${opts.kill ? 'killing (-9)' : 'stopping'} member ${i}…`);
    if (opts.kill) await killProcess(this.pidFile(i));
    else await stopProcess(this.pidFile(i), 10_000);
  }

  async down(): Promise<void> {
    await Promise.all(this.ids().map((i) => this.stop(i)));
  }
}
