// A TCP proxy a test can cut: components reach a service through it, and `cut()` severs
// every connection and refuses new ones, as a network partition would, while the service
// itself stays up for the test to change. `stall()` keeps the connections but holds back what
// the service answers, as a server that accepted a request and hangs would.

import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  port: number;
  cut(): void;
  restore(): void;
  /** Holds back every byte the service sends until `unstall()`; connections stay open. */
  stall(): void;
  unstall(): void;
  /** Bytes the service sent that the stall is holding back. */
  heldBytes(): number;
  close(): Promise<void>;
}

export async function startProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let open = true;
  let stalled = false;
  const held: { client: Socket; chunk: Buffer }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) held.push({ client, chunk });
      else client.write(chunk);
    });
    upstream.on('end', () => (stalled ? held.push({ client, chunk: Buffer.alloc(0) }) : client.end()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    stall() {
      stalled = true;
    },
    unstall() {
      stalled = false;
      for (const { client, chunk } of held.splice(0)) {
        if (client.destroyed) continue;
        if (chunk.length) client.write(chunk);
        else client.end();
      }
    },
    heldBytes: () => held.reduce((n, h) => n + h.chunk.length, 0),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
