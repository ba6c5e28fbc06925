// The UI's pure logic (no DOM), tested by logic.test.ts: roles per key prefix as the server
// computes them, which form field an issue's JSON path names, a line diff for the review
// before saving, and number formatting.

export type Role = 'viewer' | 'editor' | 'admin';
export interface Grant {
  prefix: string;
  role: Role;
}

const RANK: Readonly<Record<Role, number>> = { viewer: 1, editor: 2, admin: 3 };

/** The highest role of the grants whose prefix `key` starts with (docs/console.md). */
export function roleFor(key: string, grants: readonly Grant[]): Role | undefined {
  let best: Role | undefined;
  for (const g of grants) {
    if (!key.startsWith(g.prefix) || !(g.role in RANK)) continue;
    if (!best || RANK[g.role] > RANK[best]) best = g.role;
  }
  return best;
}

export const atLeast = (role: Role | undefined, needed: Role): boolean =>
  role !== undefined && RANK[role] >= RANK[needed];

/**
 * The field an issue belongs to: the longest of `fields` that is the issue's path or one of
 * its parents (`source.files.paths[2]` → `source.files.paths`, `parse.multiline` →
 * `parse.multiline` when that is a field). Undefined when none is, so the issue is shown
 * with the form as a whole.
 */
export function fieldForPath(path: string, fields: Iterable<string>): string | undefined {
  const known = new Set(fields);
  let p = path;
  for (;;) {
    if (known.has(p)) return p;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** A line diff (longest common subsequence) of two texts: unchanged, removed and added lines. */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: the length of the longest common subsequence of a[i..] and b[j..].
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
}

/** Stable JSON for showing and diffing a value (two-space indent, keys as stored). */
export const pretty = (v: unknown): string => (v === undefined ? '' : JSON.stringify(v, null, 2));

/** 1234567 → "1.2 M", 950 → "950", bytes with `unit` "B" → "1.2 MB". */
export function compact(n: number | undefined, unit = ''): string {
  if (n === undefined || !Number.isFinite(n)) return '–';
  const abs = Math.abs(n);
  const [div, suffix] =
    abs >= 1e9 ? [1e9, ' G'] : abs >= 1e6 ? [1e6, ' M'] : abs >= 1e3 ? [1e3, ' k'] : [1, ''];
  const v = n / div;
  const text = div === 1 ? String(Math.round(v * 10) / 10) : v.toFixed(v >= 100 ? 0 : 1);
  return `${text}${suffix}${unit ? (suffix ? unit : ` ${unit}`) : ''}`.trim();
}

/** How long ago an ISO time was, in words ("3 s ago"), relative to `now`. */
export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** The hash route: `#/collections/adhoc%2Fweb/edit` → ['collections', 'adhoc/web', 'edit']. */
export function parseRoute(hash: string): string[] {
  const path = hash.replace(/^#\/?/, '');
  if (!path) return [];
  return path.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
}

export const route = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;
