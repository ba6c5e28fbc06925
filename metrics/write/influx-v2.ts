// The InfluxDB v2 write API through @influxdata/influxdb-client (InfluxDB 2.x, 1.8+'s
// compatibility API with token `user:password` and bucket `db/rp`, 3.x, VictoriaMetrics).
// The client's own retry buffer is switched off: it holds 32k lines in memory and drops the
// oldest silently across a restart. LCS's spool does the waiting, on disk, and counts drops.

import { HttpError, InfluxDB, type WriteApi } from '@influxdata/influxdb-client';
import { influxProblem } from '../../common/influx/explain.ts';
import { isRetriableStatus, WriteError, type LineWriter } from './errors.ts';

export interface InfluxV2Options {
  url: string;
  token: string;
  org: string;
  bucket: string;
  timeoutMs: number;
}

export class InfluxV2Writer implements LineWriter {
  private readonly o: InfluxV2Options;
  private readonly api: WriteApi;
  readonly description: string;

  constructor(o: InfluxV2Options) {
    this.o = o;
    this.description = `InfluxDB v2 API ${o.url} org=${o.org} bucket=${o.bucket}`;
    this.api = new InfluxDB({ url: o.url, token: o.token, timeout: o.timeoutMs }).getWriteApi(
      o.org,
      o.bucket,
      's',
      {
        // One flush = one request = one spool batch. The client allocates `new Array(batchSize)`,
        // so this is the largest valid array length (MAX_SAFE_INTEGER threw a RangeError).
        batchSize: 2 ** 32 - 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: 1000,
        // Returning a rejection makes flush() fail with this error instead of retrying inside the client.
        writeFailed: (error) => Promise.reject(error),
      },
    );
  }

  async write(lines: string[]): Promise<void> {
    this.api.writeRecords(lines);
    try {
      await this.api.flush();
    } catch (err) {
      if (err instanceof HttpError) {
        const text = err.body ?? err.message;
        // The token is not parsed for a user: on InfluxDB 2.x it is opaque, and it is a secret.
        const problem = influxProblem(err.statusCode, text, {
          operation: 'write',
          database: this.o.bucket,
          credentials: 'metrics.influx.tokenFile (LCS_INFLUXDB_TOKEN_FILE)',
          databaseSetting: 'metrics.influx.bucket (LCS_INFLUXDB_BUCKET)',
        });
        throw new WriteError(`${this.description}: HTTP ${err.statusCode} ${problem ?? text}`, {
          status: err.statusCode,
          retriable: isRetriableStatus(err.statusCode),
          cause: err,
        });
      }
      throw new WriteError(`${this.description}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  async ping(): Promise<void> {
    try {
      const res = await fetch(new URL('ping', this.o.url), { signal: AbortSignal.timeout(this.o.timeoutMs) });
      await res.body?.cancel();
    } catch (err) {
      throw new WriteError(`${this.o.url}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
  }

  async close(): Promise<void> {
    this.api.dispose();
  }
}
