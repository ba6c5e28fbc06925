// Where the local services live: ports, state directories and the download cache.
// Everything here is a pure function of the environment it is given, so the CLI, the
// tests and the service definitions agree on one layout.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ServiceError } from './errors.ts';

export type ServiceName = 'etcd' | 'kafka' | 'elasticsearch' | 'influxdb' | 'victoriametrics' | 'kube';

/** Start order; `down` walks it backwards. */
export const SERVICE_NAMES: readonly ServiceName[] = [
  'etcd',
  'kafka',
  'elasticsearch',
  'influxdb',
  'victoriametrics',
  'kube',
];

/**
 * What `up` starts when no names are given: not kube, whose first start builds Kubernetes
 * from source (a Go toolchain and many minutes); it starts when named or when tests need it.
 */
export const DEFAULT_SERVICE_NAMES: readonly ServiceName[] = SERVICE_NAMES.filter((n) => n !== 'kube');

export type Env = Readonly<Record<string, string | undefined>>;

export const HOST = '127.0.0.1';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DEFAULT_PORTS: Record<ServiceName, number> = {
  etcd: 2379,
  kafka: 9092,
  elasticsearch: 9200,
  influxdb: 8086,
  victoriametrics: 8428,
  kube: 6443,
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

/** Whether every folder up to `dir` lets other users through (the lcs user runs Elasticsearch). */
export function reachableByOthers(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((fs.statSync(d).mode & 0o001) === 0) return false;
    } catch {
      // Not created yet: its future mode is ours to choose; judge the existing ancestors.
    }
    if (d === path.dirname(d)) return true;
  }
}

/**
 * Root of every service's state: data, log file, pidfile. By default `.lcs/services` in the
 * repo; when root runs a clone inside a private folder (a 0700 temp dir or home), the
 * Elasticsearch user could not reach it, so the state goes to /var/lib/lcs, one folder per clone.
 */
export function servicesDir(env: Env = process.env): string {
  if (env.LCS_SERVICES_DIR) return path.resolve(env.LCS_SERVICES_DIR);
  const inRepo = path.join(REPO_ROOT, '.lcs', 'services');
  if (process.getuid?.() !== 0 || reachableByOthers(inRepo)) return inRepo;
  const id = createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12);
  return path.join('/var/lib/lcs', `services-${id}`);
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
