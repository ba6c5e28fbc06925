// A single-node Elasticsearch with issue 14's secured mode, for tests: security on, HTTPS with
// a PEM certificate and key from the test PKI (test/support/tls.ts), the built-in `elastic`
// user's password set by the bootstrap password in the node's keystore, and users of the file
// realm each with a role of its own, written to roles.yml, that allows only what it is given.
// Not API keys: they live in the `.security` index, and the distribution the local services
// use (the integ-test-zip) cannot create that index (its settings need the analysis-common
// module's `pattern_capture` filter, which that zip leaves out, and Maven Central does not
// serve the module): Elasticsearch answers every create-API-key request with 400. A file
// realm role takes the same role descriptor as an API key. Same distribution and JVM as
// deploy/local/elasticsearch.ts (as root it runs as the user `lcs`, which must reach `dir`);
// its own port, config and data directory. Transport stays plain: one node bound to loopback
// talks to no other node, and Elasticsearch requires transport TLS only in production mode
// (a non-loopback address) or a cluster of several nodes.

import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { elasticsearch, homeDir, javaHome, prepareElasticsearch } from '../../deploy/local/elasticsearch.ts';
import { cacheDir, reachableByOthers } from '../../deploy/local/layout.ts';
import { livePid, spawnDetached, stopProcess, tailFile } from '../../deploy/local/process.ts';
import type { ServiceContext } from '../../deploy/local/service.ts';
import type { TestPki } from './tls.ts';
import { waitFor } from './wait.ts';

/** A role descriptor (the same shape as an API key's role_descriptors): what a user may do. */
export interface RoleDescriptor {
  cluster?: string[];
  indices?: { names: string[]; privileges: string[] }[];
}

export interface SecuredElasticsearchOptions {
  /** Config, data and logs: `<dir>/{config,data,logs}`. As root, `lcs` must reach it. */
  dir: string;
  port: number;
  /** The transport port (bound, unused by one node); default the HTTP port + 100. */
  transportPort?: number;
  pki: TestPki;
  /** File realm users (name → password and the one role they get, named after them). */
  users: Record<string, { password: string; role: RoleDescriptor }>;
}

/** Whom a request is made as: `elastic` (the super user) unless a user or an API key is given. */
export type EsAuth = { user: string; password: string } | { apiKey: string };

export interface EsAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Elasticsearch answers vary per API
  body: any;
}

export interface SecuredElasticsearch {
  url: string;
  logFile: string;
  /** A request over HTTPS trusting the test CA; any status is returned, not thrown. */
  request(method: string, path: string, body?: unknown, auth?: EsAuth): Promise<EsAnswer>;
  count(pattern: string, query?: unknown): Promise<number>;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const ELASTIC_PASSWORD = 'elastic-secret-1';

export async function startSecuredElasticsearch(
  o: SecuredElasticsearchOptions,
): Promise<SecuredElasticsearch> {
  const ctx: ServiceContext = {
    name: 'elasticsearch',
    port: o.port,
    paths: {
      dir: o.dir,
      data: join(o.dir, 'data'),
      logFile: join(o.dir, 'elasticsearch.log'),
      pidFile: join(o.dir, 'elasticsearch.pid'),
    },
    cache: cacheDir(process.env),
    env: { ...process.env, LCS_ES_JAVA_OPTS: '-Xms512m -Xmx512m' },
    log: () => {},
  };
  if (process.getuid?.() === 0 && !reachableByOthers(o.dir))
    throw new Error(`the user lcs, which runs Elasticsearch as root, cannot reach ${o.dir}`);
  await elasticsearch.install!(ctx);
  const home = homeDir(ctx);
  const conf = join(o.dir, 'config');
  if (!existsSync(conf)) cpSync(join(home, 'config'), conf, { recursive: true });
  // Elasticsearch reads TLS files only from inside its config directory.
  const certs = join(conf, 'certs');
  mkdirSync(certs, { recursive: true });
  copyFileSync(o.pki.serverCert, join(certs, 'http.crt'));
  copyFileSync(o.pki.serverKey, join(certs, 'http.key'));
  copyFileSync(o.pki.ca, join(certs, 'ca.crt'));
  // The bootstrap password is the `elastic` user's until someone sets another; it lives in
  // the keystore, a secure setting, never in elasticsearch.yml.
  const toolEnv = { ...process.env, ES_JAVA_HOME: javaHome(process.env), ES_PATH_CONF: conf };
  const keystore = join(home, 'bin', 'elasticsearch-keystore');
  if (!existsSync(join(conf, 'elasticsearch.keystore')))
    execFileSync(keystore, ['create'], { env: toolEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync(keystore, ['add', '--force', '--stdin', 'bootstrap.password'], {
    env: toolEnv,
    input: ELASTIC_PASSWORD,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  // The file realm: users and users_roles by the distribution's own tool (it hashes the
  // password), roles.yml written here (a JSON object a line is YAML). Elasticsearch reads them at start.
  const users = join(home, 'bin', 'elasticsearch-users');
  const roles: Record<string, RoleDescriptor> = {};
  for (const [name, u] of Object.entries(o.users)) {
    roles[`role_${name}`] = u.role;
    execFileSync(users, ['useradd', name, '-p', u.password, '-r', `role_${name}`], {
      env: toolEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }
  // One role a line, `name: {JSON}` (a YAML flow mapping): Elasticsearch's FileRolesStore
  // cuts the file into roles at each line that starts in column 0, so one pretty-printed
  // JSON object holding several roles loses every role but the first.
  writeFileSync(
    join(conf, 'roles.yml'),
    Object.entries(roles)
      .map(([name, role]) => `${name}: ${JSON.stringify(role)}\n`)
      .join(''),
  );
  const launch = await prepareElasticsearch(
    ctx,
    undefined,
    `xpack.security.enabled: true
xpack.security.autoconfiguration.enabled: false
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.certificate: certs/http.crt
xpack.security.http.ssl.key: certs/http.key
xpack.security.http.ssl.certificate_authorities: [certs/ca.crt]
xpack.security.transport.ssl.enabled: false
xpack.security.authc.realms.file.file1.order: 0
xpack.security.authc.realms.native.native1.order: 1
`,
    o.transportPort,
  );
  writeFileSync(ctx.paths.logFile, '');
  spawnDetached(launch, ctx.paths.logFile, ctx.paths.pidFile);
  const url = `https://${HOST}:${o.port}`;
  const ca = readFileSync(o.pki.ca);
  const authorization = (auth?: EsAuth): string => {
    if (auth && 'apiKey' in auth) return `ApiKey ${auth.apiKey}`;
    const [user, password] = auth ? [auth.user, auth.password] : ['elastic', ELASTIC_PASSWORD];
    return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  };
  const request = (method: string, path: string, body?: unknown, auth?: EsAuth): Promise<EsAnswer> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = httpsRequest(
        `${url}${path}`,
        {
          method,
          ca,
          timeout: 30_000,
          headers: {
            'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json',
            authorization: authorization(auth),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  await waitFor(
    `the secured Elasticsearch on ${url} (log: ${ctx.paths.logFile})`,
    async () => {
      if (livePid(ctx.paths.pidFile) === undefined)
        throw new Error(
          `the secured Elasticsearch exited during start-up:\n${tailFile(ctx.paths.logFile, 30)}`,
        );
      try {
        const r = await request('GET', '/_cluster/health?wait_for_status=yellow&timeout=2s');
        return r.status === 200;
      } catch {
        return false;
      }
    },
    { timeoutMs: 240_000, intervalMs: 1000 },
  );
  return {
    url,
    logFile: ctx.paths.logFile,
    request,
    async count(pattern, query) {
      const r = await request(
        'POST',
        `/${pattern}/_count?ignore_unavailable=true&allow_no_indices=true`,
        query ? { query } : undefined,
      );
      if (r.status !== 200) throw new Error(`count ${pattern}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.count as number;
    },
    async stop() {
      await stopProcess(ctx.paths.pidFile, 30_000);
    },
  };
}
