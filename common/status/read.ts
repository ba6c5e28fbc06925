// Tolerant reading of a status record from etcd. A record may come from a component of another
// version, so a missing or mistyped field takes its default and an unknown one is ignored: a
// reader never throws on a record it can make sense of. Only a value that is not a JSON object
// at all is refused, with an error that says what it was.

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The raw value as a JSON object, or an error naming `what` and what is wrong. */
export function jsonObject(raw: string | Buffer, what: string): Parsed<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `${what}: not JSON (${(err as Error).message})` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return {
      ok: false,
      error: `${what}: ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}, not an object`,
    };
  return { ok: true, value: v as Record<string, unknown> };
}

export const object = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

export const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;

export const bool = (v: unknown, fallback = false): boolean => (typeof v === 'boolean' ? v : fallback);

/** `{ key: value }` when `v` is a string, else nothing: for optional fields such as `lastError`. */
export const optStr = <K extends string>(key: K, v: unknown): { [k in K]?: string } =>
  (typeof v === 'string' ? { [key]: v } : {}) as { [k in K]?: string };

export const optNum = <K extends string>(key: K, v: unknown): { [k in K]?: number } =>
  (typeof v === 'number' && Number.isFinite(v) ? { [key]: v } : {}) as { [k in K]?: number };

export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** Each element read by `item`; elements that are not objects are dropped. */
export const arrayOf = <T>(v: unknown, item: (o: Record<string, unknown>) => T): T[] =>
  Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null && !Array.isArray(x)).map(item) : [];

/** Each value read by `item`, keyed as in the record. */
export function recordOf<T>(v: unknown, item: (x: unknown) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, x] of Object.entries(object(v))) out[k] = item(x);
  return out;
}
