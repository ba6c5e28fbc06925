// Validates a value against a CRD structural schema the way the API server would on create:
// OpenAPI keywords, then each x-kubernetes-validations CEL rule with `self` bound to the
// value (evaluated by @marcbachmann/cel-js). Unknown fields are errors, as with kubectl's
// default --validate=strict (the server would otherwise prune them silently).

import { evaluate } from '@marcbachmann/cel-js';

export type Schema = Record<string, unknown>;

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v;

/** CEL distinguishes int from double: integer fields become BigInt like the API server's int64. */
function toCel(v: unknown, s: Schema): unknown {
  if (s['type'] === 'integer' && typeof v === 'number') return BigInt(v);
  if (Array.isArray(v)) return v.map((x) => toCel(x, (s['items'] as Schema) ?? {}));
  if (v && typeof v === 'object') {
    const props = (s['properties'] as Record<string, Schema>) ?? {};
    const extra = (s['additionalProperties'] as Schema) ?? {};
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x, props[k] ?? extra)]));
  }
  return v;
}

export function validate(value: unknown, schema: Schema, path = ''): string[] {
  const errors: string[] = [];
  const at = path || '<root>';
  const type = schema['type'] as string | undefined;
  const actual = typeOf(value);
  if (type && !(type === actual || (type === 'number' && actual === 'integer')))
    return [`${at}: must be of type ${type}, got ${actual}`];
  if (schema['enum'] && !(schema['enum'] as unknown[]).includes(value))
    errors.push(`${at}: must be one of ${(schema['enum'] as unknown[]).join(', ')}`);
  if (typeof value === 'string') {
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'] as string, 'u').test(value))
      errors.push(`${at}: must match ${schema['pattern']}`);
    if (typeof schema['minLength'] === 'number' && value.length < schema['minLength'])
      errors.push(`${at}: shorter than ${schema['minLength']}`);
    if (typeof schema['maxLength'] === 'number' && value.length > schema['maxLength'])
      errors.push(`${at}: longer than ${schema['maxLength']}`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum'])
      errors.push(`${at}: less than ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum'])
      errors.push(`${at}: greater than ${schema['maximum']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems'])
      errors.push(`${at}: fewer than ${schema['minItems']} items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems'])
      errors.push(`${at}: more than ${schema['maxItems']} items`);
    value.forEach((x, i) => errors.push(...validate(x, (schema['items'] as Schema) ?? {}, `${path}[${i}]`)));
  }
  if (actual === 'object') {
    const obj = value as Record<string, unknown>;
    const props = schema['properties'] as Record<string, Schema> | undefined;
    const extra = schema['additionalProperties'] as Schema | undefined;
    for (const r of (schema['required'] as string[]) ?? [])
      if (obj[r] === undefined) errors.push(`${path ? path + '.' : ''}${r}: Required value`);
    if (typeof schema['maxProperties'] === 'number' && Object.keys(obj).length > schema['maxProperties'])
      errors.push(`${at}: more than ${schema['maxProperties']} properties`);
    for (const [k, v] of Object.entries(obj)) {
      const sub = props?.[k] ?? extra;
      const p = path ? `${path}.${k}` : k;
      if (sub) errors.push(...validate(v, sub, p));
      else if (
        props &&
        !schema['x-kubernetes-preserve-unknown-fields'] &&
        !(path === 'metadata' || p === 'metadata')
      )
        errors.push(`${p}: unknown field`);
    }
  }
  // The API server runs CEL rules on values that passed the OpenAPI checks.
  if (!errors.length) {
    for (const rule of (schema['x-kubernetes-validations'] as { rule: string; message?: string }[]) ?? []) {
      let ok: unknown;
      try {
        ok = evaluate(rule.rule, { self: toCel(value, schema) });
      } catch (err) {
        ok = `error: ${(err as Error).message}`;
      }
      if (ok !== true)
        errors.push(
          `${at}: ${rule.message ?? `failed rule: ${rule.rule}`}${typeof ok === 'string' ? ` (${ok})` : ''}`,
        );
    }
  }
  return errors;
}
