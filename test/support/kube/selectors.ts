// Label and field selectors for the API-server double, with the real server's semantics:
// lists return only matching objects, and a watch shows an object that starts matching as
// ADDED and one that stops matching as DELETED (the watch cache filters on the old and the
// new object). Field selectors accept only the field labels the real server supports for the
// resource (anything else is a 400), with `=`, `==` and `!=`.

import { ApiError, type Obj, type StoreEvent } from './store.ts';
import type { Json } from './patch.ts';

type Test = (o: Obj) => boolean;

/** Field labels the real API server accepts per resource (plus metadata.name/namespace). */
const FIELD_LABELS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'spec.hostNetwork',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
};

function fieldValue(o: Obj, path: string): string {
  let cur: Json | undefined = o as unknown as Json;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return '';
    cur = (cur as Record<string, Json>)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

export function parseFieldSelector(plural: string, raw: string): Test {
  const tests: Test[] = [];
  for (const term of raw.split(',').filter((t) => t.trim() !== '')) {
    const m = /^\s*([^!=\s]+)\s*(!=|==|=)\s*(.*?)\s*$/.exec(term);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid field selector: ${JSON.stringify(term)}`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const allowed = ['metadata.name', 'metadata.namespace', ...(FIELD_LABELS[plural] ?? [])];
    if (!allowed.includes(field))
      throw new ApiError(400, 'BadRequest', `field label not supported: ${field}`);
    tests.push(op === '!=' ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value);
  }
  return (o) => tests.every((t) => t(o));
}

/** Splits on commas outside parentheses: `a in (x,y),b` → [`a in (x,y)`, `b`]. */
function terms(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of raw) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((t) => t.trim()).filter((t) => t !== '');
}

export function parseLabelSelector(raw: string): Test {
  const tests: Test[] = [];
  const labels = (o: Obj) => (o.metadata['labels'] ?? {}) as Record<string, string>;
  for (const term of terms(raw)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term))) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      tests.push((o) => {
        const l = labels(o);
        const inSet = Object.hasOwn(l, key) && values.includes(l[key]!);
        return op === 'in' ? inSet : !inSet;
      });
    } else if ((m = /^([^\s!=(),]+)\s*(!=|==|=)\s*([^\s!=(),]*)$/.exec(term))) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      // `k!=v` also matches objects without the label, as on the real server.
      tests.push(op === '!=' ? (o) => labels(o)[key] !== value : (o) => labels(o)[key] === value);
    } else if ((m = /^!\s*([^\s!=(),]+)$/.exec(term))) {
      const key = m[1]!;
      tests.push((o) => !Object.hasOwn(labels(o), key));
    } else if ((m = /^([^\s!=(),]+)$/.exec(term))) {
      const key = m[1]!;
      tests.push((o) => Object.hasOwn(labels(o), key));
    } else throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${JSON.stringify(term)}`);
  }
  return (o) => tests.every((t) => t(o));
}

export interface Selection {
  /** True when the request named no selector: everything in scope is selected. */
  all: boolean;
  matches: Test;
  /** What a watcher with this selection sees of a store event, or nothing. */
  view(ev: StoreEvent): StoreEvent | undefined;
}

/** The selection a list or watch request asks for with `labelSelector` and `fieldSelector`. */
export function selectionOf(plural: string, q: URLSearchParams): Selection {
  const label = q.get('labelSelector');
  const field = q.get('fieldSelector');
  const byLabel = label ? parseLabelSelector(label) : undefined;
  const byField = field ? parseFieldSelector(plural, field) : undefined;
  const matches: Test = (o) => (!byLabel || byLabel(o)) && (!byField || byField(o));
  const all = !byLabel && !byField;
  return {
    all,
    matches,
    view(ev) {
      if (all) return ev;
      const now = matches(ev.object);
      if (ev.type === 'DELETED') return now ? ev : undefined;
      const before = ev.previous !== undefined && matches(ev.previous);
      if (now && before) return ev;
      if (now) return { ...ev, type: 'ADDED' };
      if (before) return { ...ev, type: 'DELETED' };
      return undefined;
    },
  };
}
