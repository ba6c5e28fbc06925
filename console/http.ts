// The console's HTTP plumbing: JSON bodies with a size bound, JSON answers, errors as
// `{error, issues?, current?}` with the status that says what is wrong, server-sent events,
// and the security headers every answer carries.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreError } from './store.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'cache-control': 'no-store',
};

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/.test(type))
    throw new HttpError(415, 'the body must be JSON (content-type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (status === 204) {
    res.writeHead(204, { ...SECURITY_HEADERS, ...headers }).end();
    return;
  }
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      ...headers,
    })
    .end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) sendJson(res, err.status, { error: err.message, ...err.extra });
  else if (err instanceof StoreError)
    sendJson(res, err.status, {
      error: err.message,
      ...(err.issues ? { issues: err.issues } : {}),
      ...(err.current ? { current: err.current } : {}),
    });
  else {
    const message = (err as Error)?.message ?? String(err);
    const etcdDown = /etcd|ECONNREFUSED|unavailable|GRPC/i.test(message);
    sendJson(res, etcdDown ? 503 : 500, { error: etcdDown ? `etcd did not answer: ${message}` : message });
  }
}

/** Starts a server-sent event stream; returns a writer and a close hook. */
export function openEvents(
  req: IncomingMessage,
  res: ServerResponse,
): { send(event: string, data: unknown): void; onClose(f: () => void): void } {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const closers: (() => void)[] = [];
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const close = () => {
    clearInterval(heartbeat);
    for (const f of closers.splice(0)) f();
  };
  req.on('close', close);
  res.on('close', close);
  return {
    send(event, data) {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(f) {
      closers.push(f);
    },
  };
}

export function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${key} must be a non-empty string`);
  return v;
}

export function int(body: Record<string, unknown>, key: string): number {
  const v = typeof body[key] === 'string' ? Number(body[key]) : body[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new HttpError(400, `${key} must be a non-negative integer`);
  return v;
}
