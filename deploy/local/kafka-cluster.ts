// A Kafka cluster on one machine: three KRaft nodes (each broker and controller), replication
// factor 3 and min.insync.replicas 2, each node on its own loopback ports and data directory.
// The fault tests stop, kill and restart single brokers of it; the single-node `kafka`
// service stays what the other tests and the demo use. Same jars and JVM as that service.
import fs from 'node:fs';
import path from 'node:path';
import { HOST, cacheDir, type Env } from './layout.ts';
import { runCommand, lastLines } from './command.ts';
import { ServiceError } from './errors.ts';
import { kafka, javaArgs, newClusterId, renderServerProperties } from './kafka.ts';
import { kafkaMetadataProbe } from './kafka-probe.ts';
import { killProcess, livePid, spawnDetached, stopProcess, tailFile } from './process.ts';
import { waitHealthy } from './health.ts';
import type { Log } from './install.ts';
import type { ServiceContext } from './service.ts';

export interface KafkaClusterOptions {
  /** State of the whole cluster: `<dir>/node-<i>/{data,kafka.log,kafka.pid}`. */
  dir: string;
  /** Node i (from 1) serves clients on basePort + 10·(i−1) and its controller on the port after. */
  basePort: number;
  nodes?: number;
  /** JVM heap of each node (default 384m: three fit beside Elasticsearch on a small machine). */
  heap?: string;
  env?: Env;
  log?: Log;
}

export class KafkaCluster {
  readonly nodes: number;
  private readonly opts: KafkaClusterOptions;
  private readonly env: Env;
  private readonly log: Log;

  constructor(opts: KafkaClusterOptions) {
    this.opts = opts;
    this.nodes = opts.nodes ?? 3;
    this.env = opts.env ?? process.env;
    this.log = opts.log ?? (() => {});
  }

  port(i: number): number {
    return this.opts.basePort + 10 * (i - 1);
  }

  /** The bootstrap list a client is given: every broker. */
  brokers(): string[] {
    return this.ids().map((i) => `${HOST}:${this.port(i)}`);
  }

  ids(): number[] {
    return Array.from({ length: this.nodes }, (_, k) => k + 1);
  }

  private nodeDir(i: number): string {
    return path.join(this.opts.dir, `node-${i}`);
  }

  private pidFile(i: number): string {
    return path.join(this.nodeDir(i), 'kafka.pid');
  }

  logFile(i: number): string {
    return path.join(this.nodeDir(i), 'kafka.log');
  }

  private ctx(i: number): ServiceContext {
    const dir = this.nodeDir(i);
    return {
      name: 'kafka',
      port: this.port(i),
      paths: {
        dir,
        data: path.join(dir, 'data'),
        logFile: this.logFile(i),
        pidFile: this.pidFile(i),
      },
      cache: cacheDir(this.env),
      env: this.env,
      log: this.log,
    };
  }

  isRunning(i: number): boolean {
    return livePid(this.pidFile(i)) !== undefined;
  }

  /** Resolves the jars once (shared with the single-node service), formats every node once. */
  async prepare(): Promise<void> {
    await kafka.install!(this.ctx(1));
    fs.mkdirSync(this.opts.dir, { recursive: true });
    const idFile = path.join(this.opts.dir, 'cluster-id');
    if (!fs.existsSync(idFile)) fs.writeFileSync(idFile, newClusterId());
    const clusterId = fs.readFileSync(idFile, 'utf8').trim();
    const voters = this.ids().map((i) => `${i}@${HOST}:${this.port(i) + 1}`);
    for (const i of this.ids()) {
      const ctx = this.ctx(i);
      fs.mkdirSync(ctx.paths.data, { recursive: true });
      const config = path.join(ctx.paths.dir, 'server.properties');
      fs.writeFileSync(config, renderServerProperties(ctx.paths.data, ctx.port, { nodeId: i, voters }));
      if (fs.existsSync(path.join(ctx.paths.data, 'meta.properties'))) continue;
      this.log(`kafka cluster: formatting node ${i} (cluster id ${clusterId})…`);
      const result = await runCommand('java', [
        ...javaArgs(ctx, '256m'),
        'kafka.tools.StorageTool',
        'format',
        '--cluster-id',
        clusterId,
        '--config',
        config,
        '--ignore-formatted',
      ]);
      fs.appendFileSync(ctx.paths.logFile, result.stdout + result.stderr);
      if (result.code !== 0)
        throw new ServiceError(
          'start-failed',
          `kafka cluster node ${i}: storage format failed:\n${lastLines(result.stdout + result.stderr, 30)}`,
        );
    }
  }

  /** Starts node i unless it runs; does not wait (a lone node of a quorum cannot elect a controller). */
  spawn(i: number): void {
    if (this.isRunning(i)) return;
    const ctx = this.ctx(i);
    const config = path.join(ctx.paths.dir, 'server.properties');
    this.log(`kafka cluster: starting node ${i} on ${HOST}:${ctx.port}…`);
    spawnDetached(
      { command: 'java', args: [...javaArgs(ctx, this.opts.heap ?? '384m'), 'kafka.Kafka', config] },
      ctx.paths.logFile,
      ctx.paths.pidFile,
    );
  }

  /** Waits until node i answers and lists `minBrokers` brokers (default: the whole cluster). */
  async waitServing(i: number, minBrokers = this.nodes, timeoutMs = 120_000): Promise<void> {
    const started = Date.now();
    const outcome = await waitHealthy(
      () => kafkaMetadataProbe(HOST, this.port(i), 3_000, minBrokers),
      () => this.isRunning(i),
      timeoutMs,
    );
    if (outcome.ok) {
      this.log(`kafka cluster: node ${i} serving (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      return;
    }
    throw new ServiceError(
      outcome.reason === 'exited' ? 'start-failed' : 'unhealthy',
      `kafka cluster node ${i} ${outcome.reason === 'exited' ? 'exited during start-up' : `not serving within ${timeoutMs / 1000} s`}; ` +
        `last lines of ${this.logFile(i)}:\n${tailFile(this.logFile(i), 30)}`,
    );
  }

  /** Formats if needed, starts every node and waits until each lists all brokers. */
  async up(): Promise<void> {
    await this.prepare();
    for (const i of this.ids()) this.spawn(i);
    for (const i of this.ids()) await this.waitServing(i);
  }

  /** A controlled shutdown (SIGTERM: leadership moves away first), or SIGKILL with `kill`. */
  async stop(i: number, opts: { kill?: boolean } = {}): Promise<void> {
    this.log(`kafka cluster: ${opts.kill ? 'killing (-9)' : 'stopping'} node ${i}…`);
    if (opts.kill) await killProcess(this.pidFile(i));
    else await stopProcess(this.pidFile(i), 60_000);
  }

  async down(): Promise<void> {
    await Promise.all(this.ids().map((i) => this.stop(i)));
  }
}
