// What the dashboard test needs of Grafana, without Grafana: the panel targets of a dashboard
// JSON (raw InfluxQL, or the query builder's model rendered the way Grafana's InfluxDB
// datasource renders it), the macros and template variables filled in the way Grafana fills
// them, and the measurements, fields and tags an InfluxQL statement names (for the static
// check against what lcs metrics writes).

export interface GrafanaTarget {
  refId?: string;
  hide?: boolean;
  rawQuery?: boolean;
  query?: string;
  measurement?: string;
  policy?: string;
  select?: { type: string; params?: (string | number)[] }[][];
  tags?: { key: string; operator?: string; value: string; condition?: string }[];
  groupBy?: { type: string; params?: (string | number)[] }[];
  fill?: string;
  orderByTime?: string;
  limit?: string | number;
}

export interface GrafanaPanel {
  id?: number;
  title?: string;
  type?: string;
  repeat?: string;
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
  datasource?: unknown;
}

export interface GrafanaVariable {
  name: string;
  type: string;
  query?: string | { query?: string };
  regex?: string;
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
}

export interface GrafanaDashboard {
  title?: string;
  panels?: GrafanaPanel[];
  rows?: { title?: string; repeat?: string; panels?: GrafanaPanel[] }[];
  templating?: { list?: GrafanaVariable[] };
}

/** One query a panel runs: its panel, refId, the variable it repeats on, the InfluxQL. */
export interface PanelQuery {
  panel: string;
  refId: string;
  repeat?: string;
  influxql: string;
}

/** Every visible InfluxDB target of every panel, rows included (a row's repeat applies to the panels under it). */
export function panelQueries(d: GrafanaDashboard): PanelQuery[] {
  const out: PanelQuery[] = [];
  const visit = (p: GrafanaPanel, rowRepeat: string | undefined) => {
    if (p.type === 'row') return;
    for (const t of p.targets ?? []) {
      if (t.hide) continue;
      const influxql = renderTarget(t);
      if (!influxql) continue;
      const repeat = p.repeat ?? rowRepeat;
      out.push({
        panel: p.title ?? `panel ${p.id}`,
        refId: t.refId ?? 'A',
        ...(repeat ? { repeat } : {}),
        influxql,
      });
    }
  };
  // Grafana ≥ 5: a flat list where a row panel's repeat covers the panels up to the next row.
  let rowRepeat: string | undefined;
  for (const p of d.panels ?? []) {
    if (p.type === 'row') {
      rowRepeat = p.repeat;
      for (const c of p.panels ?? []) visit(c, rowRepeat); // a collapsed row keeps its panels inside
    } else visit(p, rowRepeat);
  }
  for (const r of d.rows ?? []) for (const p of r.panels ?? []) visit(p, r.repeat);
  return out;
}

/** The InfluxQL of a target: its raw query, or the builder model rendered as Grafana does. */
export function renderTarget(t: GrafanaTarget): string | undefined {
  if (t.rawQuery) return t.query?.trim() || undefined;
  if (!t.measurement) return undefined;
  const select = (
    t.select ?? [
      [
        { type: 'field', params: ['value'] },
        { type: 'mean', params: [] },
      ],
    ]
  )
    .map(renderSelect)
    .join(', ');
  const from =
    t.policy && t.policy !== 'default'
      ? `"${t.policy}"."${t.measurement}"`
      : `"${t.measurement.replace(/"/g, '\\"')}"`;
  let q = `SELECT ${select} FROM ${from} WHERE `;
  const conditions = (t.tags ?? []).map((tag, i) => {
    let op = tag.operator ?? (/^\/.*\/$/.test(tag.value) ? '=~' : '=');
    let value = tag.value;
    if (op !== '=~' && op !== '!~') {
      if (op !== '>' && op !== '<') value = `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    } else if (!/^\/.*\/$/.test(value)) op = op === '=~' ? '=' : '!='; // Grafana never sends a bare regex operand
    return `${i > 0 ? `${tag.condition ?? 'AND'} ` : ''}"${tag.key}" ${op} ${value}`;
  });
  if (conditions.length) q += `(${conditions.join(' ')}) AND `;
  q += '$timeFilter';
  const groupBy = (t.groupBy ?? [])
    .map((g, i) => {
      const p = String(g.params?.[0] ?? '');
      const sep = i === 0 ? '' : g.type === 'fill' ? ' ' : ', ';
      if (g.type === 'time') return `${sep}time(${p === 'auto' ? '$__interval' : p})`;
      if (g.type === 'tag') return `${sep}"${p}"`;
      if (g.type === 'fill') return `${sep}fill(${p})`;
      return '';
    })
    .join('');
  if (groupBy) q += ` GROUP BY ${groupBy}`;
  if (t.fill) q += ` fill(${t.fill})`;
  if (t.orderByTime === 'DESC') q += ' ORDER BY time DESC';
  if (t.limit) q += ` LIMIT ${t.limit}`;
  return q;
}

function renderSelect(parts: { type: string; params?: (string | number)[] }[]): string {
  let expr = '';
  let alias = '';
  for (const part of parts) {
    const params = (part.params ?? []).map(String);
    switch (part.type) {
      case 'field':
        expr = params[0] === '*' ? '*' : `"${params[0]}"`;
        break;
      case 'alias':
        alias = ` AS "${params[0]}"`;
        break;
      case 'math':
        expr = `${expr} ${params[0]}`;
        break;
      case 'tag':
        expr = `"${params[0]}"::tag`;
        break;
      default:
        // Aggregations, selectors and transformations wrap what came before.
        expr = `${part.type}(${[expr, ...params].join(', ')})`;
    }
  }
  return expr + alias;
}

/** Grafana's regex escaping of a variable's value (kbn.regexEscape). */
export const regexEscape = (v: string): string => v.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/** A variable's regex option as Grafana reads it: "/re/flags", or a bare pattern matched whole. */
export function variableRegex(src: string): RegExp {
  const m = /^\/(.*)\/([gimsuy]*)$/.exec(src);
  return m ? new RegExp(m[1]!, m[2]) : new RegExp(`^${src}$`);
}

export interface Filled {
  /** The variable's values as Grafana would offer them. */
  values: string[];
  multi: boolean;
}

/**
 * Replaces Grafana's macros and variables in `q`. `scoped` holds a repeat's single value; other
 * multi-value variables take "All" (every value). InfluxDB's datasource formats a multi-value or
 * include-all variable as an escaped regex group `(a|b)` and a plain one as its raw value.
 */
export function interpolate(
  q: string,
  vars: Map<string, Filled>,
  opts: { fromMs: number; toMs: number; intervalS: number; scoped?: Record<string, string> },
): string {
  const interval = `${opts.intervalS}s`;
  const builtin: Record<string, string> = {
    timeFilter: `time >= ${opts.fromMs}ms and time <= ${opts.toMs}ms`,
    __timeFilter: `time >= ${opts.fromMs}ms and time <= ${opts.toMs}ms`,
    __interval: interval,
    interval: interval,
    __interval_ms: String(opts.intervalS * 1000),
  };
  return q.replace(/\$(\w+)|\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]/g, (all, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    if (name in builtin) return builtin[name]!;
    const v = vars.get(name);
    if (!v) return all;
    const scoped = opts.scoped?.[name];
    const values = scoped !== undefined ? [scoped] : v.values;
    if (!v.multi) return values[0] ?? '';
    const escaped = values.map(regexEscape);
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  });
}

// ---------------------------------------------------------------------------------------------
// What an InfluxQL statement names. Enough of InfluxQL for dashboards: SELECT … FROM … WHERE …
// GROUP BY …, and SHOW TAG VALUES FROM … WITH KEY … WHERE …; no subqueries.

type Tok = {
  kind: 'ident' | 'quoted' | 'string' | 'regex' | 'number' | 'var' | 'op' | 'punct';
  text: string;
};

const KEYWORDS = new Set(
  [
    'select',
    'from',
    'where',
    'group',
    'by',
    'order',
    'limit',
    'slimit',
    'offset',
    'soffset',
    'fill',
    'and',
    'or',
    'as',
    'asc',
    'desc',
    'time',
    'now',
    'show',
    'tag',
    'values',
    'with',
    'key',
    'in',
    'null',
    'none',
    'previous',
    'linear',
    'tz',
    'true',
    'false',
  ].map((s) => s.toLowerCase()),
);

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const ch = q[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      let s = '';
      while (j < q.length && q[j] !== ch) {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        s += q[j];
        j++;
      }
      out.push({ kind: ch === '"' ? 'quoted' : 'string', text: s });
      i = j + 1;
      continue;
    }
    const prev = out.at(-1);
    if (
      ch === '/' &&
      (!prev ||
        prev.kind === 'op' ||
        prev.text === '(' ||
        prev.text === ',' ||
        /^(from|key)$/i.test(prev.text))
    ) {
      let j = i + 1;
      while (j < q.length && q[j] !== '/') j += q[j] === '\\' ? 2 : 1;
      out.push({ kind: 'regex', text: q.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const two = q.slice(i, i + 2);
    if (['=~', '!~', '!=', '<>', '<=', '>='].includes(two)) {
      out.push({ kind: 'op', text: two });
      i += 2;
      continue;
    }
    if ('=<>'.includes(ch)) {
      out.push({ kind: 'op', text: ch });
      i++;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^\$\{?\w+(?::\w+)?\}?|^\[\[\w+\]\]/.exec(q.slice(i)))) {
      out.push({ kind: 'var', text: m[0] });
      i += m[0].length;
      continue;
    }
    if ((m = /^\d+(\.\d+)?(ns|u|µ|ms|s|m|h|d|w)?/.exec(q.slice(i)))) {
      out.push({ kind: 'number', text: m[0] });
      i += m[0].length;
      continue;
    }
    if ((m = /^[A-Za-z_]\w*/.exec(q.slice(i)))) {
      out.push({ kind: 'ident', text: m[0] });
      i += m[0].length;
      continue;
    }
    out.push({ kind: 'punct', text: ch });
    i++;
  }
  return out;
}

export interface Names {
  measurement?: string;
  fields: string[];
  tags: string[];
  /** Keys compared in WHERE: a tag or a field. */
  keys: string[];
}

const isName = (t: Tok | undefined): t is Tok =>
  !!t && (t.kind === 'quoted' || (t.kind === 'ident' && !KEYWORDS.has(t.text.toLowerCase())));

/** The measurement, fields and tags an InfluxQL statement names (before or after interpolation). */
export function namesOf(q: string): Names {
  const toks = tokenize(q);
  const kw = (i: number, w: string) => toks[i]?.kind === 'ident' && toks[i]!.text.toLowerCase() === w;
  const find = (w: string, from = 0) => toks.findIndex((t, i) => i >= from && kw(i, w));
  const names: Names = { fields: [], tags: [], keys: [] };
  const fromAt = find('from');
  const whereAt = find('where');
  const groupAt = toks.findIndex((_, i) => kw(i, 'group') && kw(i + 1, 'by'));
  const ends = [
    whereAt,
    groupAt,
    find('order'),
    find('limit'),
    find('fill'),
    find('with'),
    toks.length,
  ].filter((i) => i > fromAt);
  if (fromAt >= 0) {
    const fromToks = toks.slice(fromAt + 1, Math.min(...ends)).filter((t) => t.text !== '.');
    const m = fromToks.filter((t) => t.kind === 'quoted' || t.kind === 'ident').at(-1);
    if (m && fromToks[0]?.kind !== 'regex') names.measurement = m.text;
  }
  if (kw(0, 'select')) {
    const sel = toks.slice(1, fromAt < 0 ? toks.length : fromAt);
    for (let i = 0; i < sel.length; i++) {
      const t = sel[i]!;
      if (kw(1 + i, 'as')) {
        i++; // skip AS and the alias
        continue;
      }
      if (!isName(t)) continue;
      if (sel[i + 1]?.text === '(' && t.kind === 'ident') continue; // a function
      if (sel[i + 1]?.text === ':') {
        // "x"::tag or "x"::field
        const cast = sel[i + 3]?.text.toLowerCase();
        (cast === 'tag' ? names.tags : names.fields).push(t.text);
        i += 3;
        continue;
      }
      names.fields.push(t.text);
    }
  }
  const showKey = find('key');
  if (kw(0, 'show') && showKey >= 0) {
    const k = toks.slice(showKey + 1, whereAt < 0 ? toks.length : whereAt).filter((t) => isName(t));
    names.tags.push(...k.map((t) => t.text));
  }
  if (whereAt >= 0) {
    const end = [groupAt, find('order', whereAt), find('limit', whereAt), find('fill', whereAt), toks.length]
      .filter((i) => i > whereAt)
      .reduce((a, b) => Math.min(a, b));
    const w = toks.slice(whereAt + 1, end);
    for (let i = 0; i < w.length; i++)
      if (isName(w[i]) && w[i + 1]?.kind === 'op') names.keys.push(w[i]!.text);
  }
  if (groupAt >= 0) {
    const g = toks.slice(groupAt + 2);
    let depth = 0;
    for (let i = 0; i < g.length; i++) {
      const t = g[i]!;
      if (t.text === '(') depth++;
      else if (t.text === ')') depth--;
      else if (depth === 0 && (kw(groupAt + 2 + i, 'order') || kw(groupAt + 2 + i, 'limit'))) break;
      else if (depth === 0 && isName(t) && g[i + 1]?.text !== '(') names.tags.push(t.text);
    }
  }
  return names;
}

export interface Schema {
  tags: Set<string>;
  fields: Set<string>;
}

/** What a statement names that `schema` does not have: [] when every name is written. */
export function unknownNames(q: string, schema: Map<string, Schema>): string[] {
  const n = namesOf(q);
  if (!n.measurement) return [`no measurement in: ${q}`];
  const s = schema.get(n.measurement);
  if (!s) return [`measurement ${n.measurement}`];
  return [
    ...n.fields.filter((f) => !s.fields.has(f)).map((f) => `field ${n.measurement}.${f}`),
    ...n.tags.filter((t) => !s.tags.has(t)).map((t) => `tag ${n.measurement}.${t}`),
    ...n.keys.filter((k) => !s.tags.has(k) && !s.fields.has(k)).map((k) => `key ${n.measurement}.${k}`),
  ];
}
