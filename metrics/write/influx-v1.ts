// The InfluxDB 1.x write API (`POST /write?db=&rp=&precision=s`), gzipped. The same endpoint
// is served by InfluxDB 2.x and 3.x (their v1 compatibility API) and by VictoriaMetrics.

import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { influxProblem } from '../../common/influx/explain.ts';
import { isRetriableStatus, WriteError, type LineWriter } from './errors.ts';

/** The settings behind this writer's credentials, named in every refusal. */
const CREDENTIALS =
  'metrics.influx.username and metrics.influx.passwordFile (LCS_INFLUXDB_USERNAME, LCS_INFLUXDB_PASSWORD_FILE)';

const gzipAsync = promisify(gzip);

export interface InfluxV1Options {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export class InfluxV1Writer implements LineWriter {
  private readonly o: InfluxV1Options;
  private readonly fetch: typeof fetch;
  readonly description: string;

  constructor(o: InfluxV1Options) {
    this.o = o;
    this.fetch = o.fetch ?? fetch;
    this.description = `InfluxDB 1.x API ${o.url} db=${o.database}`;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.o.username !== undefined)
      h.authorization =
        'Basic ' + Buffer.from(`${this.o.username}:${this.o.password ?? ''}`).toString('base64');
    return h;
  }

  private async call(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetch(new URL(path, this.o.url), {
        ...init,
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
    } catch (err) {
      throw new WriteError(`${this.o.url}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  async write(lines: string[]): Promise<void> {
    const q = new URLSearchParams({ db: this.o.database, precision: 's' });
    if (this.o.retentionPolicy) q.set('rp', this.o.retentionPolicy);
    const body = await gzipAsync(lines.join('\n') + '\n');
    const res = await this.call(`write?${q}`, {
      method: 'POST',
      headers: { ...this.headers(), 'content-encoding': 'gzip', 'content-type': 'text/plain; charset=utf-8' },
      body,
    });
    if (res.status === 204 || res.status === 200) {
      await res.body?.cancel();
      return;
    }
    const text = (await res.text().catch(() => '')).slice(0, 500);
    // A refused password or a missing privilege, said as the setting or the GRANT to change.
    const problem = influxProblem(res.status, text, {
      operation: 'write',
      database: this.o.database,
      ...(this.o.username !== undefined ? { user: this.o.username } : {}),
      credentials: CREDENTIALS,
      databaseSetting: 'metrics.influx.database (LCS_INFLUXDB_DATABASE)',
    });
    throw new WriteError(`${this.description}: HTTP ${res.status} ${problem ?? text}`, {
      status: res.status,
      retriable: isRetriableStatus(res.status),
    });
  }

  async ping(): Promise<void> {
    const res = await this.call('ping', { headers: this.headers() });
    await res.body?.cancel();
    if (res.status >= 500)
      throw new WriteError(`${this.o.url}/ping: HTTP ${res.status}`, { status: res.status, retriable: true });
  }

  async close(): Promise<void> {}
}
