// A small schema language: one definition yields the TypeScript type (Infer), the runtime
// validator (parse) and the JSON Schema / CRD openAPIV3Schema (toJsonSchema). Written here
// rather than taken from a library so the CRD output (structural schema, CEL rules) and the
// error messages (a JSON path per problem) are exactly what LCS needs.

export interface Issue {
  path: string;
  message: string;
}

export type JsonSchema = Record<string, unknown>;
export type Dialect = 'json-schema' | 'crd';

/** A rule the schema alone cannot say: CEL for Kubernetes, `check` for the runtime. */
export interface Rule<T> {
  cel: string;
  message: string;
  check: (value: T) => boolean;
}

export interface Schema<T> {
  readonly optional: boolean;
  readonly description?: string;
  parse(value: unknown, path: string, issues: Issue[]): T | undefined;
  toJsonSchema(dialect: Dialect): JsonSchema;
}

export interface Optional<T> extends Schema<T> {
  readonly optional: true;
  readonly defaultValue?: T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type ObjectOf<P extends Shape> = Simplify<
  { [K in keyof P as P[K] extends Optional<unknown> ? never : K]: Infer<P[K]> } & {
    [K in keyof P as P[K] extends Optional<unknown> ? K : never]?: Infer<P[K]>;
  }
>;

const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const at = (path: string, key: string | number): string =>
  typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;

interface StringOpts {
  description?: string;
  pattern?: string;
  patternHint?: string;
  enum?: readonly string[];
  minLength?: number;
  maxLength?: number;
  /** Extra runtime check; returns a problem or undefined (e.g. "not a valid regular expression"). */
  check?: (value: string) => string | undefined;
  format?: string;
}

export function string<const E extends readonly string[] = readonly string[]>(
  opts: StringOpts & { enum?: E } = {},
): Schema<E extends readonly [] ? string : string extends E[number] ? string : E[number]> {
  const re = opts.pattern === undefined ? undefined : new RegExp(opts.pattern);
  type Out = E extends readonly [] ? string : string extends E[number] ? string : E[number];
  return {
    optional: false,
    description: opts.description,
    parse(value, path, issues) {
      if (typeof value !== 'string') {
        issues.push({ path, message: `must be a string, got ${typeName(value)}` });
        return undefined;
      }
      const before = issues.length;
      if (opts.enum && !opts.enum.includes(value))
        issues.push({ path, message: `must be one of ${opts.enum.join(', ')}; got "${value}"` });
      if (opts.minLength !== undefined && value.length < opts.minLength)
        issues.push({
          path,
          message:
            opts.minLength === 1 ? 'must not be empty' : `must be at least ${opts.minLength} characters`,
        });
      if (opts.maxLength !== undefined && value.length > opts.maxLength)
        issues.push({ path, message: `must be at most ${opts.maxLength} characters` });
      if (re && !re.test(value))
        issues.push({ path, message: `"${value}" ${opts.patternHint ?? `does not match ${opts.pattern}`}` });
      const extra = opts.check?.(value);
      if (extra) issues.push({ path, message: extra });
      return issues.length === before ? (value as Out) : undefined;
    },
    toJsonSchema() {
      return clean({
        type: 'string',
        description: opts.description,
        enum: opts.enum ? [...opts.enum] : undefined,
        pattern: opts.pattern,
        minLength: opts.minLength,
        maxLength: opts.maxLength,
        format: opts.format,
      });
    },
  };
}

export function integer(
  opts: { description?: string; minimum?: number; maximum?: number } = {},
): Schema<number> {
  return {
    optional: false,
    description: opts.description,
    parse(value, path, issues) {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        issues.push({ path, message: `must be an integer, got ${typeName(value)}` });
        return undefined;
      }
      if (opts.minimum !== undefined && value < opts.minimum) {
        issues.push({ path, message: `must be >= ${opts.minimum}, got ${value}` });
        return undefined;
      }
      if (opts.maximum !== undefined && value > opts.maximum) {
        issues.push({ path, message: `must be <= ${opts.maximum}, got ${value}` });
        return undefined;
      }
      return value;
    },
    toJsonSchema: () =>
      clean({ type: 'integer', description: opts.description, minimum: opts.minimum, maximum: opts.maximum }),
  };
}

export function array<T>(
  item: Schema<T>,
  opts: { description?: string; minItems?: number; maxItems?: number } = {},
): Schema<T[]> {
  return {
    optional: false,
    description: opts.description,
    parse(value, path, issues) {
      if (!Array.isArray(value)) {
        issues.push({ path, message: `must be an array, got ${typeName(value)}` });
        return undefined;
      }
      const before = issues.length;
      if (opts.minItems !== undefined && value.length < opts.minItems)
        issues.push({ path, message: `must have at least ${opts.minItems} item(s)` });
      if (opts.maxItems !== undefined && value.length > opts.maxItems)
        issues.push({ path, message: `must have at most ${opts.maxItems} items` });
      const out = value.map((v, i) => item.parse(v, at(path, i), issues));
      return issues.length === before ? (out as T[]) : undefined;
    },
    toJsonSchema: (d) =>
      clean({
        type: 'array',
        description: opts.description,
        items: item.toJsonSchema(d),
        minItems: opts.minItems,
        maxItems: opts.maxItems,
      }),
  };
}

/** A string-keyed map (labels, static fields). */
export function record<T>(
  value: Schema<T>,
  opts: { description?: string; keyPattern?: string; maxProperties?: number } = {},
): Schema<Record<string, T>> {
  const keyRe = opts.keyPattern === undefined ? undefined : new RegExp(opts.keyPattern);
  return {
    optional: false,
    description: opts.description,
    parse(input, path, issues) {
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        issues.push({ path, message: `must be an object, got ${typeName(input)}` });
        return undefined;
      }
      const before = issues.length;
      const out: Record<string, T> = {};
      const entries = Object.entries(input);
      if (opts.maxProperties !== undefined && entries.length > opts.maxProperties)
        issues.push({ path, message: `must have at most ${opts.maxProperties} keys` });
      for (const [k, v] of entries) {
        if (keyRe && !keyRe.test(k))
          issues.push({ path: at(path, k), message: `key does not match ${opts.keyPattern}` });
        const parsed = value.parse(v, at(path, k), issues);
        if (parsed !== undefined) out[k] = parsed;
      }
      return issues.length === before ? out : undefined;
    },
    toJsonSchema: (d) =>
      clean({
        type: 'object',
        description: opts.description,
        additionalProperties: value.toJsonSchema(d),
        maxProperties: opts.maxProperties,
      }),
  };
}

export function object<P extends Shape>(
  props: P,
  opts: { description?: string; rules?: Rule<ObjectOf<P>>[] } = {},
): Schema<ObjectOf<P>> {
  return {
    optional: false,
    description: opts.description,
    parse(value, path, issues) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        issues.push({ path, message: `must be an object, got ${typeName(value)}` });
        return undefined;
      }
      const before = issues.length;
      const input = value as Record<string, unknown>;
      for (const key of Object.keys(input)) {
        if (!(key in props))
          issues.push({
            path: at(path, key),
            message: `unknown field (allowed: ${Object.keys(props).join(', ')})`,
          });
      }
      const out: Record<string, unknown> = {};
      for (const [key, schema] of Object.entries(props)) {
        const v = input[key];
        if (v === undefined || v === null) {
          const dflt = (schema as Optional<unknown>).defaultValue;
          if (!schema.optional) issues.push({ path: at(path, key), message: 'is required' });
          else if (dflt !== undefined) out[key] = structuredClone(dflt);
          continue;
        }
        const parsed = schema.parse(v, at(path, key), issues);
        if (parsed !== undefined) out[key] = parsed;
      }
      if (issues.length !== before) return undefined;
      for (const rule of opts.rules ?? []) {
        if (!rule.check(out as ObjectOf<P>)) issues.push({ path: path || '(root)', message: rule.message });
      }
      return issues.length === before ? (out as ObjectOf<P>) : undefined;
    },
    toJsonSchema(d) {
      const properties: Record<string, JsonSchema> = {};
      for (const [key, schema] of Object.entries(props)) {
        const js = schema.toJsonSchema(d);
        const dflt = (schema as Optional<unknown>).defaultValue;
        properties[key] = dflt === undefined ? js : { ...js, default: dflt };
      }
      const required = Object.entries(props)
        .filter(([, s]) => !s.optional)
        .map(([k]) => k);
      const rules = (opts.rules ?? []).map((r) => ({ rule: r.cel, message: r.message }));
      return clean({
        type: 'object',
        description: opts.description,
        properties,
        required: required.length ? required : undefined,
        // Structural CRD schemas may not say additionalProperties: false; the API server
        // prunes unknown fields instead, and our runtime validator rejects them.
        additionalProperties: d === 'json-schema' ? false : undefined,
        'x-kubernetes-validations': d === 'crd' && rules.length ? rules : undefined,
      });
    },
  };
}

/** Marks a property optional, with an optional default applied by parse and published in the schema. */
export function optional<T>(schema: Schema<T>, defaultValue?: T): Optional<T> {
  return Object.assign(Object.create(schema) as Schema<T>, {
    optional: true as const,
    defaultValue,
  }) as Optional<T>;
}

function clean(o: Record<string, unknown>): JsonSchema {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function formatIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
}
