// Who a request is, and what it may do. With no users file every request is an anonymous
// viewer and nothing can be written. With one, a request carries a bearer token or a session
// cookie (from POST /api/login); a write with a cookie must carry the CSRF token too.

import type { IncomingMessage } from 'node:http';
import { atLeast, roleFor, type Grant, type Role, type UsersFile } from './users.ts';
import { tokenMatches, verifyPassword } from './password.ts';
import { CSRF_HEADER, SESSION_COOKIE, Sessions, parseCookies } from './session.ts';
import { HttpError } from '../http.ts';

export interface Principal {
  /** null: anonymous (no users configured). */
  name: string | null;
  kind: 'anonymous' | 'user' | 'token';
  grants: Grant[];
  /** The session cookie, when the request was authenticated by one (writes need the CSRF token). */
  cookie?: string;
}

const ANONYMOUS: Principal = { name: null, kind: 'anonymous', grants: [{ prefix: '/', role: 'viewer' }] };

export class Authenticator {
  private readonly users: UsersFile | undefined;
  readonly sessions: Sessions;

  constructor(users: UsersFile | undefined, sessions: Sessions) {
    this.users = users;
    this.sessions = sessions;
  }

  get readOnly(): boolean {
    return this.users === undefined;
  }

  /** The principal of a request, or undefined when users are configured and it carries none. */
  identify(req: IncomingMessage): Principal | undefined {
    if (!this.users) return ANONYMOUS;
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m) throw new HttpError(401, 'the authorization header must be "Bearer <token>"');
      const t = this.users.tokens.find((x) => tokenMatches(m[1]!, x.sha256));
      if (!t) throw new HttpError(401, 'the bearer token is not valid');
      return { name: t.name, kind: 'token', grants: t.roles };
    }
    const cookie = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const user = this.sessions.verify(cookie);
    if (user === undefined) return undefined;
    const u = this.users.users.find((x) => x.name === user);
    if (!u) return undefined; // removed from the file since the login
    return { name: u.name, kind: 'user', grants: u.roles, cookie: cookie! };
  }

  async login(
    user: string,
    password: string,
  ): Promise<{ principal: Principal; cookie: string; csrf: string; maxAgeSec: number }> {
    const u = this.users?.users.find((x) => x.name === user);
    if (!this.users)
      throw new HttpError(403, 'no users are configured: the console is read-only (set console.usersFile)');
    // Verify against a real hash even for an unknown user, so timing does not tell who exists.
    const ok = await verifyPassword(password, u?.password ?? DUMMY_HASH);
    if (!u || !ok) throw new HttpError(401, 'unknown user or wrong password');
    const s = this.sessions.issue(u.name);
    return { principal: { name: u.name, kind: 'user', grants: u.roles, cookie: s.cookie }, ...s };
  }

  csrfOf(p: Principal): string | undefined {
    return p.cookie ? this.sessions.csrfFor(p.cookie) : undefined;
  }

  /** Throws 403 unless `p` holds `need` on `key`; for a cookie session, checks the CSRF token. */
  authorizeWrite(req: IncomingMessage, p: Principal, key: string, need: Role): void {
    if (this.readOnly)
      throw new HttpError(403, 'no users are configured: the console is read-only (set console.usersFile)');
    if (p.cookie && !this.sessions.csrfValid(p.cookie, header(req, CSRF_HEADER)))
      throw new HttpError(
        403,
        `the ${CSRF_HEADER} header is missing or does not match this session (reload the page)`,
      );
    const have = roleFor(p.grants, key);
    if (!atLeast(have, need))
      throw new HttpError(403, `${p.name} is ${have ?? 'nothing'} on ${key}; this needs ${need}`);
  }

  canRead(p: Principal, key: string): boolean {
    return atLeast(roleFor(p.grants, key), 'viewer');
  }

  authorizeRead(p: Principal, key: string): void {
    if (!this.canRead(p, key)) throw new HttpError(403, `${p.name ?? 'anonymous'} may not read ${key}`);
  }
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

// scrypt of a random password: makes a failed login for an unknown user cost the same.
const DUMMY_HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$dGhpc2lzbm90YXJlYWxoYXNoYnV0MzJieXRlc2xvbmc=';
