// /healthz, /readyz and /metrics for every long-running process.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from './metrics.ts';

export interface Probe {
  /** Live: the process is not wedged. */
  healthy(): boolean;
  /** Ready: the process does useful work (connected to what it needs); reason when not. */
  ready(): { ok: boolean; reason?: string };
}

export async function startHttpServer(
  listen: string,
  registry: Registry,
  probe: Probe,
): Promise<{ server: Server; url: string }> {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i);
  const port = Number(listen.slice(i + 1));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      const ok = probe.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
    } else if (path === '/readyz') {
      const r = probe.ready();
      res
        .writeHead(r.ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(r.ok ? 'ok\n' : `not ready: ${r.reason ?? ''}\n`);
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(registry.render());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    server,
    url: `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
  };
}
