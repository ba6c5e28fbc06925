// `lcs kibana-data-views`: makes one Kibana data view per index pattern through Kibana's API
// (the chart runs it as a post-install/upgrade Job). Waits for Kibana to answer, leaves a
// view that exists as it is, and says what it did. An API key comes from a file
// (LCS_KIBANA_API_KEY_FILE), never from an argument.

import { readFileSync } from 'node:fs';
import { parseDuration } from '../../common/config/settings.ts';

export interface DataViewOptions {
  kibana: string;
  patterns: string[];
  waitMs: number;
  timeField: string;
  apiKey?: string;
  log: (line: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

function parseArgs(argv: string[]): Omit<DataViewOptions, 'log' | 'apiKey'> {
  const o = { kibana: '', patterns: [] as string[], waitMs: 300_000, timeField: '@timestamp' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    i++;
    if (flag === '--kibana') o.kibana = value;
    else if (flag === '--pattern') o.patterns.push(value);
    else if (flag === '--time-field') o.timeField = value;
    else if (flag === '--wait') {
      const ms = parseDuration(value);
      if (ms === undefined) throw new Error(`--wait ${value} is not a duration (5m, 30s)`);
      o.waitMs = ms;
    } else throw new Error(`unknown flag ${flag}`);
  }
  if (!/^https?:\/\//.test(o.kibana)) throw new Error('--kibana must be the http(s) URL of Kibana');
  if (!o.patterns.length) throw new Error('name at least one --pattern (an index pattern such as web-*)');
  return o;
}

export async function ensureDataViews(
  o: DataViewOptions,
): Promise<{ created: string[]; existing: string[] }> {
  const sleep = o.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const headers: Record<string, string> = { 'kbn-xsrf': 'lcs', 'content-type': 'application/json' };
  if (o.apiKey) headers.authorization = `ApiKey ${o.apiKey}`;
  const url = (p: string) => new URL(p, o.kibana.endsWith('/') ? o.kibana : `${o.kibana}/`).toString();
  const deadline = Date.now() + o.waitMs;
  for (;;) {
    const r = await fetch(url('api/status'), { headers }).catch((err: Error) => err);
    if (!(r instanceof Error) && r.ok) break;
    const why = r instanceof Error ? r.message : `HTTP ${r.status}`;
    if (!(r instanceof Error) && (r.status === 401 || r.status === 403))
      throw new Error(
        `Kibana at ${o.kibana} refused the API key (${why}): check the Secret kibana.apiKeySecret names`,
      );
    if (Date.now() > deadline)
      throw new Error(`Kibana at ${o.kibana} did not answer within ${o.waitMs / 1000} s (${why})`);
    o.log(`waiting for Kibana at ${o.kibana} (${why})`);
    await sleep(5000);
  }
  const listed = await fetch(url('api/data_views'), { headers });
  if (!listed.ok)
    throw new Error(
      `listing data views failed: HTTP ${listed.status} ${(await listed.text()).slice(0, 200)}`,
    );
  const have = new Set(
    ((await listed.json()) as { data_view?: { title: string }[] }).data_view?.map((d) => d.title) ?? [],
  );
  const created: string[] = [];
  const existing: string[] = [];
  for (const pattern of o.patterns) {
    if (have.has(pattern)) {
      existing.push(pattern);
      o.log(`data view ${pattern} exists: left as it is`);
      continue;
    }
    const res = await fetch(url('api/data_views/data_view'), {
      method: 'POST',
      headers,
      body: JSON.stringify({ data_view: { title: pattern, name: pattern, timeFieldName: o.timeField } }),
    });
    if (!res.ok)
      throw new Error(
        `creating data view ${pattern} failed: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`,
      );
    created.push(pattern);
    o.log(`data view ${pattern} created (time field ${o.timeField})`);
  }
  return { created, existing };
}

export async function kibanaDataViewsTool(argv: string[]): Promise<number> {
  let o;
  try {
    o = parseArgs(argv);
  } catch (err) {
    process.stderr.write(
      `lcs kibana-data-views: ${(err as Error).message}\nusage: lcs kibana-data-views --kibana <url> --pattern <index pattern>... [--wait 5m] [--time-field @timestamp]\n`,
    );
    return 2;
  }
  const keyFile = process.env.LCS_KIBANA_API_KEY_FILE;
  let apiKey: string | undefined;
  if (keyFile) {
    try {
      apiKey = readFileSync(keyFile, 'utf8').trim();
    } catch (err) {
      process.stderr.write(
        `lcs kibana-data-views: cannot read LCS_KIBANA_API_KEY_FILE ${keyFile}: ${(err as Error).message}\n`,
      );
      return 2;
    }
  }
  try {
    const r = await ensureDataViews({
      ...o,
      ...(apiKey ? { apiKey } : {}),
      log: (l) => process.stdout.write(`${l}\n`),
    });
    process.stdout.write(`done: ${r.created.length} created, ${r.existing.length} already there\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`lcs kibana-data-views: ${(err as Error).message}\n`);
    return 1;
  }
}
