// InfluxDB 1.8+ for the v2-compatibility tests: Debian ships 1.6, which has no /api/v2/write.
// The server's source is on the Go module proxy; it is built once per version into
// ~/.cache/lcs/influxdb-<version>/bin (niced, progress printed) and run on a private port
// (LCS_INFLUXDB18_PORT, default the InfluxDB port + 1) with its data under the services dir.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, port as servicePort } from '../../deploy/local/layout.ts';
import { renderInfluxConfig } from '../../deploy/local/influxdb.ts';
import { waitFor } from './wait.ts';

export const INFLUXDB18_VERSION = process.env.LCS_INFLUXDB18_VERSION ?? 'v1.8.10';

/** The influxd binary, built from the module proxy if it is not in the cache yet. */
export function ensureInfluxd18(
  log: (l: string) => void = (l) => process.stdout.write(`[influxdb18] ${l}\n`),
): string {
  const dir = path.join(cacheDir(), `influxdb-${INFLUXDB18_VERSION.replace(/^v/, '')}`);
  const bin = path.join(dir, 'bin', 'influxd');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  log(
    `building github.com/influxdata/influxdb/cmd/influxd@${INFLUXDB18_VERSION} into ${dir} (a few minutes, once)`,
  );
  const r = spawnSync(
    'nice',
    ['-n', '15', 'go', 'install', '-x', `github.com/influxdata/influxdb/cmd/influxd@${INFLUXDB18_VERSION}`],
    {
      env: { ...process.env, GOBIN: path.join(dir, 'bin'), CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (r.status !== 0 || !fs.existsSync(bin))
    throw new Error(`building influxd ${INFLUXDB18_VERSION} failed (exit ${r.status})`);
  log(`built ${bin}`);
  return bin;
}

export interface Influxd18 {
  url: string;
  stop(): Promise<void>;
}

export async function startInfluxd18(): Promise<Influxd18> {
  const bin = ensureInfluxd18();
  const httpPort = Number(process.env.LCS_INFLUXDB18_PORT ?? servicePort('influxdb') + 1);
  const base = path.join(process.env.LCS_SERVICES_DIR ?? path.join(cacheDir(), 'services'), 'influxdb18');
  const data = path.join(base, 'data');
  fs.mkdirSync(data, { recursive: true });
  const config = path.join(base, 'influxdb.conf');
  // RPC (backup) port: the HTTP port + 2, as deploy/local does for 1.6.
  fs.writeFileSync(config, renderInfluxConfig(data, httpPort, httpPort + 2));
  const child: ChildProcess = spawn(bin, ['run', '-config', config], {
    stdio: [
      'ignore',
      fs.openSync(path.join(base, 'influxd.log'), 'a'),
      fs.openSync(path.join(base, 'influxd.log'), 'a'),
    ],
  });
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    `influxd ${INFLUXDB18_VERSION} on ${url}`,
    async () => {
      if (child.exitCode !== null)
        throw new Error(`influxd exited ${child.exitCode}; see ${base}/influxd.log`);
      const r = await fetch(`${url}/ping`).catch(() => undefined);
      return r?.status === 204;
    },
    { timeoutMs: 30_000 },
  );
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
