// Bulk request building and response interpretation, pure (Vector's elasticsearch sink
// pattern): per item, 201/409 are done, 429, 401/403 and 5xx are retried, any other status is
// permanent and goes to the dead-letter topic with the reason.

export interface BulkDoc {
  index: string;
  id: string;
  source: Record<string, unknown>;
  /** Where it came from, for commits and the dead-letter topic. */
  topic: string;
  partition: number;
  offset: string;
  raw: Buffer | null;
  /** `source` as JSON when the record already is exactly that (saves a stringify). */
  sourceText?: string;
  /** docLines, kept once computed (sizing the chunks and building the body both need it). */
  lines?: string;
}

export type ItemOutcome =
  { kind: 'done' } | { kind: 'retry'; reason: string } | { kind: 'dead'; reason: string };

export function bulkBody(docs: BulkDoc[]): string {
  let out = '';
  for (const d of docs) out += docLines(d);
  return out;
}

interface BulkItem {
  create?: { status: number; error?: { type?: string; reason?: string; caused_by?: { reason?: string } } };
  index?: BulkItem['create'];
}

/**
 * 401 and 403 are retried like 429: Elasticsearch refused our credentials or the role lacks
 * a privilege on that index, which a fixed setting or role cures; dead-lettering the
 * documents would take them out of the index for good.
 */
export function classifyStatus(status: number, reason: string): ItemOutcome {
  if ((status >= 200 && status < 300) || status === 409) return { kind: 'done' };
  if (status === 429 || status === 401 || status === 403 || status >= 500)
    return { kind: 'retry', reason: `${status}: ${reason}` };
  return { kind: 'dead', reason: `${status}: ${reason}` };
}

/** One outcome per document, in order. A response that does not line up is retried whole. */
export function interpretBulk(response: { items?: BulkItem[] }, count: number): ItemOutcome[] {
  const items = response.items ?? [];
  if (items.length !== count)
    return Array.from({ length: count }, () => ({
      kind: 'retry' as const,
      reason: `bulk response had ${items.length} items for ${count} documents`,
    }));
  return items.map((item) => {
    const r = item.create ?? item.index;
    if (!r) return { kind: 'retry' as const, reason: 'bulk item without a create result' };
    const e = r.error;
    const reason = e
      ? `${e.type ?? 'error'}: ${e.reason ?? ''}${e.caused_by?.reason ? ` (${e.caused_by.reason})` : ''}`
      : 'ok';
    return classifyStatus(r.status, reason);
  });
}

export type RequestOutcome =
  { kind: 'split'; reason: string } | { kind: 'retry'; reason: string } | { kind: 'dead'; reason: string };

/**
 * What a failed bulk *request* (not an item) means, from its HTTP status alone. 413 (body
 * too large) and 400 (body rejected as a whole) are about the documents, so the request is
 * halved until the offending document is alone, and that one is dead-lettered. No status
 * (connection refused, timeout), 429, 5xx and auth/config errors (401, 403, 404) are about
 * Elasticsearch or our settings: retried, because dead-lettering good documents for them
 * would lose data that a fixed cluster would have accepted.
 */
export function classifyRequestFailure(
  status: number | undefined,
  docs: number,
  reason: string,
): RequestOutcome {
  const why = status === undefined ? reason : `${status}: ${reason}`;
  if (status === 413 || status === 400)
    return docs > 1 ? { kind: 'split', reason: why } : { kind: 'dead', reason: why };
  return { kind: 'retry', reason: why };
}

/** The action and source lines of one document; its length is what a bulk body costs. */
export function docLines(d: BulkDoc): string {
  return (d.lines ??=
    JSON.stringify({ create: { _index: d.index, _id: d.id } }) +
    '\n' +
    (d.sourceText ?? JSON.stringify(d.source)) +
    '\n');
}

/**
 * Cuts documents into bulk requests of at most `maxDocs` documents and `maxBytes` of body
 * (a single larger document still gets a request of its own: Elasticsearch decides).
 */
export function chunk<T>(items: T[], maxDocs: number, maxBytes: number, size: (t: T) => number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let bytes = 0;
  for (const it of items) {
    const n = size(it);
    if (cur.length && (cur.length >= maxDocs || bytes + n > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(it);
    bytes += n;
  }
  if (cur.length) out.push(cur);
  return out;
}
