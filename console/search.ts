// Search and live tail over Elasticsearch, on the server: a collection's daily indices
// (`<index>-*`), filtered by collection, time range and text, sorted newest first and paged
// with search_after (no deep `from`). The live tail polls for documents indexed after the
// newest one it has sent, with the same filter; it shows what reached Elasticsearch, the
// same thing Search and Kibana see.

import type { Client } from '@elastic/elasticsearch';
import { StoreError } from './store.ts';

export interface Hit {
  id: string;
  index: string;
  timestamp: string;
  message: string;
  node?: string;
  file?: string;
  offset?: number;
  fields: Record<string, unknown>;
  sort: unknown[];
}

export interface SearchQuery {
  collection: string;
  index: string;
  q?: string;
  from?: string;
  to?: string;
  size: number;
  after?: unknown[];
}

const get = (o: Record<string, unknown>, dotted: string): unknown => {
  if (dotted in o) return o[dotted];
  let cur: unknown = o;
  for (const part of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
};

const RESERVED_TOP = new Set(['@timestamp', 'message', 'event', 'log', 'host', 'collection', 'kubernetes']);

export function hitOf(h: { _id?: string; _index: string; _source?: unknown; sort?: unknown[] }): Hit {
  const s = (h._source ?? {}) as Record<string, unknown>;
  const node = get(s, 'host.name');
  const file = get(s, 'log.file.path');
  const offset = get(s, 'log.offset');
  const fields = Object.fromEntries(Object.entries(s).filter(([k]) => !RESERVED_TOP.has(k.split('.')[0]!)));
  const k8s = get(s, 'kubernetes');
  if (k8s !== undefined) fields.kubernetes = k8s;
  return {
    id: String(get(s, 'event.id') ?? h._id ?? ''),
    index: h._index,
    timestamp: String(get(s, '@timestamp') ?? ''),
    message: String(get(s, 'message') ?? ''),
    ...(typeof node === 'string' ? { node } : {}),
    ...(typeof file === 'string' ? { file } : {}),
    ...(typeof offset === 'number' ? { offset } : {}),
    fields,
    sort: h.sort ?? [],
  };
}

function query(q: SearchQuery, after?: string): Record<string, unknown> {
  const filter: unknown[] = [{ term: { 'collection.name': q.collection } }];
  const range: Record<string, string> = {};
  if (q.from) range.gte = q.from;
  if (q.to) range.lte = q.to;
  if (after) range.gt = after;
  if (Object.keys(range).length) filter.push({ range: { '@timestamp': range } });
  const must = q.q?.trim()
    ? [{ simple_query_string: { query: q.q, fields: ['message'], default_operator: 'and', lenient: true } }]
    : [];
  return { bool: { filter, must } };
}

const SORT = [{ '@timestamp': { order: 'desc' } }, { 'event.id': { order: 'desc' } }];

export class LogSearch {
  private readonly es: Client;

  constructor(es: Client) {
    this.es = es;
  }

  async search(q: SearchQuery): Promise<{ hits: Hit[]; total: number; next?: unknown[] }> {
    try {
      const res = await this.es.search({
        index: `${q.index}-*`,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: q.size,
        query: query(q),
        sort: SORT as never,
        track_total_hits: 10_000,
        ...(q.after ? { search_after: q.after as never } : {}),
      });
      const hits = res.hits.hits.map(hitOf);
      const total =
        typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? hits.length);
      return { hits, total, ...(hits.length === q.size ? { next: hits[hits.length - 1]!.sort } : {}) };
    } catch (err) {
      throw searchError(err);
    }
  }

  /**
   * The documents of the collection newer than `since` (an @timestamp), oldest first, leaving
   * out the ids already sent at exactly that timestamp.
   */
  async newer(
    q: Omit<SearchQuery, 'size' | 'after'>,
    since: string,
    sentAtSince: ReadonlySet<string>,
  ): Promise<Hit[]> {
    try {
      const res = await this.es.search({
        index: `${q.index}-*`,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 500,
        query: query({ ...q, size: 0, from: since }),
        sort: [{ '@timestamp': { order: 'asc' } }, { 'event.id': { order: 'asc' } }] as never,
      });
      return res.hits.hits.map(hitOf).filter((h) => !(h.timestamp === since && sentAtSince.has(h.id)));
    } catch (err) {
      throw searchError(err);
    }
  }

  async refresh(index: string): Promise<void> {
    await this.es.indices.refresh({ index: `${index}-*`, ignore_unavailable: true, allow_no_indices: true });
  }
}

function searchError(err: unknown): StoreError {
  const e = err as {
    meta?: { statusCode?: number; body?: { error?: { reason?: string } } };
    message?: string;
  };
  const status = e.meta?.statusCode;
  if (status === 400)
    return new StoreError(
      400,
      `Elasticsearch rejected the query: ${e.meta?.body?.error?.reason ?? e.message}`,
    );
  return new StoreError(503, `Elasticsearch did not answer the search: ${e.message ?? String(err)}`, {
    cause: err,
  });
}
