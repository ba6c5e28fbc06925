// The fault schedule's instruments: what reached Elasticsearch (the newest line of each file,
// for recovery after a fault; every line, for the final count of lost and duplicated), and
// what the components cost (RSS and open file descriptors from /proc, sampled over the run).
// The test's own reads go to whichever Elasticsearch node answers: they are not under test.

import { readdirSync, readFileSync } from 'node:fs';
import { LINE_BYTES } from './writer.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Elasticsearch answers vary per API
type Json = any;

/** One request to the first of `urls` that answers (a node may be down by design). */
export async function esAny(urls: string[], method: string, path: string, body?: unknown): Promise<Json> {
  let last: unknown;
  for (const url of urls) {
    try {
      const res = await fetch(url + path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} on ${url}: ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : {};
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/** Per file path, the highest line number Elasticsearch holds (-1: none yet). */
export async function newestLines(urls: string[], pattern: string): Promise<Map<string, number>> {
  const r = await esAny(urls, 'POST', `/${pattern}/_search?ignore_unavailable=true&allow_no_indices=true`, {
    size: 0,
    aggs: {
      files: {
        terms: { field: 'log.file.path', size: 100 },
        aggs: { newest: { max: { field: 'log.offset' } } },
      },
    },
  });
  const out = new Map<string, number>();
  for (const b of r.aggregations?.files?.buckets ?? [])
    out.set(b.key as string, Math.floor(Number(b.newest.value) / LINE_BYTES));
  return out;
}

export interface FileCheck {
  file: string;
  written: number;
  documents: number;
  lost: number;
  duplicated: number;
  /** Up to ten line numbers of each kind, to start an investigation from. */
  lostSample: number[];
  duplicatedSample: number[];
}

/**
 * Reads every document of `pattern` (a point in time, pages in shard order, only the two doc
 * values needed) and counts, per file, each line's documents: 0 is lost, 2 or more duplicated
 * (documents are keyed by event.id, so a line under two ids is the duplicate that can happen).
 */
export async function checkLines(
  urls: string[],
  pattern: string,
  written: Map<string, number>,
): Promise<FileCheck[]> {
  await esAny(urls, 'POST', `/${pattern}/_refresh`);
  const seen = new Map<string, Uint8Array>();
  for (const [f, n] of written) seen.set(f, new Uint8Array(n));
  const extra = new Map<string, number>();
  const pit = await esAny(urls, 'POST', `/${pattern}/_pit?keep_alive=5m`);
  let searchAfter: unknown[] | undefined;
  let documents = 0;
  try {
    for (;;) {
      const r = await esAny(urls, 'POST', '/_search', {
        size: 10000,
        _source: false,
        docvalue_fields: ['log.offset', 'log.file.path'],
        pit: { id: pit.id, keep_alive: '5m' },
        sort: [{ _shard_doc: 'asc' }],
        track_total_hits: false,
        ...(searchAfter ? { search_after: searchAfter } : {}),
      });
      const hits = r.hits?.hits ?? [];
      if (!hits.length) break;
      for (const h of hits) {
        documents++;
        const file = h.fields?.['log.file.path']?.[0] as string;
        const line = Math.floor(Number(h.fields?.['log.offset']?.[0]) / LINE_BYTES);
        const marks = seen.get(file);
        if (!marks || line >= marks.length) extra.set(file, (extra.get(file) ?? 0) + 1);
        else if (marks[line]! < 255) marks[line]!++;
      }
      searchAfter = hits[hits.length - 1].sort;
    }
  } finally {
    await esAny(urls, 'DELETE', '/_pit', { id: pit.id }).catch(() => {});
  }
  const out: FileCheck[] = [];
  for (const [file, marks] of seen) {
    const c: FileCheck = {
      file,
      written: marks.length,
      documents: 0,
      lost: 0,
      duplicated: 0,
      lostSample: [],
      duplicatedSample: [],
    };
    for (let n = 0; n < marks.length; n++) {
      const k = marks[n]!;
      c.documents += k;
      if (k === 0) {
        c.lost++;
        if (c.lostSample.length < 10) c.lostSample.push(n);
      } else if (k > 1) {
        c.duplicated += k - 1;
        if (c.duplicatedSample.length < 10) c.duplicatedSample.push(n);
      }
    }
    // Documents beyond what was written (or of another file) count as duplicates: nothing
    // but the writer's lines should be there.
    c.duplicated += extra.get(file) ?? 0;
    c.documents += extra.get(file) ?? 0;
    out.push(c);
  }
  if (documents !== out.reduce((s, c) => s + c.documents, 0))
    throw new Error(
      `${documents} documents in ${pattern}, but only ${out.reduce((s, c) => s + c.documents, 0)} belong to the writer's files`,
    );
  return out;
}

export interface Sample {
  t: number;
  pid: number;
  rssMB: number;
  fds: number;
}

/** RSS (MB) and open file descriptors of a live process, from /proc; undefined once it is gone. */
export function sampleProcess(pid: number): { rssMB: number; fds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    if (Number.isNaN(rssKb)) return undefined;
    return { rssMB: Math.round(rssKb / 102.4) / 10, fds };
  } catch {
    return undefined;
  }
}

export interface SeriesSummary {
  samples: number;
  pids: number;
  middleThirdMaxRssMB: number;
  lastThirdMaxRssMB: number;
  middleThirdMaxFds: number;
  lastThirdMaxFds: number;
  maxRssMB: number;
  maxFds: number;
}

/** Samples every named process every `intervalMs` (a role's pid changes when it is restarted). */
export class Sampler {
  readonly series = new Map<string, Sample[]>();
  private timer: NodeJS.Timeout | undefined;
  private readonly roles: Record<string, () => number | undefined>;
  private readonly intervalMs: number;

  constructor(roles: Record<string, () => number | undefined>, intervalMs = 5000) {
    this.roles = roles;
    this.intervalMs = intervalMs;
  }

  start(): void {
    const tick = () => {
      const t = Date.now();
      for (const [role, pidOf] of Object.entries(this.roles)) {
        const pid = pidOf();
        if (pid === undefined) continue;
        const s = sampleProcess(pid);
        if (!s) continue;
        if (!this.series.has(role)) this.series.set(role, []);
        this.series.get(role)!.push({ t, pid, ...s });
      }
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  summary(): Record<string, SeriesSummary> {
    const out: Record<string, SeriesSummary> = {};
    for (const [role, s] of this.series) {
      const third = Math.max(1, Math.floor(s.length / 3));
      // The baseline is the middle third: the first holds the warm-up (a transfer replica
      // idle until its assignment, caches filling), which is not growth.
      const first = s.slice(third, 2 * third);
      const last = s.slice(-third);
      const max = (xs: Sample[], k: 'rssMB' | 'fds') => Math.max(...xs.map((x) => x[k]));
      out[role] = {
        samples: s.length,
        pids: new Set(s.map((x) => x.pid)).size,
        middleThirdMaxRssMB: max(first, 'rssMB'),
        lastThirdMaxRssMB: max(last, 'rssMB'),
        middleThirdMaxFds: max(first, 'fds'),
        lastThirdMaxFds: max(last, 'fds'),
        maxRssMB: max(s, 'rssMB'),
        maxFds: max(s, 'fds'),
      };
    }
    return out;
  }
}
