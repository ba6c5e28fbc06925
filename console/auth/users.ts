// The console's users file (YAML, mounted from a Secret in Kubernetes): users with scrypt
// password hashes, tokens stored as SHA-256, and per user or token the roles it holds on key
// prefixes. A user's role for a key is the highest of its grants whose prefix the key starts
// with. Parsing names the entry and field that is wrong.

import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../common/errors.ts';
import { passwordHashProblem } from './password.ts';

export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Grant {
  prefix: string;
  role: Role;
}

export interface UserRecord {
  name: string;
  password: string;
  roles: Grant[];
}

export interface TokenRecord {
  name: string;
  sha256: string;
  roles: Grant[];
}

export interface UsersFile {
  users: UserRecord[];
  tokens: TokenRecord[];
}

const rank = (r: Role): number => ROLES.indexOf(r);

/** The highest role the grants give on `key`, or undefined when none applies. */
export function roleFor(grants: readonly Grant[], key: string): Role | undefined {
  let best: Role | undefined;
  for (const g of grants)
    if (key.startsWith(g.prefix) && (best === undefined || rank(g.role) > rank(best))) best = g.role;
  return best;
}

export const atLeast = (have: Role | undefined, need: Role): boolean =>
  have !== undefined && rank(have) >= rank(need);

/** Parses the users file; `where` names it in errors (the setting key and the path). */
export function parseUsersFile(text: string, where: string): UsersFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(where, `is not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new ConfigError(where, 'must be a YAML mapping with `users` and/or `tokens`');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (k !== 'users' && k !== 'tokens')
      throw new ConfigError(where, `unknown key "${k}" (allowed: users, tokens)`);
  const list = (k: 'users' | 'tokens'): Record<string, unknown>[] => {
    const v = o[k];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(where, `${k} must be a list`);
    return v.map((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item))
        throw new ConfigError(where, `${k}[${i}] must be a mapping`);
      return item as Record<string, unknown>;
    });
  };
  const names = new Set<string>();
  const nameOf = (k: string, i: number, item: Record<string, unknown>): string => {
    const name = item.name;
    if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name))
      throw new ConfigError(where, `${k}[${i}].name must be 1-64 letters, digits or . _ @ -`);
    if (names.has(name)) throw new ConfigError(where, `${k}[${i}].name "${name}" appears twice`);
    names.add(name);
    return name;
  };
  const grants = (k: string, i: number, v: unknown): Grant[] => {
    if (!Array.isArray(v) || v.length === 0)
      throw new ConfigError(where, `${k}[${i}].roles must be a non-empty list`);
    return v.map((g, j) => {
      const at = `${k}[${i}].roles[${j}]`;
      const go = (g ?? {}) as Record<string, unknown>;
      if (typeof go.prefix !== 'string' || !go.prefix.startsWith('/'))
        throw new ConfigError(where, `${at}.prefix must be a key prefix starting with /`);
      if (typeof go.role !== 'string' || !(ROLES as readonly string[]).includes(go.role))
        throw new ConfigError(where, `${at}.role must be one of ${ROLES.join(', ')}`);
      return { prefix: go.prefix, role: go.role as Role };
    });
  };
  const users = list('users').map((u, i): UserRecord => {
    const name = nameOf('users', i, u);
    if (typeof u.password !== 'string')
      throw new ConfigError(where, `users[${i}].password (${name}) is missing`);
    const problem = passwordHashProblem(u.password);
    if (problem) throw new ConfigError(where, `users[${i}].password (${name}) ${problem}`);
    return { name, password: u.password, roles: grants('users', i, u.roles) };
  });
  const tokens = list('tokens').map((t, i): TokenRecord => {
    const name = nameOf('tokens', i, t);
    if (typeof t.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(t.sha256))
      throw new ConfigError(
        where,
        `tokens[${i}].sha256 (${name}) must be the 64 hex digits of the token's SHA-256`,
      );
    return { name, sha256: t.sha256.toLowerCase(), roles: grants('tokens', i, t.roles) };
  });
  return { users, tokens };
}
