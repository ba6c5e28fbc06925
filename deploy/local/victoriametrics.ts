// VictoriaMetrics single-node from Debian (victoria-metrics): a Prometheus-compatible
// store that also accepts the InfluxDB line protocol.
import { HOST } from './layout.ts';
import { httpProbe } from './health.ts';
import type { ServiceDef } from './service.ts';

export const victoriametrics: ServiceDef = {
  name: 'victoriametrics',
  endpoint: (host, port) => `http://${host}:${port}`,
  packages: [
    {
      name: 'victoria-metrics',
      provides: '/usr/bin/victoria-metrics',
      daemonUser: 'victoriametrics',
      unit: 'victoria-metrics.service',
    },
  ],
  async prepare(ctx) {
    return {
      command: '/usr/bin/victoria-metrics',
      args: [
        `-storageDataPath=${ctx.paths.data}`,
        `-httpListenAddr=${HOST}:${ctx.port}`,
        '-retentionPeriod=1',
      ],
    };
  },
  probe: (ctx) => httpProbe(`http://${HOST}:${ctx.port}/health`, (status) => status === 200),
  startTimeoutMs: 30_000,
  stopGraceMs: 10_000,
  hint: '`npm run services:down -- --purge victoriametrics` starts it with empty storage',
};
