// Settings for every subcommand: flags, then the environment, then a YAML file (--config),
// then defaults — in that order of precedence. Each component declares its settings once, as
// an object of `setting.*(…)` keyed by the dotted key; the typed values (`SettingsOf`) are
// derived from that declaration, so a setting is never described twice or cast by hand. This
// file parses, checks each value (errors name the key, the flag and the variable) and renders
// --help; rules across settings live in each component's `validate…Settings` beside its
// declaration.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../errors.ts';

export type SettingType = 'string' | 'int' | 'bool' | 'list' | 'duration';
export type SettingValue = string | number | boolean | string[];

declare const valueType: unique symbol;

/** One setting. Its key (also its YAML path: `etcd.endpoints` ↔ `etcd: { endpoints: … }`) is
 * where it sits in its declaration object. `T` is the value's type; `Present` says a default
 * makes the value always present. */
export interface Setting<T extends SettingValue = SettingValue, Present extends boolean = boolean> {
  readonly type: SettingType;
  readonly description: string;
  readonly env?: string;
  readonly default?: T;
  /** For a string that must be one of a few names (setting.oneOf): the names. */
  readonly choices?: readonly string[];
  /** Extra check on the typed value; returns a problem or undefined. */
  check?(value: T): string | undefined;
  /** Types only, never set: what SettingsOf derives. */
  readonly [valueType]?: { value: T; present: Present };
}

/** A component's settings: dotted key → setting. Compose with object spread. */
export type Declarations = Readonly<Record<string, Setting>>;

type ValueOf<S> =
  S extends Setting<infer T, infer Present> ? (Present extends true ? T : T | undefined) : never;

/** The typed settings a declaration yields: `SettingsOf<typeof agentSettings>['agent.poll']` is a number. */
export type SettingsOf<D extends Declarations> = { readonly [K in keyof D]: ValueOf<D[K]> };

/** Any component's settings, for code that reads a few well-known keys. */
export type SettingValues = Readonly<Record<string, SettingValue | undefined>>;

interface Options<T> {
  description: string;
  env?: string;
  check?: (value: T) => string | undefined;
}
interface Builder<T extends SettingValue> {
  (o: Options<T> & { default: T }): Setting<T, true>;
  (o: Options<T>): Setting<T, false>;
}
const builder =
  <T extends SettingValue>(type: SettingType): Builder<T> =>
  (o: Options<T> & { default?: T }) => ({ type, ...o });

const spell = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;

function oneOf<const E extends readonly string[]>(
  names: E,
  o: Options<E[number]> & { default: E[number] },
): Setting<E[number], true>;
function oneOf<const E extends readonly string[]>(names: E, o: Options<E[number]>): Setting<E[number], false>;
function oneOf(names: readonly string[], o: Options<string> & { default?: string }): Setting<string> {
  return {
    type: 'string',
    ...o,
    choices: names,
    check: (v) => (names.includes(v) ? o.check?.(v) : `must be ${spell(names)}`),
  };
}

/** The setting constructors: `setting.int({ default: 10, description: '…', check })`. */
export const setting = {
  string: builder<string>('string'),
  int: builder<number>('int'),
  bool: builder<boolean>('bool'),
  list: builder<string[]>('list'),
  /** Milliseconds; accepts 500ms, 5s, 2m, 1h or a number of milliseconds. */
  duration: builder<number>('duration'),
  /** A string that must be one of `names`; typed as their union. */
  oneOf,
};

export const flagOf = (key: string): string =>
  '--' + key.replace(/\./g, '-').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

export interface SettingSources {
  argv: string[];
  env: Record<string, string | undefined>;
  /** Reads the --config file; injected so tests need no files. */
  readFile?: (path: string) => string;
}

/** Parses argv/env/YAML into typed values; throws ConfigError naming the key. */
export function loadSettings<D extends Declarations>(decls: D, sources: SettingSources): SettingsOf<D> {
  const flags = parseFlags(decls, sources.argv);
  const fromFlag = flags.get('config');
  const file = typeof fromFlag === 'string' ? fromFlag : sources.env['LCS_CONFIG'];
  const yaml = file === undefined ? {} : loadYaml(file, sources.readFile ?? ((p) => readFileSync(p, 'utf8')));
  const out: Record<string, SettingValue | undefined> = {};
  for (const [key, spec] of Object.entries(decls)) {
    const fromFlag = flags.get(key);
    const fromEnv = spec.env ? sources.env[spec.env] : undefined;
    const fromYaml = lookup(yaml, key);
    let value: SettingValue | undefined;
    let origin: string;
    if (fromFlag !== undefined) [value, origin] = [convert(key, spec, fromFlag, flagOf(key)), flagOf(key)];
    else if (fromEnv !== undefined && fromEnv !== '')
      [value, origin] = [convert(key, spec, fromEnv, spec.env!), spec.env!];
    else if (fromYaml !== undefined)
      [value, origin] = [convert(key, spec, fromYaml, `${file}: ${key}`), `${file}`];
    else [value, origin] = [spec.default, 'default'];
    if (value !== undefined && spec.check) {
      const problem = spec.check(value);
      if (problem) throw new ConfigError(key, `${problem} (from ${origin})`);
    }
    out[key] = value;
  }
  return out as SettingsOf<D>;
}

function parseFlags(decls: Declarations, argv: string[]): Map<string, string | boolean> {
  const byFlag = new Map(Object.entries(decls).map(([key, s]) => [flagOf(key), { key, type: s.type }]));
  const out = new Map<string, string | boolean>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--'))
      throw new ConfigError(arg, 'unexpected argument (settings are --flag value or --flag=value)');
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    if (flag === '--config') {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (v === undefined) throw new ConfigError('config', '--config needs a file path');
      out.set('config', v);
      continue;
    }
    const spec = byFlag.get(flag);
    if (!spec) throw new ConfigError(flag, `unknown flag (see --help)`);
    if (eq !== -1) out.set(spec.key, arg.slice(eq + 1));
    else if (spec.type === 'bool' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')))
      out.set(spec.key, true);
    else {
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(spec.key, `${flag} needs a value`);
      out.set(spec.key, v);
    }
  }
  return out;
}

function loadYaml(path: string, read: (p: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = read(path);
  } catch (err) {
    throw new ConfigError('config', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  let doc: unknown;
  try {
    // Loaded only for --config: the parser is ~10 MB of RSS in every process that has no file
    // (measured for the idle agent, docs/benchmarks-agent.md).
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = parse(text);
  } catch (err) {
    throw new ConfigError('config', `${path} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError('config', `${path} must hold a YAML mapping`);
  return doc as Record<string, unknown>;
}

function lookup(doc: Record<string, unknown>, key: string): unknown {
  let cur: unknown = doc;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function convert(key: string, spec: Setting, raw: unknown, origin: string): SettingValue {
  const bad = (what: string) => new ConfigError(key, `${what}, got ${JSON.stringify(raw)} (from ${origin})`);
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string' || typeof raw === 'number') return String(raw);
      throw bad('must be a string');
    case 'int': {
      const n =
        typeof raw === 'number'
          ? raw
          : typeof raw === 'string' && /^-?\d+$/.test(raw.trim())
            ? Number(raw)
            : NaN;
      if (!Number.isSafeInteger(n)) throw bad('must be an integer');
      return n;
    }
    case 'duration': {
      const ms = parseDuration(raw);
      if (ms === undefined) throw bad('must be a duration such as 500ms, 5s, 2m or a number of milliseconds');
      return ms;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 'yes') return true;
      if (raw === 'false' || raw === '0' || raw === 'no') return false;
      throw bad('must be true or false');
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      throw bad('must be a comma-separated list or a YAML list of strings');
  }
}

export function parseDuration(raw: unknown): number | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return raw;
  if (typeof raw !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60000, h: 3600000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

export function renderHelp(command: string, summary: string, decls: Declarations): string {
  const lines = [
    `Usage: lcs ${command} [--config file.yaml] [flags]`,
    '',
    summary,
    '',
    'Flags (flag > environment > YAML file > default):',
  ];
  for (const [key, s] of Object.entries(decls)) {
    const dflt =
      s.default === undefined
        ? ''
        : ` (default ${Array.isArray(s.default) ? s.default.join(',') : s.default})`;
    lines.push(`  ${flagOf(key)} <${s.type}>`);
    lines.push(`      ${s.description}${dflt}${s.env ? `  [env ${s.env}]` : ''}  [yaml ${key}]`);
  }
  lines.push(
    '  --config <file>',
    '      YAML file with any of the keys above, nested by dots  [env LCS_CONFIG]',
  );
  return lines.join('\n');
}
