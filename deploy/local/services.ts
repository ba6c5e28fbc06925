// The local real services on one machine: install on first use, start detached, wait
// until healthy, stop. Library (tests import it) and CLI (npm run services:up|down|status).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SERVICE_NAMES, HOST, SERVICE_NAMES, cacheDir, port, servicePaths } from './layout.ts';
import { ServiceError } from './errors.ts';
import { aptEnsure } from './install.ts';
import type { Log } from './install.ts';
import { withLock } from './lock.ts';
import { livePid, spawnDetached, stopProcess, tailFile } from './process.ts';
import { tcpOpen, waitHealthy, waitPortClosed } from './health.ts';
import type { ServiceContext, ServiceDef } from './service.ts';
import type { ServiceName } from './layout.ts';
import { etcd } from './etcd.ts';
import { kafka } from './kafka.ts';
import { elasticsearch } from './elasticsearch.ts';
import { influxdb } from './influxdb.ts';
import { victoriametrics } from './victoriametrics.ts';
import { kube } from './kube.ts';
import { clusterEndpointEnv, clustersDown, clustersUp, parseClusterNames } from './clusters.ts';

export type { ServiceName } from './layout.ts';
export { SERVICE_NAMES } from './layout.ts';
export { ServiceError } from './errors.ts';

export interface Endpoints {
  etcd: string;
  kafka: string;
  elasticsearch: string;
  influxdb: string;
  victoriametrics: string;
  kube: string;
}

const DEFS: Record<ServiceName, ServiceDef> = { etcd, kafka, elasticsearch, influxdb, victoriametrics, kube };
const LOG_TAIL_LINES = 30;
const LOCK_WAIT_MS = 5 * 60_000;
const silent: Log = () => {};

export function endpoints(): Endpoints {
  const at = (name: ServiceName): string => DEFS[name].endpoint(HOST, port(name));
  return {
    etcd: at('etcd'),
    kafka: at('kafka'),
    elasticsearch: at('elasticsearch'),
    influxdb: at('influxdb'),
    victoriametrics: at('victoriametrics'),
    kube: at('kube'),
  };
}

/** The services' endpoints under the LCS_* names every component reads (docs/design.md). */
export function endpointEnv(e: Endpoints = endpoints()): Record<string, string> {
  return {
    LCS_ETCD_ENDPOINTS: e.etcd,
    LCS_KAFKA_BROKERS: e.kafka,
    LCS_ELASTICSEARCH_URL: e.elasticsearch,
    LCS_INFLUXDB_URL: e.influxdb,
  };
}

function context(name: ServiceName, log: Log): ServiceContext {
  return { name, port: port(name), paths: servicePaths(name), cache: cacheDir(), env: process.env, log };
}

function ordered(names: readonly ServiceName[] | undefined, all = SERVICE_NAMES): ServiceName[] {
  if (!names || names.length === 0) return [...all];
  return SERVICE_NAMES.filter((n) => names.includes(n));
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

function failure(ctx: ServiceContext, code: 'start-failed' | 'unhealthy', what: string): ServiceError {
  const tail = tailFile(ctx.paths.logFile, LOG_TAIL_LINES) || '(the log is empty)';
  return new ServiceError(
    code,
    `${ctx.name} ${what}\n--- last ${LOG_TAIL_LINES} lines of ${ctx.paths.logFile} ---\n${tail}\n---\n` +
      `hint: ${DEFS[ctx.name].hint}`,
  );
}

export async function isRunning(name: ServiceName): Promise<boolean> {
  const ctx = context(name, silent);
  return livePid(ctx.paths.pidFile) !== undefined && (await DEFS[name].probe(ctx));
}

function locked<T>(ctx: ServiceContext, fn: () => Promise<T>): Promise<T> {
  return withLock(path.join(ctx.paths.dir, `${ctx.name}.lock`), LOCK_WAIT_MS, fn);
}

/** Starts one installed service unless it already runs, and waits until it is healthy. */
async function launch(ctx: ServiceContext): Promise<void> {
  const def = DEFS[ctx.name];
  const started = Date.now();
  let pid = livePid(ctx.paths.pidFile);
  if (pid !== undefined && (await def.probe(ctx))) {
    ctx.log(`${ctx.name} already running (pid ${pid})`);
    return;
  }
  if (pid === undefined) {
    if (await tcpOpen(HOST, ctx.port)) {
      throw new ServiceError(
        'port-busy',
        `${ctx.name}: ${HOST}:${ctx.port} is already in use by a process LCS did not start ` +
          `(see \`ss -ltnp 'sport = :${ctx.port}'\`); stop it or set ${`LCS_${ctx.name.toUpperCase()}_PORT`}`,
      );
    }
    fs.mkdirSync(ctx.paths.data, { recursive: true });
    const how = await def.prepare(ctx);
    ctx.log(`starting ${ctx.name}…`);
    pid = spawnDetached(how, ctx.paths.logFile, ctx.paths.pidFile);
  } else {
    ctx.log(`${ctx.name} is running (pid ${pid}) but not healthy yet; waiting…`);
  }
  const outcome = await waitHealthy(
    () => def.probe(ctx),
    () => livePid(ctx.paths.pidFile) !== undefined,
    def.startTimeoutMs,
  );
  if (outcome.ok) {
    ctx.log(`${ctx.name} healthy in ${seconds(started)} (pid ${pid})`);
    return;
  }
  if (outcome.reason === 'exited')
    throw failure(ctx, 'start-failed', `exited during start-up (after ${seconds(started)})`);
  throw failure(
    ctx,
    'unhealthy',
    `did not become healthy within ${def.startTimeoutMs / 1000} s; it is still running (pid ${pid}): ` +
      `run up again to keep waiting, or \`services.ts stop ${ctx.name}\``,
  );
}

/**
 * Installs without starting: the Debian packages and each service's own install step (for
 * kube, the build of Kubernetes on first use). `up` does the same before it starts anything;
 * CI calls this alone so a cold build shows as its own step.
 */
export async function install(
  names?: ServiceName[],
  opts: { log?: (line: string) => void } = {},
): Promise<void> {
  const log = opts.log ?? silent;
  await installAll(
    ordered(names, DEFAULT_SERVICE_NAMES).map((n) => context(n, log)),
    log,
  );
}

async function installAll(contexts: readonly ServiceContext[], log: Log): Promise<void> {
  // Installs run one after another (dpkg takes a lock); all Debian packages go in one apt-get run.
  const aptStarted = Date.now();
  const installed = await aptEnsure(
    contexts.flatMap((c) => DEFS[c.name].packages ?? []),
    log,
  );
  if (installed.length > 0) log(`${installed.join(', ')} installed in ${seconds(aptStarted)}`);
  for (const ctx of contexts) {
    const started = Date.now();
    const step = DEFS[ctx.name].install;
    if (step) {
      await locked(ctx, () => step(ctx));
      if (Date.now() - started > 1_000) log(`${ctx.name} installed in ${seconds(started)}`);
    }
  }
}

export async function up(
  names?: ServiceName[],
  opts: { log?: (line: string) => void } = {},
): Promise<Endpoints> {
  const log = opts.log ?? silent;
  const contexts = ordered(names, DEFAULT_SERVICE_NAMES).map((n) => context(n, log));
  await installAll(contexts, log);
  // The services do not depend on each other, so they start side by side.
  const results = await Promise.allSettled(contexts.map((ctx) => locked(ctx, () => launch(ctx))));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
    throw new ServiceError('start-failed', messages.join('\n\n'), { cause: new AggregateError(errors) });
  }
  return endpoints();
}

async function stopOne(ctx: ServiceContext): Promise<void> {
  const def = DEFS[ctx.name];
  const outcome = await stopProcess(ctx.paths.pidFile, def.stopGraceMs);
  if (outcome === 'killed') ctx.log(`${ctx.name} ignored SIGTERM for ${def.stopGraceMs / 1000} s: killed`);
  if (outcome !== 'not-running') ctx.log(`${ctx.name} stopped`);
  if (!(await waitPortClosed(HOST, ctx.port, 10_000))) {
    throw new ServiceError(
      'stop-failed',
      `${ctx.name}: ${HOST}:${ctx.port} still accepts connections, but not from a process LCS started ` +
        `(see \`ss -ltnp 'sport = :${ctx.port}'\`)`,
    );
  }
}

export async function down(
  names?: ServiceName[],
  opts: { purge?: boolean; log?: (line: string) => void } = {},
): Promise<void> {
  const log = opts.log ?? silent;
  for (const name of ordered(names).reverse()) {
    const ctx = context(name, log);
    await locked(ctx, () => stopOne(ctx));
    if (opts.purge) {
      fs.rmSync(ctx.paths.dir, { recursive: true, force: true });
      log(`${name}: removed ${ctx.paths.dir}`);
    }
  }
}

/** Stops the process but keeps its data, e.g. for outage tests; returns once the port is closed. */
export async function stop(name: ServiceName): Promise<void> {
  const ctx = context(name, silent);
  await locked(ctx, () => stopOne(ctx));
}

/** Starts a stopped service again on the same data and waits until it is healthy. */
export async function start(name: ServiceName): Promise<void> {
  await up([name]);
}

// ---- CLI ----

function parseNames(args: readonly string[]): ServiceName[] {
  return args.map((a) => {
    if (!(SERVICE_NAMES as readonly string[]).includes(a)) {
      throw new ServiceError('bad-config', `unknown service "${a}"; services: ${SERVICE_NAMES.join(', ')}`);
    }
    return a as ServiceName;
  });
}

function printEndpoints(e: Endpoints): void {
  const vars = Object.entries(endpointEnv(e)).map(([k, v]) => `  ${k}=${v}`);
  console.log(`
endpoints (export these, or rely on the defaults):
${vars.join('\n')}
  victoriametrics: ${e.victoriametrics}
  kube: ${e.kube} (admin kubeconfig: ${path.join(servicePaths('kube').dir, 'admin.kubeconfig')})`);
}

async function status(): Promise<boolean> {
  let allUp = true;
  const e = endpoints();
  for (const name of SERVICE_NAMES) {
    const ctx = context(name, silent);
    const pid = livePid(ctx.paths.pidFile);
    const healthy = pid !== undefined && (await DEFS[name].probe(ctx));
    // An opt-in service (kube) that is not running does not make the stack unhealthy.
    if (DEFAULT_SERVICE_NAMES.includes(name) || pid !== undefined) allUp &&= healthy;
    const state = healthy ? 'healthy' : pid !== undefined ? 'running, NOT healthy' : 'stopped';
    console.log(`${name.padEnd(16)} ${state.padEnd(21)} ${(pid ? `pid ${pid}` : '').padEnd(10)} ${e[name]}`);
  }
  return allUp;
}

const USAGE = `usage: services.ts <command>
  up [names…]              install if needed, start, wait until healthy (idempotent; kube only when named)
  up --cluster [names…]    Kafka (3 KRaft nodes, RF 3, min ISR 2), etcd (3 members), Elasticsearch (3 nodes)
  down --cluster [names…]  stop the clusters (their data stays under <services>/cluster)
  install [names…]         install only (kube: build Kubernetes into ~/.cache/lcs/kube unless built)
  down [--purge] [names…]  stop in reverse order; --purge also deletes data and logs
  status                   one line per service (exit 1 unless all are healthy)
  stop <name>              stop one service, keep its data
  start <name>             start one service again
  logs <name>              the last 200 lines of its log
services: ${SERVICE_NAMES.join(', ')}; state in ${path.dirname(servicePaths('etcd').dir)}`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const log: Log = (line) => console.log(`[services] ${line}`);
  if (rest.includes('--cluster') && (command === 'up' || command === 'down')) {
    const names = parseClusterNames(rest);
    const started = Date.now();
    if (command === 'down') {
      await clustersDown(names, log);
      return 0;
    }
    const c = await clustersUp(names, log);
    log(`clusters up in ${seconds(started)}; point the components at them with:`);
    for (const [k, v] of Object.entries(clusterEndpointEnv(c)))
      if (names.some((n) => k.includes(n.toUpperCase()))) console.log(`  export ${k}=${v}`);
    return 0;
  }
  switch (command) {
    case 'up': {
      const started = Date.now();
      const e = await up(parseNames(rest), { log });
      log(`all up in ${seconds(started)}`);
      printEndpoints(e);
      return 0;
    }
    case 'install': {
      const started = Date.now();
      await install(parseNames(rest), { log });
      log(`installed in ${seconds(started)}`);
      return 0;
    }
    case 'down': {
      const purge = rest.includes('--purge');
      await down(parseNames(rest.filter((a) => a !== '--purge')), { purge, log });
      return 0;
    }
    case 'status':
      return (await status()) ? 0 : 1;
    case 'stop':
    case 'start':
    case 'logs': {
      const names = parseNames(rest);
      if (names.length !== 1) break;
      const name = names[0] as ServiceName;
      if (command === 'stop') await down([name], { log });
      else if (command === 'start') await up([name], { log });
      else {
        const file = servicePaths(name).logFile;
        console.log(`==> ${file} <==\n${tailFile(file, 200)}`);
      }
      return 0;
    }
  }
  console.error(USAGE);
  return 2;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // `services.ts status | head -1` closes the pipe early; that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof ServiceError ? `[services] ${err.message}` : err);
      process.exit(1);
    },
  );
}
