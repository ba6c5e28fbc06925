// A node's host metrics for the Nodes view, read from InfluxDB where `lcs metrics` (or
// Telegraf: the schema is the same) writes them: the newest CPU, memory, load and disk usage
// of one `host`, through InfluxQL on the 1.x /query API (also served by InfluxDB 2.x/3.x's
// compatibility endpoint and by VictoriaMetrics).

import { influxProblem } from '../common/influx/explain.ts';
import { StoreError } from './store.ts';

export interface HostMetrics {
  host: string;
  time?: string;
  cpuUsedPercent?: number;
  memUsedPercent?: number;
  load1?: number;
  nCpus?: number;
  disks: { path: string; usedPercent: number }[];
}

export interface InfluxReadOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export class HostMetricsReader {
  private readonly o: InfluxReadOptions;

  constructor(o: InfluxReadOptions) {
    this.o = o;
  }

  private async query(
    q: string,
  ): Promise<{ name?: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[]> {
    const u = new URL('/query', this.o.url);
    u.searchParams.set('db', this.o.database);
    u.searchParams.set('q', q);
    u.searchParams.set('epoch', 'ms');
    const headers: Record<string, string> = {};
    if (this.o.username)
      headers.authorization = `Basic ${Buffer.from(`${this.o.username}:${this.o.password ?? ''}`).toString('base64')}`;
    let res: Response;
    try {
      res = await fetch(u, { headers, signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000) });
    } catch (err) {
      throw new StoreError(503, `InfluxDB at ${this.o.url} did not answer: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const raw = await res.text().catch(() => '');
    let parsed: unknown = {};
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON (a proxy's error page): the status says what happened
    }
    const body = parsed as {
      error?: string;
      results?: {
        error?: string;
        series?: { name?: string; columns: string[]; values: unknown[][]; tags?: Record<string, string> }[];
      }[];
    };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (!res.ok || error) {
      // A refused password or a missing READ grant is the console's configuration: say which
      // console.influxdb.* setting (or which GRANT) fixes it, as a 503 the UI shows as is.
      const problem = influxProblem(res.status, raw, {
        operation: 'read',
        database: this.o.database,
        ...(this.o.username ? { user: this.o.username } : {}),
        credentials:
          'console.influxdb.username and console.influxdb.passwordFile (LCS_INFLUXDB_USERNAME, LCS_INFLUXDB_PASSWORD_FILE)',
        databaseSetting: 'console.influxdb.database (LCS_INFLUXDB_DATABASE)',
      });
      throw new StoreError(
        problem ? 503 : 502,
        `InfluxDB at ${this.o.url} refused the query: ${problem ?? error ?? `HTTP ${res.status}`}`,
      );
    }
    return body.results?.flatMap((r) => r.series ?? []) ?? [];
  }

  async latest(host: string): Promise<HostMetrics> {
    const h = quote(host);
    const since = 'time > now() - 10m';
    const series = await this.query(
      [
        `SELECT last(usage_idle) AS idle FROM cpu WHERE host = ${h} AND cpu = 'cpu-total' AND ${since}`,
        `SELECT last(used_percent) AS used FROM mem WHERE host = ${h} AND ${since}`,
        `SELECT last(load1) AS load1, last(n_cpus) AS n FROM system WHERE host = ${h} AND ${since}`,
        `SELECT last(used_percent) AS used FROM disk WHERE host = ${h} AND ${since} GROUP BY path`,
      ].join('; '),
    );
    const out: HostMetrics = { host, disks: [] };
    let newest = 0;
    for (const s of series) {
      const row = s.values[0] ?? [];
      const col = (c: string) => row[s.columns.indexOf(c)] as number | undefined;
      newest = Math.max(newest, Number(row[0] ?? 0));
      if (s.name === 'cpu' && col('idle') !== undefined) out.cpuUsedPercent = round(100 - col('idle')!);
      else if (s.name === 'mem' && col('used') !== undefined) out.memUsedPercent = round(col('used')!);
      else if (s.name === 'system') {
        if (col('load1') !== undefined) out.load1 = col('load1')!;
        if (col('n') !== undefined) out.nCpus = col('n')!;
      } else if (s.name === 'disk' && s.tags?.path !== undefined && col('used') !== undefined)
        out.disks.push({ path: s.tags.path, usedPercent: round(col('used')!) });
    }
    if (newest) out.time = new Date(newest).toISOString();
    out.disks.sort((a, b) => a.path.localeCompare(b.path));
    return out;
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
