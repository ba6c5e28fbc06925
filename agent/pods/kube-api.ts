// The agent's Kubernetes client: where the API is and how to authenticate (in-cluster service
// account or a kubeconfig), and the two calls the agent makes, a list and a watch (NDJSON).
// @kubernetes/client-node, which the operator uses, costs ~90 MB of RSS in a process that
// loads it — on every node, for one list+watch of the node's pods (docs/decisions.md).
//
// Supported credentials: the service account (token re-read as the kubelet rotates it, CA),
// and in a kubeconfig a token, a token file, a client certificate and key (files or data),
// basic auth, a CA (file or data) or insecure-skip-tls-verify. Exec plugins and auth
// providers are refused with a message saying what to use instead: the agent runs in-cluster.

import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export interface KubeAccess {
  server: URL;
  /** Where this came from, for messages ("in-cluster", "kubeconfig /path"). */
  origin: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecure: boolean;
  /** The Authorization header, read fresh each time (token files rotate). */
  authorization(): string | undefined;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_REREAD_MS = 60_000;

type Read = (file: string) => Buffer;

/** A token from a file, re-read at most once a minute (bound tokens rotate hourly). */
function tokenFile(file: string, read: Read): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > TOKEN_REREAD_MS) {
      token = read(file).toString('utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

/** The pod's service account, as every in-cluster client finds it. */
export function inClusterAccess(
  env: Record<string, string | undefined>,
  dir = SERVICE_ACCOUNT_DIR,
  read: Read = fs.readFileSync,
): KubeAccess {
  const host = env['KUBERNETES_SERVICE_HOST'];
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a pod');
  const port = env['KUBERNETES_SERVICE_PORT'] || '443';
  const token = tokenFile(path.join(dir, 'token'), read);
  token(); // fail now, with the path, if the service account is not mounted
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    origin: 'in-cluster service account',
    ca: read(path.join(dir, 'ca.crt')),
    insecure: false,
    authorization: () => `Bearer ${token()}`,
  };
}

interface KubeconfigFile {
  'current-context'?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster?: string; user?: string } }[];
}

/** The current context of a kubeconfig (YAML or JSON); relative paths are against its folder. */
export function kubeconfigAccess(text: string, file: string, read: Read = fs.readFileSync): KubeAccess {
  const doc = (parseYaml(text) ?? {}) as KubeconfigFile;
  const current = doc['current-context'];
  if (!current) throw new Error('has no current-context');
  const context = doc.contexts?.find((c) => c.name === current)?.context;
  if (!context) throw new Error(`has no context named ${current}`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster || typeof cluster['server'] !== 'string')
    throw new Error(`context ${current}: no cluster with a server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  for (const unsupported of ['exec', 'auth-provider'])
    if (user[unsupported])
      throw new Error(
        `context ${current}: the user authenticates with ${unsupported}, which the agent does not run; give it a token, a token file or a client certificate`,
      );
  const dir = path.dirname(file);
  const bytes = (fileKey: string, dataKey: string, from: Record<string, unknown>): Buffer | undefined => {
    const data = from[dataKey];
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    const f = from[fileKey];
    return typeof f === 'string' ? read(path.resolve(dir, f)) : undefined;
  };
  let authorization: () => string | undefined = () => undefined;
  if (typeof user['token'] === 'string') {
    const t = user['token'];
    authorization = () => `Bearer ${t}`;
  } else if (typeof user['tokenFile'] === 'string') {
    const t = tokenFile(path.resolve(dir, user['tokenFile']), read);
    authorization = () => `Bearer ${t()}`;
  } else if (typeof user['username'] === 'string') {
    const basic = Buffer.from(`${user['username']}:${String(user['password'] ?? '')}`).toString('base64');
    authorization = () => `Basic ${basic}`;
  }
  const ca = bytes('certificate-authority', 'certificate-authority-data', cluster);
  const cert = bytes('client-certificate', 'client-certificate-data', user);
  const key = bytes('client-key', 'client-key-data', user);
  return {
    server: new URL(cluster['server']),
    origin: `kubeconfig ${file}`,
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    authorization,
  };
}

/** A non-2xx answer; `code` is the HTTP status (what agent/pods/errors.ts classifies by). */
export class KubeHttpError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'KubeHttpError';
    this.code = code;
  }
}

function request(
  access: KubeAccess,
  apiPath: string,
  query: Record<string, string>,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  const url = new URL(apiPath, access.server);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const auth = access.authorization();
  const options: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: 'application/json', ...(auth ? { Authorization: auth } : {}) },
    ...(signal ? { signal } : {}),
  };
  if (url.protocol === 'https:') {
    if (access.ca) options.ca = access.ca;
    if (access.cert) options.cert = access.cert;
    if (access.key) options.key = access.key;
    options.rejectUnauthorized = !access.insecure;
  }
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, options, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function failure(res: http.IncomingMessage, what: string): Promise<KubeHttpError> {
  let body = '';
  for await (const chunk of res) if (body.length < 4096) body += String(chunk);
  let reason = res.statusMessage ?? '';
  try {
    const status = JSON.parse(body) as { message?: string };
    if (status.message) reason = status.message;
  } catch {
    // not a Status object
  }
  return new KubeHttpError(res.statusCode ?? 0, `${what}: HTTP ${res.statusCode} ${reason}`.trim());
}

/** GET a JSON object. */
export async function getJson<T>(
  access: KubeAccess,
  apiPath: string,
  query: Record<string, string>,
  signal?: AbortSignal,
): Promise<T> {
  const res = await request(access, apiPath, query, signal);
  if (res.statusCode !== 200) throw await failure(res, `GET ${apiPath}`);
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res) body += chunk;
  return JSON.parse(body) as T;
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/**
 * Streams a watch (`watch=true` is added): `onOpen` once the server answered 200, `onEvent`
 * per line. Resolves when the server ends the stream, rejects on a non-200 answer, a broken
 * connection, or when `onEvent` throws (which aborts the stream).
 */
export async function watch<T>(
  access: KubeAccess,
  apiPath: string,
  query: Record<string, string>,
  handlers: { onOpen?: () => void; onEvent: (e: WatchEvent<T>) => void },
  signal?: AbortSignal,
): Promise<void> {
  const res = await request(access, apiPath, { ...query, watch: 'true' }, signal);
  if (res.statusCode !== 200) throw await failure(res, `watch ${apiPath}`);
  handlers.onOpen?.();
  res.setEncoding('utf8');
  let partial = '';
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      partial += chunk;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl).trim();
        partial = partial.slice(nl + 1);
        if (line) handlers.onEvent(JSON.parse(line) as WatchEvent<T>);
      }
    }
  } finally {
    res.destroy();
  }
}
