// The console's HTTP server: the JSON API (docs/console.md), server-sent events fed by the
// etcd watches, and the web UI (console/ui/, TypeScript served as JavaScript by stripping
// its types, so no build step and nothing from a CDN).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchesGlob } from 'node:path';
import { collectEntrySchema, parseCollectEntry, indexBase } from '../common/schema/collect-entry.ts';
import {
  AUDIT_PREFIX,
  COLLECT_PREFIX,
  STATUS_PREFIX,
  TRASH_PREFIX,
  collectionNameOf,
  keyOfCollection,
} from '../common/keyspace.ts';
import type { Logger } from '../common/observe/logger.ts';
import { describeError } from '../common/errors.ts';
import type { Authenticator, Principal } from './auth/authenticator.ts';
import { SESSION_COOKIE } from './auth/session.ts';
import { HttpError, SECURITY_HEADERS, int, openEvents, readJson, sendError, sendJson, str } from './http.ts';
import type { LiveView } from './live.ts';
import { ConsoleStore, StoreError, writableKey, type Actor } from './store.ts';
import type { LogSearch } from './search.ts';
import type { DeadLetters } from './dlq.ts';
import type { HostMetricsReader } from './hosts.ts';
import { uiAsset } from './ui-assets.ts';

export interface ConsoleServerDeps {
  auth: Authenticator;
  store: ConsoleStore;
  live: LiveView;
  search?: LogSearch;
  dlq?: DeadLetters;
  hosts?: HostMetricsReader;
  logger: Logger;
  /** Key prefixes the Keys view may show (never the whole etcd: kube-apiserver may share it). */
  keyPrefixes: string[];
  /** Whether the session cookie is marked Secure (the console is served over HTTPS). */
  secureCookie: boolean;
  tailPollMs?: number;
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  p: Principal,
  m: RegExpExecArray,
  url: URL,
) => Promise<void>;

export class ConsoleServer {
  private readonly d: ConsoleServerDeps;
  private server: Server | undefined;
  private readonly routes: [string, RegExp, Handler][] = [];
  requests = 0;
  errors = 0;

  constructor(d: ConsoleServerDeps) {
    this.d = d;
    const r = (method: string, pattern: string, h: Handler) =>
      this.routes.push([method, new RegExp(`^${pattern}$`), h]);
    r('GET', '/api/me', async (_q, res, p) => this.me(res, p));
    r('POST', '/api/logout', async (_q, res) =>
      sendJson(res, 204, null, {
        'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`,
      }),
    );
    r('GET', '/api/schema', async (_q, res) =>
      sendJson(res, 200, collectEntrySchema.toJsonSchema('json-schema')),
    );
    r('POST', '/api/validate', async (req, res) => {
      const body = await readJson(req);
      const parsed = parseCollectEntry(body.entry);
      sendJson(res, 200, parsed.ok ? { ok: true, issues: [] } : { ok: false, issues: parsed.issues });
    });
    r('GET', '/api/collections', async (_q, res, p, _m, url) => {
      const limit = Math.min(5000, Math.max(1, Number(url.searchParams.get('limit') ?? 500) || 500));
      const q = url.searchParams.get('q') ?? undefined;
      const after = url.searchParams.get('after') ?? undefined;
      const page = d.live.collections({
        limit,
        ...(q ? { q } : {}),
        ...(after ? { after } : {}),
        visible: (key) => d.auth.canRead(p, key),
      });
      sendJson(res, 200, { revision: d.live.revision, ...page });
    });
    r('GET', '/api/collections/([^/]+)', async (_q, res, p, m) =>
      this.collection(res, p, decodeURIComponent(m[1]!)),
    );
    r('PUT', '/api/collections/([^/]+)', async (req, res, p, m) => {
      const name = decodeURIComponent(m[1]!);
      const key = writableKey(name);
      d.auth.authorizeWrite(req, p, key, 'editor');
      const body = await readJson(req);
      const modRevision = await d.store.saveEntry(name, body.entry, int(body, 'revision'), actor(req, p));
      sendJson(res, int(body, 'revision') === 0 ? 201 : 200, { name, modRevision });
    });
    r('DELETE', '/api/collections/([^/]+)', async (req, res, p, m, url) => {
      const name = decodeURIComponent(m[1]!);
      const key = writableKey(name);
      d.auth.authorizeWrite(req, p, key, 'editor');
      const revision = int({ revision: url.searchParams.get('revision') ?? '' }, 'revision');
      sendJson(res, 200, { trash: await d.store.deleteEntry(name, revision, actor(req, p)) });
    });
    r('GET', '/api/collections/([^/]+)/history', async (_q, res, p, m) => {
      const name = decodeURIComponent(m[1]!);
      const key = keyOfCollection(name);
      if (!key) throw new HttpError(404, `"${name}" is not a collection name`);
      d.auth.authorizeRead(p, key);
      const h = await d.store.history(key);
      sendJson(res, 200, {
        versions: h.versions,
        ...(h.compacted ? { compactedBefore: h.versions.at(-1)?.modRevision } : {}),
      });
    });
    r('POST', '/api/collections/([^/]+)/rollback', async (req, res, p, m) => {
      const name = decodeURIComponent(m[1]!);
      const key = writableKey(name);
      d.auth.authorizeWrite(req, p, key, 'editor');
      const body = await readJson(req);
      const modRevision = await d.store.rollback(
        name,
        int(body, 'toRevision'),
        int(body, 'revision'),
        actor(req, p),
      );
      sendJson(res, 200, { name, modRevision });
    });
    r('POST', '/api/match', async (req, res) => this.match(res, await readJson(req)));
    r('GET', '/api/trash', async (_q, res, p) => {
      const items = (await d.store.trash()).filter((i) => d.auth.canRead(p, i.key));
      sendJson(res, 200, { items });
    });
    r('POST', '/api/trash/([^/]+)/restore', async (req, res, p, m) => {
      const id = decodeURIComponent(m[1]!);
      const item = (await d.store.trash()).find((i) => i.id === id);
      if (!item) throw new HttpError(404, `nothing in the recycle bin with id ${id}`);
      d.auth.authorizeWrite(req, p, item.key, 'editor');
      sendJson(res, 200, await d.store.restore(id, actor(req, p)));
    });
    r('GET', '/api/audit', async (_q, res, p, _m, url) => {
      d.auth.authorizeRead(p, AUDIT_PREFIX);
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100) || 100);
      const key = url.searchParams.get('key') ?? undefined;
      const before = url.searchParams.get('before') ?? undefined;
      const page = await d.store.audit({ limit, ...(key ? { key } : {}), ...(before ? { before } : {}) });
      sendJson(res, 200, { ...page, records: page.records.filter((x) => d.auth.canRead(p, x.key)) });
    });
    r('GET', '/api/nodes', async (_q, res, p) => {
      d.auth.authorizeRead(p, STATUS_PREFIX);
      sendJson(res, 200, {
        agents: d.live.nodesOf('agent'),
        transfers: d.live.nodesOf('transfer'),
        metrics: d.live.nodesOf('metrics'),
        staleAfterSec: d.live.rollout('').staleAfterSec,
      });
    });
    r('GET', '/api/hosts/([^/]+)', async (_q, res, p, m) => {
      d.auth.authorizeRead(p, STATUS_PREFIX);
      if (!d.hosts)
        throw new HttpError(503, 'no InfluxDB is configured for the console (console.influxdb.url)');
      sendJson(res, 200, await d.hosts.latest(decodeURIComponent(m[1]!)));
    });
    r('GET', '/api/keys', async (_q, res, p, _m, url) => this.keys(res, p, url));
    r('GET', '/api/key', async (_q, res, p, _m, url) => this.key(res, p, url));
    r('PUT', '/api/key', async (req, res, p) => {
      const body = await readJson(req);
      const key = str(body, 'key');
      this.keyAllowed(key);
      d.auth.authorizeWrite(req, p, key, 'admin');
      if (typeof body.value !== 'string')
        throw new HttpError(400, 'value must be a string (the raw etcd value)');
      const modRevision = await d.store.putKey(key, body.value, int(body, 'revision'), actor(req, p));
      sendJson(res, 200, { key, modRevision });
    });
    r('GET', '/api/search', async (_q, res, p, _m, url) => this.searchLogs(res, p, url));
    r('GET', '/api/tail', async (req, res, p, _m, url) => this.tail(req, res, p, url));
    r('GET', '/api/events', async (req, res) => this.events(req, res));
    r('GET', '/api/dlq', async (_q, res, p, _m, url) => {
      const c = this.readableCollection(p, url.searchParams.get('collection') ?? '');
      if (!d.dlq) throw new HttpError(503, 'no Kafka is configured for the console (kafka.brokers)');
      const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100) || 100);
      sendJson(res, 200, { topic: `${c.topic}.dlq`, records: await d.dlq.read(`${c.topic}.dlq`, limit) });
    });
    r('POST', '/api/dlq/replay', async (req, res, p) => {
      const body = await readJson(req);
      const c = this.readableCollection(p, str(body, 'collection'));
      d.auth.authorizeWrite(req, p, c.key, 'admin');
      if (!d.dlq) throw new HttpError(503, 'no Kafka is configured for the console (kafka.brokers)');
      const picks = Array.isArray(body.records) ? body.records : [];
      const records = picks.map((x, i) => {
        const o = (x ?? {}) as Record<string, unknown>;
        if (!Number.isInteger(o.partition) || typeof o.offset !== 'string')
          throw new HttpError(400, `records[${i}] must be {partition: <int>, offset: "<string>"}`);
        return { partition: o.partition as number, offset: o.offset };
      });
      if (!records.length) throw new HttpError(400, 'records must name at least one {partition, offset}');
      // The audit record first: if it cannot be written, nothing is replayed.
      await d.store.recordAction('dlq-replay', c.key, actor(req, p), { topic: `${c.topic}.dlq`, records });
      sendJson(res, 200, await d.dlq.replay(`${c.topic}.dlq`, c.topic!, records));
    });
  }

  async listen(hostPort: string): Promise<string> {
    const i = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(hostPort.slice(i + 1));
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.headersTimeout = 20_000;
    this.server.requestTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    return `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const s = this.server;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const url = new URL(req.url ?? '/', 'http://console');
    try {
      if (!url.pathname.startsWith('/api/')) return await this.asset(req, res, url.pathname);
      if (url.pathname === '/api/login' && req.method === 'POST') return await this.login(req, res);
      const p = this.d.auth.identify(req);
      for (const [method, re, h] of this.routes) {
        const m = re.exec(url.pathname);
        if (!m || method !== req.method) continue;
        if (!p) {
          if (url.pathname === '/api/me')
            return sendJson(res, 200, { user: null, roles: [], readOnly: false, needLogin: true });
          throw new HttpError(401, 'log in first (POST /api/login) or send a bearer token');
        }
        return await h(req, res, p, m, url);
      }
      throw new HttpError(
        this.routes.some(([, re]) => re.test(url.pathname)) ? 405 : 404,
        `no ${req.method} ${url.pathname}`,
      );
    } catch (err) {
      const status = err instanceof HttpError || err instanceof StoreError ? err.status : 500;
      if (status >= 500) {
        this.errors++;
        this.d.logger.warn('request failed', {
          method: req.method,
          path: url.pathname,
          error: describeError(err),
        });
      }
      if (!res.headersSent) sendError(res, err);
      else res.end();
    }
  }

  private me(res: ServerResponse, p: Principal): void {
    sendJson(res, 200, {
      user: p.name,
      kind: p.kind,
      roles: p.grants,
      readOnly: this.d.auth.readOnly,
      ...(p.cookie ? { csrf: this.d.auth.csrfOf(p) } : {}),
    });
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const s = await this.d.auth.login(
      str(body, 'user'),
      typeof body.password === 'string' ? body.password : '',
    );
    const cookie = [
      `${SESSION_COOKIE}=${s.cookie}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${s.maxAgeSec}`,
    ];
    if (this.d.secureCookie) cookie.push('Secure');
    sendJson(
      res,
      200,
      { user: s.principal.name, roles: s.principal.grants, csrf: s.csrf },
      { 'set-cookie': cookie.join('; ') },
    );
  }

  private collection(res: ServerResponse, p: Principal, name: string): void {
    const c = this.d.live.collection(name);
    if (!c || !this.d.auth.canRead(p, c.key)) throw new HttpError(404, `no collection ${name}`);
    const raw = this.d.live.rawValue(c.key);
    sendJson(res, 200, { ...c, raw: raw?.value, rollout: this.d.live.rollout(name) });
  }

  private readableCollection(p: Principal, name: string) {
    const c = this.d.live.collection(name);
    if (!c || !this.d.auth.canRead(p, c.key) || !c.topic)
      throw new HttpError(404, `no collection ${name || '(none given)'}`);
    return c;
  }

  /** The files the reporting agents tail or have seen that a source's paths match. */
  private match(res: ServerResponse, body: Record<string, unknown>): void {
    const parsed = parseCollectEntry({ source: body.source, topic: 'match-check' });
    if (!parsed.ok)
      throw new StoreError(400, 'the source does not validate', {
        issues: parsed.issues.filter((i) => i.path.startsWith('source')),
      });
    const source = parsed.value.source;
    const nodes = [];
    for (const a of this.d.live.nodesOf('agent')) {
      if (!a.status || a.state === 'offline') continue;
      const known = new Set<string>([
        ...a.status.tailers.map((t) => t.file),
        ...(a.status.loss ?? []).map((l) => l.path),
      ]);
      let files: string[];
      if ('files' in source && source.files) {
        const { paths, exclude = [] } = source.files;
        files = [...known].filter(
          (f) => paths.some((g) => matchesGlob(f, g)) && !exclude.some((g) => matchesGlob(f, g)),
        );
      } else {
        const ns = 'pods' in source && source.pods ? source.pods.namespace : '';
        files = [...known].filter((f) => f.includes(`/pods/${ns}_`));
      }
      nodes.push({ node: a.name, files: files.sort(), known: known.size });
    }
    sendJson(res, 200, {
      nodes,
      note: 'matched against the files each agent reports (tailed, or lost before read)',
    });
  }

  private keyAllowed(key: string): void {
    if (!this.d.keyPrefixes.some((pre) => key.startsWith(pre)))
      throw new HttpError(
        403,
        `${key} is outside the prefixes the console shows (${this.d.keyPrefixes.join(', ')})`,
      );
  }

  private async keys(res: ServerResponse, p: Principal, url: URL): Promise<void> {
    const prefix = url.searchParams.get('prefix') || this.d.keyPrefixes[0]!;
    this.keyAllowed(prefix);
    this.d.auth.authorizeRead(p, prefix);
    const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
    const after = url.searchParams.get('after') ?? undefined;
    const page = await this.d.store.keys(prefix, after, limit);
    const keys = page.kvs.map((kv) => {
      const key = kv.key.toString();
      return {
        key,
        modRevision: Number(kv.mod_revision),
        version: Number(kv.version),
        lease: kv.lease !== '0',
        kind: kindOf(key),
      };
    });
    sendJson(res, 200, { prefix, keys, ...(page.more ? { next: keys.at(-1)!.key } : {}) });
  }

  private async key(res: ServerResponse, p: Principal, url: URL): Promise<void> {
    const key = url.searchParams.get('key') ?? '';
    this.keyAllowed(key);
    this.d.auth.authorizeRead(p, key);
    const kv = await this.d.store.getRaw(key);
    if (!kv) throw new HttpError(404, `no key ${key}`);
    const value = kv.value.toString();
    const isEntry = collectionNameOf(key) !== undefined;
    const parsed = isEntry
      ? (() => {
          try {
            return parseCollectEntry(JSON.parse(value));
          } catch (err) {
            return {
              ok: false as const,
              issues: [{ path: '(value)', message: `not valid JSON: ${(err as Error).message}` }],
            };
          }
        })()
      : undefined;
    sendJson(res, 200, {
      key,
      value,
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
      lease: kv.lease !== '0',
      kind: kindOf(key),
      ...(parsed && !parsed.ok ? { issues: parsed.issues } : {}),
    });
  }

  private searchQuery(p: Principal, url: URL) {
    const c = this.readableCollection(p, url.searchParams.get('collection') ?? '');
    if (!this.d.search)
      throw new HttpError(503, 'no Elasticsearch is configured for the console (elasticsearch.url)');
    const time = (k: string) => {
      const v = url.searchParams.get(k);
      if (!v) return undefined;
      if (Number.isNaN(Date.parse(v))) throw new HttpError(400, `${k} must be an ISO 8601 time (${v})`);
      return new Date(v).toISOString();
    };
    const q = url.searchParams.get('q') ?? '';
    const from = time('from');
    const to = time('to');
    return {
      c,
      q: {
        collection: c.name,
        index: c.index ?? indexBase(c.entry!),
        ...(q ? { q } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      },
    };
  }

  private async searchLogs(res: ServerResponse, p: Principal, url: URL): Promise<void> {
    const { q } = this.searchQuery(p, url);
    const size = Math.min(500, Math.max(1, Number(url.searchParams.get('size') ?? 50) || 50));
    let after: unknown[] | undefined;
    const a = url.searchParams.get('after');
    if (a) {
      try {
        after = JSON.parse(a) as unknown[];
        if (!Array.isArray(after)) throw new Error('not an array');
      } catch {
        throw new HttpError(400, 'after must be the `next` value of the previous page');
      }
    }
    sendJson(res, 200, await this.d.search!.search({ ...q, size, ...(after ? { after } : {}) }));
  }

  private async tail(req: IncomingMessage, res: ServerResponse, p: Principal, url: URL): Promise<void> {
    const { q } = this.searchQuery(p, url);
    const stream = openEvents(req, res);
    let since = new Date().toISOString();
    let sentAtSince = new Set<string>();
    let open = true;
    stream.onClose(() => (open = false));
    stream.send('hello', { collection: q.collection, since });
    const poll = this.d.tailPollMs ?? 1000;
    while (open) {
      try {
        const hits = await this.d.search!.newer(q, since, sentAtSince);
        for (const h of hits) {
          stream.send('line', h);
          if (h.timestamp !== since) {
            since = h.timestamp;
            sentAtSince = new Set();
          }
          sentAtSince.add(h.id);
        }
      } catch (err) {
        stream.send('problem', { error: describeError(err) });
      }
      await new Promise((r) => setTimeout(r, poll).unref());
    }
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    const stream = openEvents(req, res);
    stream.send('hello', { revision: this.d.live.revision });
    const onCollections = (e: { key: string; modRevision: number }) =>
      stream.send('collections', {
        name: collectionNameOf(e.key) ?? 'legacy',
        key: e.key,
        modRevision: e.modRevision,
      });
    const onNode = (e: unknown) => stream.send('node', e);
    this.d.live.on('collections', onCollections);
    this.d.live.on('node', onNode);
    stream.onClose(() => {
      this.d.live.off('collections', onCollections);
      this.d.live.off('node', onNode);
    });
  }

  private async asset(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new HttpError(405, `no ${req.method} ${pathname}`);
    const asset = await uiAsset(pathname);
    if (!asset) throw new HttpError(404, `no ${pathname}`);
    res
      .writeHead(200, {
        ...SECURITY_HEADERS,
        'content-type': asset.contentType,
        'content-length': Buffer.byteLength(asset.body),
        'cache-control': 'no-cache',
      })
      .end(req.method === 'HEAD' ? undefined : asset.body);
  }
}

function actor(req: IncomingMessage, p: Principal): Actor {
  return { user: p.name ?? 'anonymous', client: req.socket.remoteAddress ?? 'unknown' };
}

function kindOf(key: string): string {
  if (key.startsWith(COLLECT_PREFIX) || key === '/collect_log_conf') return 'collect';
  if (key.startsWith(STATUS_PREFIX)) return 'status';
  if (key.startsWith(AUDIT_PREFIX)) return 'audit';
  if (key.startsWith(TRASH_PREFIX)) return 'trash';
  return 'other';
}
