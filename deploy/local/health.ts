// Health probes and the wait loop around them. A probe answers one question once
// (true = healthy now); waitHealthy polls it and gives up early if the process died.
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type Probe = () => Promise<boolean>;

export async function httpProbe(
  url: string,
  accept: (status: number, body: string) => boolean,
  timeoutMs = 3_000,
): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return accept(res.status, await res.text());
  } catch {
    return false;
  }
}

export function tcpOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export type WaitOutcome = { ok: true } | { ok: false; reason: 'exited' | 'timeout' };

/** Polls `probe` until it passes, `alive()` turns false, or `timeoutMs` passes. */
export async function waitHealthy(
  probe: Probe,
  alive: () => boolean,
  timeoutMs: number,
): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  let interval = 100;
  while (true) {
    if (await probe()) return { ok: true };
    if (!alive()) return { ok: false, reason: 'exited' };
    if (Date.now() >= deadline) return { ok: false, reason: 'timeout' };
    await delay(interval);
    interval = Math.min(interval * 2, 1_000);
  }
}

/** Waits until nothing accepts connections on the port. */
export async function waitPortClosed(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await tcpOpen(host, port, 500))) return true;
    await delay(100);
  }
  return !(await tcpOpen(host, port, 500));
}
