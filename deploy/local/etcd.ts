// etcd 3.4 from Debian (etcd-server, plus etcd-client for etcdctl), a one-member cluster.
import { HOST } from './layout.ts';
import { httpProbe } from './health.ts';
import type { ServiceContext, ServiceDef } from './service.ts';

/** Debian's etcd (the etcd-server package below): every etcd LCS starts locally runs this one. */
export const ETCD_BINARY = '/usr/bin/etcd';

/** The peer port sits next to the client port: 2379 → 2380. */
export function etcdArgs(dataDir: string, clientPort: number): string[] {
  const client = `http://${HOST}:${clientPort}`;
  const peer = `http://${HOST}:${clientPort + 1}`;
  return [
    '--name=lcs',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=lcs=${peer}`,
    '--initial-cluster-state=new',
  ];
}

export const etcd: ServiceDef = {
  name: 'etcd',
  endpoint: (host, port) => `http://${host}:${port}`,
  packages: [
    { name: 'etcd-server', provides: ETCD_BINARY, daemonUser: 'etcd', unit: 'etcd.service' },
    { name: 'etcd-client', provides: '/usr/bin/etcdctl' },
  ],
  async prepare(ctx: ServiceContext) {
    return { command: ETCD_BINARY, args: etcdArgs(ctx.paths.data, ctx.port) };
  },
  probe: (ctx) =>
    httpProbe(
      `http://${HOST}:${ctx.port}/health`,
      (status, body) => status === 200 && /"health"\s*:\s*"?true/.test(body),
    ),
  startTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  hint: 'if the data dir is from another etcd version or damaged, `npm run services:down -- --purge etcd` starts it empty',
};
