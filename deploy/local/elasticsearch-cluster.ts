// An Elasticsearch cluster of three nodes on one machine (the same distribution as the
// `elasticsearch` service), each master-eligible and a data node, on its own loopback ports
// and data directory: three so that one node down still leaves a voting majority. For the
// fault tests; the single-node `elasticsearch` service stays what the others use.
import fs from 'node:fs';
import path from 'node:path';
import { HOST, cacheDir } from './layout.ts';
import { ServiceError } from './errors.ts';
import { elasticsearch, prepareElasticsearch } from './elasticsearch.ts';
import { waitHealthy } from './health.ts';
import { killProcess, livePid, spawnDetached, stopProcess, tailFile } from './process.ts';
import type { Log } from './install.ts';
import type { ServiceContext } from './service.ts';

export interface ElasticsearchClusterOptions {
  /**
   * State of the cluster: `<dir>/node-<i>/`. As root, Elasticsearch runs as the user `lcs`,
   * which must reach it: put it under the services folder (layout.ts `servicesDir()`).
   */
  dir: string;
  /** Node i (from 1) serves HTTP on basePort + 10·(i−1), transport 100 above. */
  basePort: number;
  nodes?: number;
  /** Heap of each node (default 512m). */
  heap?: string;
  log?: Log;
}

export class ElasticsearchCluster {
  readonly nodes: number;
  private readonly opts: ElasticsearchClusterOptions;
  private readonly log: Log;

  constructor(opts: ElasticsearchClusterOptions) {
    this.opts = opts;
    this.nodes = opts.nodes ?? 3;
    this.log = opts.log ?? (() => {});
  }

  ids(): number[] {
    return Array.from({ length: this.nodes }, (_, k) => k + 1);
  }

  port(i: number): number {
    return this.opts.basePort + 10 * (i - 1);
  }

  url(i: number): string {
    return `http://${HOST}:${this.port(i)}`;
  }

  /** Every node's URL: what the transfer is given as `elasticsearch.url`. */
  urls(): string[] {
    return this.ids().map((i) => this.url(i));
  }

  private ctx(i: number): ServiceContext {
    const dir = path.join(this.opts.dir, `node-${i}`);
    const heap = this.opts.heap ?? '512m';
    return {
      name: 'elasticsearch',
      port: this.port(i),
      paths: {
        dir,
        data: path.join(dir, 'data'),
        logFile: path.join(dir, 'elasticsearch.log'),
        pidFile: path.join(dir, 'elasticsearch.pid'),
      },
      cache: cacheDir(),
      env: { ...process.env, LCS_ES_JAVA_OPTS: `-Xms${heap} -Xmx${heap}` },
      log: this.log,
    };
  }

  logFile(i: number): string {
    return this.ctx(i).paths.logFile;
  }

  isRunning(i: number): boolean {
    return livePid(this.ctx(i).paths.pidFile) !== undefined;
  }

  async spawn(i: number): Promise<void> {
    if (this.isRunning(i)) return;
    const ctx = this.ctx(i);
    fs.mkdirSync(ctx.paths.dir, { recursive: true });
    const launch = await prepareElasticsearch(ctx, {
      nodeName: `n${i}`,
      seedHosts: this.ids().map((k) => `${HOST}:${this.port(k) + 100}`),
      initialMasters: this.ids().map((k) => `n${k}`),
    });
    this.log(`elasticsearch cluster: starting node ${i} on ${HOST}:${ctx.port}…`);
    spawnDetached(launch, ctx.paths.logFile, ctx.paths.pidFile);
  }

  /** Whether node i answers and sees `nodes` nodes in a cluster that is not red. */
  async serving(i: number, nodes = this.nodes): Promise<boolean> {
    try {
      const res = await fetch(`${this.url(i)}/_cluster/health?timeout=2s`, {
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status !== 200) return false;
      const h = (await res.json()) as { status?: string; number_of_nodes?: number };
      return h.status !== 'red' && (h.number_of_nodes ?? 0) >= nodes;
    } catch {
      return false;
    }
  }

  async waitServing(i: number, timeoutMs = 240_000): Promise<void> {
    const started = Date.now();
    const outcome = await waitHealthy(
      () => this.serving(i),
      () => this.isRunning(i),
      timeoutMs,
    );
    if (outcome.ok) {
      this.log(
        `elasticsearch cluster: node ${i} in a ${this.nodes}-node cluster (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return;
    }
    throw new ServiceError(
      outcome.reason === 'exited' ? 'start-failed' : 'unhealthy',
      `elasticsearch cluster node ${i} ${outcome.reason === 'exited' ? 'exited during start-up' : `not in a ${this.nodes}-node cluster within ${timeoutMs / 1000} s`}; ` +
        `last lines of ${this.logFile(i)}:\n${tailFile(this.logFile(i), 30)}`,
    );
  }

  async up(): Promise<void> {
    await elasticsearch.install!(this.ctx(1));
    for (const i of this.ids()) await this.spawn(i);
    for (const i of this.ids()) await this.waitServing(i);
  }

  async stop(i: number, opts: { kill?: boolean } = {}): Promise<void> {
    this.log(`elasticsearch cluster: ${opts.kill ? 'killing (-9)' : 'stopping'} node ${i}…`);
    const pidFile = this.ctx(i).paths.pidFile;
    if (opts.kill) await killProcess(pidFile);
    else await stopProcess(pidFile, 30_000);
  }

  async down(): Promise<void> {
    await Promise.all(this.ids().map((i) => this.stop(i)));
  }
}
