// Elasticsearch helpers for tests, over plain HTTP.

/** The first of LCS_ELASTICSEARCH_URL's nodes (a cluster's are comma-separated): the tests' own calls go there. */
export const esUrl = (): string =>
  (process.env.LCS_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200').split(',')[0]!;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Elasticsearch answers vary per API
async function es(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(esUrl() + path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404)
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : {};
}

/** Documents visible to search in indices matching `pattern` (no forced refresh). */
export async function count(pattern: string, query?: unknown): Promise<number> {
  const r = await es(
    'POST',
    `/${pattern}/_count?ignore_unavailable=true&allow_no_indices=true`,
    query ? { query } : undefined,
  );
  return r.count ?? 0;
}

export async function refresh(pattern: string): Promise<void> {
  await es('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
}

/** All documents' sources (up to `size`), after a refresh. */
export async function allDocs<T = Record<string, unknown>>(pattern: string, size = 10000): Promise<T[]> {
  await refresh(pattern);
  const r = await es('POST', `/${pattern}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size,
    query: { match_all: {} },
  });
  return (r.hits?.hits ?? []).map((h: { _source: T }) => h._source);
}

export async function deleteIndices(pattern: string): Promise<void> {
  await es('DELETE', `/${pattern}?ignore_unavailable=true&allow_no_indices=true&expand_wildcards=all`);
}

export { es as esRequest };
