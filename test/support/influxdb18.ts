// InfluxDB 1.8+ for the v2-compatibility tests: Debian ships 1.6, which has no /api/v2/write.
// The server's source is on the Go module proxy; it is built once per version into
// ~/.cache/lcs/influxdb-<version>/bin (niced, progress printed) and run on a private port
// (LCS_INFLUXDB18_PORT, default the InfluxDB port + 1) with its data under the services dir.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, servicesDir, port as servicePort } from '../../deploy/local/layout.ts';
import { renderInfluxConfig } from '../../deploy/local/influxdb.ts';
import { aptEnsure } from '../../deploy/local/install.ts';
import { waitFor } from './wait.ts';

export const INFLUXDB18_VERSION = process.env.LCS_INFLUXDB18_VERSION ?? 'v1.8.10';

/** A Go toolchain: LCS_GO, `go` on PATH, /usr/local/go; else Debian's golang-go, installed. */
async function findGo(log: (l: string) => void): Promise<string> {
  const candidates = [process.env.LCS_GO, 'go', '/usr/local/go/bin/go', '/usr/bin/go'].filter(
    (c): c is string => !!c,
  );
  for (const go of candidates) if (spawnSync(go, ['version'], { stdio: 'ignore' }).status === 0) return go;
  log('no Go toolchain found: installing Debian golang-go (apt)');
  await aptEnsure([{ name: 'golang-go', provides: '/usr/bin/go' }], log);
  return '/usr/bin/go';
}

/**
 * The influxd binary, built from the module proxy if it is not in the cache yet. `go install
 * -v` prints each package as it compiles (the module download before it is silent). The
 * binary goes to a temporary folder first, so a build that is interrupted or runs twice at
 * once never leaves a half-written binary at the cached path.
 */
export async function ensureInfluxd18(
  log: (l: string) => void = (l) => process.stdout.write(`[influxdb18] ${l}\n`),
): Promise<string> {
  const dir = path.join(cacheDir(), `influxdb-${INFLUXDB18_VERSION.replace(/^v/, '')}`);
  const bin = path.join(dir, 'bin', 'influxd');
  if (fs.existsSync(bin)) return bin;
  const go = await findGo(log);
  const pkg = `github.com/influxdata/influxdb/cmd/influxd@${INFLUXDB18_VERSION}`;
  const tmpBin = path.join(dir, `bin.tmp-${process.pid}`);
  fs.mkdirSync(tmpBin, { recursive: true });
  log(
    `building ${pkg} into ${dir} with ${go}, niced, once: downloads ~460 MB of modules, ~3 min cold on 2 cores`,
  );
  const started = Date.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('nice', ['-n', '15', go, 'install', '-v', pkg], {
      env: { ...process.env, GOBIN: tmpBin, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  const built = path.join(tmpBin, 'influxd');
  if (code !== 0 || !fs.existsSync(built)) {
    fs.rmSync(tmpBin, { recursive: true, force: true });
    throw new Error(
      `building influxd ${INFLUXDB18_VERSION} failed (go install exit ${code}); see the output above`,
    );
  }
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  fs.renameSync(built, bin);
  fs.rmSync(tmpBin, { recursive: true, force: true });
  log(`built ${bin} in ${Math.round((Date.now() - started) / 1000)} s`);
  return bin;
}

export interface Influxd18 {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts influxd 1.8 with empty storage under the services dir (or `dir`). With `auth`, HTTP
 * authentication is on and the given admin user is created first (1.x lets the first admin
 * be created without credentials), so a v2 token `user:password` is really checked.
 */
export async function startInfluxd18(
  opts: { auth?: { user: string; password: string }; port?: number; dir?: string } = {},
): Promise<Influxd18> {
  return startInfluxd({
    bin: await ensureInfluxd18(),
    httpPort: opts.port ?? Number(process.env.LCS_INFLUXDB18_PORT ?? servicePort('influxdb') + 1),
    dir: opts.dir ?? path.join(servicesDir(), 'influxdb18'),
    ...(opts.auth ? { auth: opts.auth } : {}),
  });
}

/**
 * Starts any influxd 1.x binary (Debian's 1.6 at /usr/bin/influxd, or the 1.8 built above) on
 * a private HTTP port with empty storage under `dir`, and with `auth` its first admin user:
 * a private server, so a test may turn authentication on without touching the shared one.
 */
export async function startInfluxd(opts: {
  bin: string;
  httpPort: number;
  dir: string;
  auth?: { user: string; password: string };
}): Promise<Influxd18> {
  const { bin, httpPort, dir: base } = opts;
  const data = path.join(base, 'data');
  fs.rmSync(data, { recursive: true, force: true });
  fs.mkdirSync(data, { recursive: true });
  const config = path.join(base, 'influxdb.conf');
  // RPC (backup) port: the HTTP port + 2, as deploy/local does.
  // The [http] section is the last one, so its auth key can follow it.
  fs.writeFileSync(
    config,
    renderInfluxConfig(data, httpPort, httpPort + 2) + (opts.auth ? '  auth-enabled = true\n' : ''),
  );
  const log = path.join(base, 'influxd.log');
  const child: ChildProcess = spawn(bin, ['run', '-config', config], {
    stdio: ['ignore', fs.openSync(log, 'a'), fs.openSync(log, 'a')],
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    `influxd (${bin}) on ${url}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`influxd exited ${child.exitCode}; see ${log}`);
      const r = await fetch(`${url}/ping`).catch(() => undefined);
      return r?.status === 204;
    },
    { timeoutMs: 30_000 },
  );
  if (opts.auth) {
    const q = `CREATE USER "${opts.auth.user}" WITH PASSWORD '${opts.auth.password}' WITH ALL PRIVILEGES`;
    const r = await fetch(`${url}/query?${new URLSearchParams({ q })}`, { method: 'POST' });
    if (r.status !== 200) throw new Error(`influxd (${bin}): ${q}: HTTP ${r.status} ${await r.text()}`);
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
