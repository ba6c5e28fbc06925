// An HTTP Kubernetes API-server double for tests: the real @kubernetes/client-node talks to
// it through a kubeconfig. It serves LogCollections (with /status), Leases, core Events and
// Pods (with /status): list, get, create, replace, merge/JSON patch, delete, and watch=true
// NDJSON streams from a resourceVersion (410 Gone once that version left the retained
// history); lists and watches honour labelSelector and fieldSelector. Tests can drop
// every watch stream, forget the history, inject failures and read the request log.
// docs/kube-api-double.md says what it does not model.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ObjectStore, type PatchType, type StoreEvent, type Subresource } from './store.ts';
import { selectionOf } from './selectors.ts';

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  contentType: string | undefined;
  status: number;
  watch: boolean;
  /** A watch answered with the 410 Expired ERROR event. */
  expired?: boolean;
}

interface Fault {
  method?: string;
  pathIncludes?: string;
  status: number;
  remaining: number;
}

interface Route {
  plural: string;
  namespace: string | undefined;
  name: string | undefined;
  sub: Subresource;
}

const TOKEN = 'lcs-test-token';

export function parseRoute(path: string): Route | undefined {
  const p = path.split('/').filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  if (p[0] === 'api' && p[1] === 'v1') rest = p.slice(2);
  else if (p[0] === 'apis' && p.length >= 3) rest = p.slice(3);
  else return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub, extra] = rest;
  if (!plural || extra !== undefined || (sub !== undefined && sub !== 'status')) return undefined;
  return { plural, namespace, name, sub: sub === 'status' ? 'status' : 'main' };
}

const statusBody = (code: number, reason: string, message: string) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
});

export class KubeApiDouble {
  readonly store: ObjectStore;
  readonly requests: LoggedRequest[] = [];
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();
  private readonly faults: Fault[] = [];
  private port = 0;

  constructor(store = new ObjectStore()) {
    this.store = store;
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig (YAML is a superset of JSON) for KubeConfig.loadFromString. client-node
   *  refuses plain http unless TLS verification is off, which is meaningless without TLS. */
  kubeconfig(namespace = 'default'): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'double', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: TOKEN } }],
      contexts: [{ name: 'double', context: { cluster: 'double', user: 'test', namespace } }],
      'current-context': 'double',
    });
  }

  /** Ends every open watch stream, as an API server restart or a load balancer would. */
  dropWatches(): number {
    const n = this.streams.size;
    for (const s of this.streams) s.destroy();
    this.streams.clear();
    return n;
  }

  /** Ends every open watch stream cleanly, as the API server does when a watch times out. */
  endWatches(): number {
    const n = this.streams.size;
    for (const s of this.streams) s.end();
    this.streams.clear();
    return n;
  }

  get openWatches(): number {
    return this.streams.size;
  }

  /** Sends a BOOKMARK with the current resourceVersion on every open watch. */
  bookmark(): void {
    for (const s of this.streams) {
      const kind = (s as ServerResponse & { lcsKind?: string }).lcsKind ?? '';
      s.write(
        JSON.stringify({
          type: 'BOOKMARK',
          object: { kind, metadata: { resourceVersion: this.store.resourceVersion } },
        }) + '\n',
      );
    }
  }

  /** The next `count` requests matching get `status` (a Kubernetes Status error). */
  fail(opts: { method?: string; pathIncludes?: string; status?: number; count?: number }): void {
    this.faults.push({
      method: opts.method,
      pathIncludes: opts.pathIncludes,
      status: opts.status ?? 500,
      remaining: opts.count ?? 1,
    });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Successful writes to a /status subresource (optionally of one object). */
  statusWrites(name?: string): LoggedRequest[] {
    return this.requests.filter(
      (r) =>
        (r.method === 'PATCH' || r.method === 'PUT') &&
        r.status < 300 &&
        r.path.endsWith('/status') &&
        (name === undefined || r.path.endsWith(`/${name}/status`)),
    );
  }

  async stop(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams.toString(),
      contentType: req.headers['content-type'],
      status: 0,
      watch,
    };
    this.requests.push(entry);
    const send = (status: number, body: unknown) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    try {
      if (req.headers.authorization !== `Bearer ${TOKEN}`)
        throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const fault = this.faults.find(
        (f) =>
          f.remaining > 0 &&
          (!f.method || f.method === entry.method) &&
          (!f.pathIncludes || `${entry.path}?${entry.query}`.includes(f.pathIncludes)),
      );
      if (fault) {
        fault.remaining--;
        throw new ApiError(
          fault.status,
          fault.status === 500 ? 'InternalError' : 'ServiceUnavailable',
          'injected failure',
        );
      }
      const route = parseRoute(url.pathname);
      if (!route)
        throw new ApiError(
          404,
          'NotFound',
          `the server could not find the requested resource (${url.pathname})`,
        );
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readBody(req);
      const { store } = this;
      const { plural, namespace, name, sub } = route;
      const needNs = () => {
        if (namespace === undefined) throw new ApiError(405, 'MethodNotAllowed', 'a namespace is required');
        return namespace;
      };
      switch (req.method) {
        case 'GET':
          if (name !== undefined) return send(200, store.get(plural, needNs(), name));
          if (watch) return this.watch(res, entry, plural, namespace, url.searchParams);
          {
            const t = store.type(plural);
            const { items: all, resourceVersion } = store.list(plural, namespace);
            const items = all.filter(selectionOf(plural, url.searchParams).matches);
            return send(200, {
              apiVersion: t.group ? `${t.group}/${t.version}` : t.version,
              kind: `${t.kind}List`,
              metadata: { resourceVersion },
              items,
            });
          }
        case 'POST':
          if (name !== undefined) throw new ApiError(405, 'MethodNotAllowed', 'POST to a named object');
          return send(201, store.create(plural, needNs(), body));
        case 'PUT':
          return send(200, store.update(plural, needNs(), requireName(name), body, sub));
        case 'PATCH': {
          const type: PatchType | undefined = entry.contentType?.startsWith('application/merge-patch+json')
            ? 'merge'
            : entry.contentType?.startsWith('application/json-patch+json')
              ? 'json'
              : undefined;
          if (!type)
            throw new ApiError(
              415,
              'UnsupportedMediaType',
              `the double supports merge and JSON patch only, got ${entry.contentType}`,
            );
          return send(200, store.patch(plural, needNs(), requireName(name), type, body, sub));
        }
        case 'DELETE':
          return send(200, store.delete(plural, needNs(), requireName(name)));
        default:
          throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not supported`);
      }
    } catch (err) {
      if (err instanceof ApiError) return send(err.status, statusBody(err.status, err.reason, err.message));
      return send(500, statusBody(500, 'InternalError', err instanceof Error ? err.message : String(err)));
    }
  }

  private watch(
    res: ServerResponse,
    entry: LoggedRequest,
    plural: string,
    namespace: string | undefined,
    q: URLSearchParams,
  ): void {
    const t = this.store.type(plural);
    // A bad selector is a 400 before the stream starts, as on the real server.
    const selection = selectionOf(plural, q);
    entry.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Clients wait for the headers before they consider the watch established.
    res.flushHeaders();
    // After end() (a timeout, endWatches) events may still come before 'close' unsubscribes.
    const line = (type: string, object: unknown) =>
      res.writableEnded || res.write(JSON.stringify({ type, object }) + '\n');
    const backlog = this.store.since(plural, namespace, q.get('resourceVersion') ?? undefined);
    if (backlog === 'expired') {
      // The real API server answers 200 and sends the 410 as an ERROR event, then closes.
      entry.expired = true;
      line(
        'ERROR',
        statusBody(
          410,
          'Expired',
          `too old resource version: ${q.get('resourceVersion')} (${this.store.resourceVersion})`,
        ),
      );
      res.end();
      return;
    }
    (res as ServerResponse & { lcsKind?: string }).lcsKind = t.kind;
    this.streams.add(res);
    const send = (ev: StoreEvent) => {
      const seen = selection.view(ev);
      if (seen) line(seen.type, seen.object);
    };
    for (const ev of backlog) send(ev);
    const off = this.store.onEvent((ev: StoreEvent) => {
      if (ev.plural === plural && (namespace === undefined || ev.object.metadata.namespace === namespace))
        send(ev);
    });
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      off();
      if (timer) clearTimeout(timer);
      this.streams.delete(res);
    });
  }
}

function requireName(name: string | undefined): string {
  if (name === undefined) throw new ApiError(405, 'MethodNotAllowed', 'this method needs an object name');
  return name;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'BadRequest', 'the body is not valid JSON');
  }
}
