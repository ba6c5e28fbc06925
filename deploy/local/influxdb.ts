// InfluxDB 1.x from Debian (influxdb, binary influxd) with every directory under our state dir.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { HOST } from './layout.ts';
import { httpProbe, tcpOpen } from './health.ts';
import type { ServiceDef } from './service.ts';

export function renderInfluxConfig(dataDir: string, httpPort: number, rpcPort: number): string {
  return `# Written by LCS deploy/local on every start; edit influxdb.ts instead.
reporting-disabled = true
bind-address = "${HOST}:${rpcPort}"

[meta]
  dir = "${path.join(dataDir, 'meta')}"

[data]
  dir = "${path.join(dataDir, 'data')}"
  wal-dir = "${path.join(dataDir, 'wal')}"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "${HOST}:${httpPort}"
  log-enabled = false
`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export const influxdb: ServiceDef = {
  name: 'influxdb',
  endpoint: (host, port) => `http://${host}:${port}`,
  packages: [
    { name: 'influxdb', provides: '/usr/bin/influxd', daemonUser: 'influxdb', unit: 'influxdb.service' },
  ],
  async prepare(ctx) {
    // The RPC port only serves backup/restore; 8088 is its default and a common clash, so
    // take any free port when it is taken.
    let rpcPort = ctx.port + 2;
    if (await tcpOpen(HOST, rpcPort)) rpcPort = await freePort();
    const config = path.join(ctx.paths.dir, 'influxdb.conf');
    fs.writeFileSync(config, renderInfluxConfig(ctx.paths.data, ctx.port, rpcPort));
    return { command: '/usr/bin/influxd', args: ['run', '-config', config] };
  },
  probe: (ctx) => httpProbe(`http://${HOST}:${ctx.port}/ping`, (status) => status === 204),
  startTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  hint: '`npm run services:down -- --purge influxdb` starts it with empty storage',
};
