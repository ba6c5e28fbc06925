// Elasticsearch 9.x from Maven Central's integ-test-zip: a minimal distribution (server plus
// the modules apm, transport-netty4, x-pack-core and x-pack-security). Security is switched
// off for the local stack. It refuses to run as root, so as root it runs as the system user
// `lcs`, which must be able to read the unpacked distribution.
import fs from 'node:fs';
import path from 'node:path';
import { HOST, reachableByOthers } from './layout.ts';
import { runCommand, lastLines } from './command.ts';
import { ensureSystemUser, mavenGet } from './install.ts';
import { ServiceError } from './errors.ts';
import { httpProbe } from './health.ts';
import type { ServiceContext, ServiceDef } from './service.ts';
import type { Launch } from './process.ts';
import type { Env } from './layout.ts';

const RUN_AS = 'lcs';
const ROOT = process.getuid?.() === 0;
const SYSTEM_CACHE = '/var/cache/lcs';

export function esVersion(env: Env): string {
  return env.LCS_ELASTICSEARCH_VERSION || '9.2.0';
}

export function javaHome(env: Env): string {
  return env.LCS_ES_JAVA_HOME || '/usr/lib/jvm/temurin-25-jdk-amd64';
}

/** Where the distribution is unpacked: the cache, or a system cache when root's home is closed to `lcs`. */
export function homeDir(ctx: Pick<ServiceContext, 'cache' | 'env'>): string {
  const base = !ROOT || reachableByOthers(ctx.cache) ? ctx.cache : SYSTEM_CACHE;
  return path.join(base, `elasticsearch-${esVersion(ctx.env)}`);
}

/** One node of a cluster: its name, every node's transport address, the first masters. */
export interface ElasticsearchNodeRole {
  nodeName: string;
  seedHosts: string[];
  initialMasters: string[];
}

/**
 * Transport sits 100 above HTTP, as in the defaults: 9200 → 9300, unless `transportPort` is
 * given (a test confined to a port range). `security` replaces the "security off" line with
 * settings of the caller's (test/support/secured-elasticsearch.ts).
 */
export function renderElasticsearchYml(
  dir: string,
  httpPort: number,
  hasSecurityModule: boolean,
  role?: ElasticsearchNodeRole,
  security?: string,
  transportPort = httpPort + 100,
): string {
  // Without an explicit setting, x-pack-security auto-configures TLS and passwords on first start.
  const off = hasSecurityModule ? 'xpack.security.enabled: false\n' : '';
  const securityYml = security === undefined ? off : `${security.trimEnd()}\n`;
  const discovery = role
    ? `cluster.name: lcs-cluster
node.name: ${role.nodeName}
discovery.seed_hosts: [${role.seedHosts.join(', ')}]
cluster.initial_master_nodes: [${role.initialMasters.join(', ')}]`
    : `cluster.name: lcs-local
node.name: lcs
discovery.type: single-node`;
  return `# Written by LCS deploy/local on every start; edit elasticsearch.ts instead.
${discovery}
network.host: ${HOST}
http.port: ${httpPort}
transport.port: ${transportPort}
path.data: ${path.join(dir, 'data')}
path.logs: ${path.join(dir, 'logs')}
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
${securityYml}`;
}

function chownTree(target: string, uid: number, gid: number): void {
  fs.chownSync(target, uid, gid);
  if (!fs.statSync(target).isDirectory()) return;
  for (const entry of fs.readdirSync(target)) chownTree(path.join(target, entry), uid, gid);
}

/**
 * Writes a node's config (one node alone, or `role` in a cluster) and says how to run it.
 * `security`: elasticsearch.yml lines in place of "security off"; files they name must
 * already be in `<dir>/config` (copied there by the caller), which is then made the node's.
 */
export async function prepareElasticsearch(
  ctx: ServiceContext,
  role?: ElasticsearchNodeRole,
  security?: string,
  transportPort?: number,
): Promise<Launch> {
  const home = homeDir(ctx);
  const dir = ctx.paths.dir;
  const conf = path.join(dir, 'config');
  if (!fs.existsSync(conf)) fs.cpSync(path.join(home, 'config'), conf, { recursive: true });
  fs.writeFileSync(
    path.join(conf, 'elasticsearch.yml'),
    renderElasticsearchYml(
      dir,
      ctx.port,
      fs.existsSync(path.join(home, 'modules', 'x-pack-security')),
      role,
      security,
      transportPort,
    ),
  );
  for (const sub of ['data', 'logs', 'tmp']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  const env = {
    ...process.env,
    ES_JAVA_HOME: javaHome(ctx.env),
    ES_PATH_CONF: conf,
    ES_JAVA_OPTS: ctx.env.LCS_ES_JAVA_OPTS || '-Xms1g -Xmx1g',
    ES_TMPDIR: path.join(dir, 'tmp'),
    HOME: dir,
  };
  const bin = path.join(home, 'bin', 'elasticsearch');
  if (!ROOT) return { command: bin, args: [], env, cwd: dir };
  const { uid, gid } = await ensureSystemUser(RUN_AS, ctx.log);
  for (const sub of ['config', 'data', 'logs', 'tmp']) chownTree(path.join(dir, sub), uid, gid);
  if (!reachableByOthers(dir)) {
    throw new ServiceError(
      'start-failed',
      `user ${RUN_AS} cannot reach ${dir}: set LCS_SERVICES_DIR to a folder outside a private home directory`,
    );
  }
  // setpriv execs in place (no supervising parent), so the pidfile names the real process group.
  return {
    command: 'setpriv',
    args: [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', bin],
    env,
    cwd: dir,
  };
}

export const elasticsearch: ServiceDef = {
  name: 'elasticsearch',
  endpoint: (host, port) => `http://${host}:${port}`,
  async install(ctx) {
    const home = homeDir(ctx);
    if (ROOT) await ensureSystemUser(RUN_AS, ctx.log);
    if (fs.existsSync(path.join(home, 'bin', 'elasticsearch'))) return;
    const version = esVersion(ctx.env);
    ctx.log(`installing elasticsearch ${version} (maven: org.elasticsearch.distribution.integ-test-zip)…`);
    const zip = await mavenGet(
      'org.elasticsearch.distribution.integ-test-zip',
      'elasticsearch',
      version,
      'zip',
    );
    const staging = `${home}.partial`;
    fs.rmSync(staging, { recursive: true, force: true });
    fs.mkdirSync(staging, { recursive: true, mode: 0o755 });
    const result = await runCommand('unzip', ['-q', zip, '-d', staging]);
    if (result.code !== 0) {
      throw new ServiceError('install-failed', `unzip ${zip} failed:\n${lastLines(result.stderr, 30)}`);
    }
    fs.renameSync(path.join(staging, `elasticsearch-${version}`), home);
    fs.rmSync(staging, { recursive: true, force: true });
  },
  prepare: (ctx) => prepareElasticsearch(ctx),
  probe: (ctx) =>
    httpProbe(
      `http://${HOST}:${ctx.port}/_cluster/health?wait_for_status=yellow&timeout=2s`,
      (status, body) => status === 200 && !/"status"\s*:\s*"red"/.test(body),
      5_000,
    ),
  startTimeoutMs: 180_000,
  stopGraceMs: 30_000,
  hint:
    'see also elasticsearch/logs/lcs-local.log in the services folder (npm run services:status); a corrupt data dir: ' +
    '`npm run services:down -- --purge elasticsearch`; heap: LCS_ES_JAVA_OPTS (default -Xms1g -Xmx1g)',
};
