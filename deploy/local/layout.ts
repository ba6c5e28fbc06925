// Where the local services live: ports, state directories and the download cache.
// Everything here is a pure function of the environment it is given, so the CLI, the
// tests and the service definitions agree on one layout.
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ServiceError } from './errors.ts';

export type ServiceName = 'etcd' | 'kafka' | 'elasticsearch' | 'influxdb' | 'victoriametrics';

/** Start order; `down` walks it backwards. */
export const SERVICE_NAMES: readonly ServiceName[] = [
  'etcd',
  'kafka',
  'elasticsearch',
  'influxdb',
  'victoriametrics',
];

export type Env = Readonly<Record<string, string | undefined>>;

export const HOST = '127.0.0.1';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DEFAULT_PORTS: Record<ServiceName, number> = {
  etcd: 2379,
  kafka: 9092,
  elasticsearch: 9200,
  influxdb: 8086,
  victoriametrics: 8428,
};

export function portEnvKey(name: ServiceName): string {
  return `LCS_${name.toUpperCase()}_PORT`;
}

export function port(name: ServiceName, env: Env = process.env): number {
  const key = portEnvKey(name);
  const raw = env[key];
  if (raw === undefined || raw === '') return DEFAULT_PORTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ServiceError('bad-config', `${key}=${raw} is not a TCP port (1-65535)`);
  }
  return value;
}

/** Root of every service's state: data, log file, pidfile. */
export function servicesDir(env: Env = process.env): string {
  return path.resolve(env.LCS_SERVICES_DIR || path.join(REPO_ROOT, '.lcs', 'services'));
}

/** Downloads and unpacked distributions, outside the repo so fresh clones reuse them. */
export function cacheDir(env: Env = process.env): string {
  return path.resolve(env.LCS_CACHE_DIR || path.join(env.HOME || os.homedir(), '.cache', 'lcs'));
}

export interface ServicePaths {
  dir: string;
  data: string;
  logFile: string;
  pidFile: string;
}

export function servicePaths(name: ServiceName, env: Env = process.env): ServicePaths {
  const dir = path.join(servicesDir(env), name);
  return {
    dir,
    data: path.join(dir, 'data'),
    logFile: path.join(dir, `${name}.log`),
    pidFile: path.join(dir, `${name}.pid`),
  };
}
