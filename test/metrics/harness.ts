// What the metrics integration tests share: InfluxQL queries, a recording HTTP proxy in front
// of the real server (to see what arrived, in which order, how often), and `lcs metrics` as
// a real process with its own node name, database and state dir.

import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { startLcs, type LcsProcess } from '../support/lcs-process.ts';

/** The host measurements every test expects `lcs metrics` to write, sorted (Telegraf's ten inputs). */
export const MEASUREMENTS: readonly string[] = [
  'cpu',
  'disk',
  'diskio',
  'kernel',
  'mem',
  'net',
  'netstat',
  'processes',
  'swap',
  'system',
];

export const influxUrl = (): string => process.env.LCS_INFLUXDB_URL ?? 'http://127.0.0.1:8086';

export interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Runs InfluxQL (as `auth`'s user, when given); throws on an error in any statement. */
export async function influxQuery(
  url: string,
  db: string,
  q: string,
  auth?: { user: string; password: string },
): Promise<Series[]> {
  const res = await fetch(`${url}/query?${new URLSearchParams({ db, q, epoch: 's' })}`, {
    method: 'POST',
    ...(auth
      ? {
          headers: {
            authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`,
          },
        }
      : {}),
  });
  const body = (await res.json()) as { results?: { series?: Series[]; error?: string }[]; error?: string };
  if (body.error) throw new Error(`${q}: ${body.error}`);
  const out: Series[] = [];
  for (const r of body.results ?? []) {
    if (r.error) throw new Error(`${q}: ${r.error}`);
    out.push(...(r.series ?? []));
  }
  return out;
}

/** Rows of a one-series result as objects. */
export const rows = (s: Series[]): Record<string, unknown>[] =>
  s.flatMap((x) => x.values.map((v) => Object.fromEntries(x.columns.map((c, i) => [c, v[i]]))));

export async function createDatabase(url: string, db: string): Promise<void> {
  await influxQuery(url, db, `CREATE DATABASE "${db}"`);
}

export const uniqueName = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${process.pid}`;

/**
 * Forwards writes to `target` and records the lines the target acknowledged, in arrival
 * order. While the target is down it answers 503, which the metrics writer retries.
 */
export class RecordingProxy {
  readonly accepted: string[] = [];
  /** The path and query, and the Authorization header, of each acknowledged write. */
  readonly acceptedWrites: { url: string; authorization: string | undefined }[] = [];
  requests = 0;
  private server: http.Server | undefined;
  private readonly target: string;
  constructor(target: string) {
    this.target = target;
  }
  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        this.requests++;
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers))
          if (
            typeof v === 'string' &&
            !['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive'].includes(k)
          )
            headers[k] = v;
        try {
          const up = await fetch(new URL(req.url ?? '/', this.target), {
            method: req.method ?? 'GET',
            headers,
            ...(body.length ? { body } : {}),
          });
          const text = await up.text();
          if (up.status >= 200 && up.status < 300 && req.url?.includes('write')) {
            this.acceptedWrites.push({ url: req.url, authorization: req.headers.authorization });
            const plain = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
            for (const l of plain.toString('utf8').split('\n')) if (l) this.accepted.push(l);
          }
          res
            .writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/plain' })
            .end(text);
        } catch (err) {
          res.writeHead(503).end(`upstream down: ${(err as Error).message}`);
        }
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

export const tmpDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export function startMetrics(opts: {
  node: string;
  args: string[];
  stateDir: string;
  logDir: string;
  env?: Record<string, string>;
}): LcsProcess {
  return startLcs(
    'metrics',
    ['--node-name', opts.node, '--metrics-state-dir', opts.stateDir, '--status-interval', '1s', ...opts.args],
    { logDir: opts.logDir, name: opts.node, env: { LCS_METRICS_PIPELINE: 'false', ...opts.env } },
  );
}

/** The fields of the `stopped` log line a metrics process writes on a clean shutdown. */
export function stoppedLine(logs: string): {
  samples: number;
  pointsWritten: number;
  buffered: { lines: number };
} {
  const line = logs.split('\n').find((l) => l.includes('"msg":"stopped"'));
  if (!line) throw new Error(`no "stopped" line in:\n${logs.slice(-2000)}`);
  return JSON.parse(line) as never;
}
