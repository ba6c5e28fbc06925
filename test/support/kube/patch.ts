// JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as the API server applies them to
// an object. Strategic merge patch and server-side apply are not modelled (see
// docs/kube-api-double.md).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class PatchError extends Error {
  /** 422 for a failed `test` op or a bad path, like the API server. */
  readonly status: number;
  constructor(message: string, status = 422) {
    super(message);
    this.status = status;
  }
}

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

interface Op {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: Json;
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  if (!ptr.startsWith('/')) throw new PatchError(`invalid JSON pointer "${ptr}"`);
  return ptr.slice(1).split('/').map(unescape);
}

function parentOf(doc: Json, tokens: string[], ptr: string): { parent: Json; last: string } {
  let cur: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)] as Json;
    else if (isObject(cur)) cur = cur[t] as Json;
    else cur = undefined as unknown as Json;
    if (cur === undefined) throw new PatchError(`path ${ptr} does not exist`);
  }
  return { parent: cur, last: tokens[tokens.length - 1]! };
}

function get(doc: Json, ptr: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const t of parsePointer(ptr)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

function remove(doc: Json, ptr: string): Json {
  const { parent, last } = parentOf(doc, parsePointer(ptr), ptr);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!(i >= 0 && i < parent.length)) throw new PatchError(`path ${ptr} does not exist`);
    return parent.splice(i, 1)[0]!;
  }
  if (!isObject(parent) || !(last in parent)) throw new PatchError(`path ${ptr} does not exist`);
  const v = parent[last]!;
  delete parent[last];
  return v;
}

function add(doc: Json, ptr: string, value: Json, replace: boolean): Json {
  const tokens = parsePointer(ptr);
  if (!tokens.length) return value;
  const { parent, last } = parentOf(doc, tokens, ptr);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!(Number.isInteger(i) && i >= 0 && i <= parent.length) || (replace && i >= parent.length))
      throw new PatchError(`path ${ptr} is out of range`);
    parent.splice(i, replace ? 1 : 0, value);
  } else if (isObject(parent)) {
    if (replace && !(last in parent)) throw new PatchError(`path ${ptr} does not exist`);
    parent[last] = value;
  } else throw new PatchError(`path ${ptr} has no parent object`);
  return doc;
}

export function jsonPatch(target: Json, ops: unknown): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be an array of operations', 400);
  let doc = structuredClone(target);
  for (const raw of ops as Op[]) {
    const value = raw.value === undefined ? undefined : structuredClone(raw.value);
    switch (raw.op) {
      case 'add':
        doc = add(doc, raw.path, value ?? null, false);
        break;
      case 'replace':
        doc = add(doc, raw.path, value ?? null, true);
        break;
      case 'remove':
        remove(doc, raw.path);
        break;
      case 'move':
      case 'copy': {
        const v = raw.op === 'move' ? remove(doc, raw.from ?? '') : structuredClone(get(doc, raw.from ?? ''));
        if (v === undefined) throw new PatchError(`path ${raw.from} does not exist`);
        doc = add(doc, raw.path, v, false);
        break;
      }
      case 'test':
        if (JSON.stringify(canonical(get(doc, raw.path))) !== JSON.stringify(canonical(value)))
          throw new PatchError(`test operation failed at ${raw.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch op ${JSON.stringify((raw as { op?: unknown }).op)}`, 400);
    }
  }
  return doc;
}

/** Key-sorted copy, so equality does not depend on key order. */
export function canonical(v: Json | undefined): Json | undefined {
  if (Array.isArray(v)) return v.map((x) => canonical(x) as Json);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k]) as Json]),
    );
  return v;
}
