// Shared by the benchmarks: progress lines on stderr (stdout is the JSON result), the
// services' endpoints, a transfer's /metrics, percentiles.

export const say = (bench: string, line: string): void => {
  process.stderr.write(`[${bench}] ${line}\n`);
};

export const esUrl = (): string => process.env.LCS_ELASTICSEARCH_URL ?? 'http://127.0.0.1:9200';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Elasticsearch answers vary per API
export async function es(method: string, path: string, body?: unknown, ndjson = false): Promise<any> {
  const res = await fetch(esUrl() + path, {
    method,
    headers: { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404)
    throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : {};
}

export async function countDocs(pattern: string): Promise<number> {
  await es('POST', `/${pattern}/_refresh?ignore_unavailable=true&allow_no_indices=true`);
  const r = await es('POST', `/${pattern}/_count?ignore_unavailable=true&allow_no_indices=true`);
  return r.count ?? 0;
}

/** A counter's value from a /metrics page (unlabelled or with the given label string). */
/** The sum of every series of `name` whose labels include all of `labels` (e.g. one topic's partitions). */
export async function scrapeSum(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let sum = 0;
  for (const l of text.split('\n')) {
    if (!l.startsWith(`${name}{`)) continue;
    const close = l.indexOf('} ');
    const parts = l.slice(name.length + 1, close).split(',');
    if (want.every((w) => parts.includes(w))) sum += Number(l.slice(close + 2));
  }
  return sum;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

export const round = (n: number, digits = 0): number => Number(n.toFixed(digits));
